'use strict';
// The bare Node Socket.IO relay: the reference for what Socket.IO itself costs in Node.
//
//   node bench/loadgen/relay.js PORT
//
// Namespace /live, one room per `auth.workshop`; on connect it sends `state` (no notes);
// `add_note` is broadcast to the room as `note_added` {note, revision} and acknowledged
// with {ok, note, created}, like the app, with no session, database or checks.
// Same ping interval, ping timeout and message cap as the app (workshop/__init__.py).

const http = require('node:http');
const { Server } = require('socket.io');

const port = Number(process.argv[2]);
const server = http.createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end('bare Node Socket.IO relay\n');
});
const sio = new Server(server, {
  pingInterval: 20000,
  pingTimeout: 20000,
  maxHttpBufferSize: 64 * 1024,
  serveClient: false,
  cors: { origin: true },
});
const live = sio.of('/live');
let revision = 0;

live.on('connection', (socket) => {
  const room = `workshop-${socket.handshake.auth && socket.handshake.auth.workshop}`;
  socket.join(room);
  socket.emit('state', { notes: [], revision });
  socket.on('add_note', (data, ack) => {
    revision += 1;
    const note = { ...(data || {}), id: revision };
    live.to(room).emit('note_added', { note, revision });
    if (typeof ack === 'function') ack({ ok: true, note, created: true });
  });
});

server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
