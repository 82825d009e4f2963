'use strict';
// One load-generator process: many phones (Socket.IO clients) driven by bench/common.py.
//
// Protocol: JSON lines. The coordinator writes the configuration as the first line of
// stdin, then commands; this process answers on stdout, one JSON object a line.
//
//   stdout {type: "hello", pid, mono_us}        at start, for the clock check (below)
//   stdin  {cmd: "connect", starts_us}          open every phone; starts_us: null (as fast as
//                                               `concurrency` allows) or one start time a phone
//   stdout {type: "connected", phones, window}  one record a phone (join, page, state, error)
//                                               and this process's health while connecting
//   stdin  {cmd: "go", notes: [[pos, client_id, due_us], ...], stage}
//                                               post these notes at their due times (open loop)
//   stdin  {cmd: "report"}
//   stdout {type: "report", sent, received, cpu, loop, ...}
//   stdin  {cmd: "close"}                       disconnect everything and exit
//
// Clock: every time is process.hrtime.bigint() in microseconds. On Linux libuv reads it
// with clock_gettime(CLOCK_MONOTONIC), a system-wide clock, so times taken in different
// processes (this one, the other workers, Python's time.monotonic_ns()) compare directly:
// a note's send time from one worker and its receive times in every other worker give the
// latency. The coordinator checks this at start: `mono_us` in "hello" must fall between
// its own clock readings just before spawning and just after reading the line.
//
// Load-generator health: CPU (user + system) of this process and event-loop delay
// (perf_hooks.monitorEventLoopDelay) over the measured window, and how late each note
// left compared with its due time, so the coordinator can tell when the generator,
// not the server, was the bottleneck.

const http = require('node:http');
const readline = require('node:readline');
const zlib = require('node:zlib');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { io } = require('socket.io-client');

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');

let config = null;
const phones = []; // {index, workshop, join, socket, record}
const sent = []; // [client_id, send_us, ack_us, ok, error]
const received = new Map(); // client_id -> [receive_us, ...]
let disconnects = 0;
let sendLagMaxUs = 0;
let lateSends = 0; // notes that left more than 10 ms after their due time
// The histogram records the time between its 10 ms ticks; the delay is what exceeds 10 ms.
const LOOP_TICK_MS = 10;
const loop = monitorEventLoopDelay({ resolution: LOOP_TICK_MS });
let windowStart = null;

function startWindow() {
  loop.reset();
  loop.enable();
  windowStart = { us: nowUs(), cpu: process.cpuUsage() };
}

function windowFigures() {
  if (windowStart === null) return null;
  const seconds = (nowUs() - windowStart.us) / 1e6;
  const cpu = process.cpuUsage(windowStart.cpu);
  const ms = (ns) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - LOOP_TICK_MS) : null);
  return {
    seconds,
    cpu_pct: seconds > 0 ? ((cpu.user + cpu.system) / 1e6 / seconds) * 100 : null,
    loop_p50_ms: ms(loop.percentile(50)),
    loop_p99_ms: ms(loop.percentile(99)),
    loop_max_ms: ms(loop.max),
    rss_mb: process.memoryUsage().rss / 2 ** 20,
  };
}

// ------------------------------------------------------------------ HTTP (the join flow)

function cookiesFrom(headers, jar) {
  for (const line of headers['set-cookie'] || []) {
    const pair = line.split(';', 1)[0];
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
}

const cookieHeader = (jar) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

// GET with the headers a phone's browser sends; counts the body bytes as they came over
// the wire (Node's http does not decompress) and, when compressed, their decoded size.
function get(url, jar, agent) {
  return new Promise((resolve, reject) => {
    const started = nowUs();
    const headers = { 'accept-encoding': 'gzip, deflate, br', accept: 'text/html,*/*' };
    if (jar.size) headers.cookie = cookieHeader(jar);
    const request = http.get(url, { agent, headers, timeout: config.http_timeout_s * 1000 },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          cookiesFrom(response.headers, jar);
          const body = Buffer.concat(chunks);
          const encoding = response.headers['content-encoding'] || null;
          let decoded = body;
          try {
            if (encoding === 'gzip') decoded = zlib.gunzipSync(body);
            else if (encoding === 'deflate') decoded = zlib.inflateSync(body);
            else if (encoding === 'br') decoded = zlib.brotliDecompressSync(body);
          } catch (error) {
            reject(new Error(`bad ${encoding} body: ${error.message}`));
            return;
          }
          resolve({
            status: response.statusCode, location: response.headers.location || null,
            ms: (nowUs() - started) / 1000, wire: body.length, decoded, encoding,
          });
        });
      });
    request.on('timeout', () => request.destroy(new Error('HTTP timeout')));
    request.on('error', reject);
  });
}

const ASSET = /(?:src|href)="(\/(?:static|assets)\/[^"]+)"/g;

// GET /j/<code>: it sets the session cookie and answers with the phone page (older
// versions redirected to it: then the page is fetched too).
async function join(phone, record, jar) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const link = await get(config.url + phone.join, jar, agent);
    record.join_status = link.status;
    record.join_ms = link.ms;
    const redirected = link.status >= 300 && link.status < 400 && link.location;
    if (link.status !== 200 && !redirected) throw new Error(`join link gave HTTP ${link.status}`);
    const page = redirected ? await get(new URL(link.location, config.url).href, jar, agent) : link;
    record.page_status = page.status;
    record.page_ms = page.ms;
    record.page_wire_bytes = page.wire;
    record.page_bytes = page.decoded.length;
    record.page_encoding = page.encoding;
    if (page.status !== 200) throw new Error(`phone page gave HTTP ${page.status}`);
    if (config.assets) {
      record.asset_wire_bytes = 0;
      const html = page.decoded.toString('utf8');
      for (const path of new Set([...html.matchAll(ASSET)].map((m) => m[1]))) {
        const asset = await get(config.url + path.replace(/&amp;/g, '&'), jar, agent);
        if (asset.status !== 200) throw new Error(`${path} gave HTTP ${asset.status}`);
        record.asset_wire_bytes += asset.wire;
      }
    }
  } finally {
    agent.destroy();
  }
}

// ------------------------------------------------------------------ Socket.IO

function connectSocket(phone, record, jar) {
  return new Promise((resolve) => {
    const extraHeaders = {};
    if (jar.size) extraHeaders.cookie = cookieHeader(jar);
    if (config.origin) extraHeaders.origin = config.origin;
    const socket = io(config.url + '/live', {
      forceNew: true, // one connection per phone, never multiplexed
      reconnection: false,
      transports: [config.transport],
      auth: { workshop: phone.workshop, audience: 'participant' },
      extraHeaders,
      timeout: config.connect_timeout_s * 1000,
    });
    phone.socket = socket;
    let settled = false;
    const settle = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        record.error = error;
        socket.close();
      }
      resolve();
    };
    const timer = setTimeout(() => {
      record.hung = true;
      settle(`no state within ${config.connect_timeout_s} s`);
    }, config.connect_timeout_s * 1000);
    socket.once('state', (state) => {
      record.state_ms = (nowUs() - record.start_us) / 1000;
      record.state_bytes = Buffer.byteLength(JSON.stringify(state));
      record.connected = true;
      settle(null);
    });
    socket.on('connect_error', (error) => settle(`connect_error: ${error.message}`));
    socket.on('disconnect', (reason) => {
      if (record.connected) {
        disconnects += 1;
        record.disconnected = reason;
      }
      settle(`disconnected: ${reason}`);
    });
    socket.on('note_added', (payload) => {
      const at = nowUs();
      const id = payload && payload.note && payload.note.client_id;
      if (typeof id !== 'string' || !id.startsWith(config.prefix)) return;
      const times = received.get(id);
      if (times) times.push(at);
      else received.set(id, [at]);
    });
  });
}

// The join flow, then the socket; a phone that failed starts over (a person reloads the
// page) up to `config.retries` times; the record keeps the first failure.
async function openPhone(phone, dueUs = null) {
  const record = { index: phone.index, start_us: nowUs(), connected: false, attempts: 0 };
  if (dueUs !== null) record.start_lag_ms = (record.start_us - dueUs) / 1000;
  phone.record = record;
  while (!record.connected && record.attempts <= config.retries) {
    record.attempts += 1;
    delete record.error;
    if (phone.socket) phone.socket.close();
    const jar = new Map();
    try {
      if (phone.join) await join(phone, record, jar);
      await connectSocket(phone, record, jar);
    } catch (error) {
      record.error = String(error.message || error);
    }
    if (record.error && !record.first_error) record.first_error = record.error;
  }
  record.total_ms = (nowUs() - record.start_us) / 1000;
  return record;
}

async function connectAll(startsUs) {
  startWindow();
  if (startsUs) {
    // Storm: each phone arrives at its own time, whatever the others are doing.
    await Promise.all(phones.map((phone, pos) => new Promise((resolve) => {
      const wait = Math.max(0, (startsUs[pos] - nowUs()) / 1000);
      setTimeout(() => openPhone(phone, startsUs[pos]).then(resolve), wait);
    })));
  } else {
    let next = 0;
    const lane = async () => {
      while (next < phones.length) await openPhone(phones[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(config.concurrency, phones.length) }, lane));
  }
  send({ type: 'connected', phones: phones.map((p) => p.record), window: windowFigures() });
  startWindow();
}

// ------------------------------------------------------------------ posting notes

function go(notes, stage) {
  startWindow();
  notes.sort((a, b) => a[2] - b[2]);
  let i = 0;
  const pump = () => {
    const now = nowUs();
    while (i < notes.length && notes[i][2] <= now) {
      const [pos, id, due] = notes[i++];
      const socket = phones[pos].socket;
      const at = nowUs();
      const lag = at - due;
      sendLagMaxUs = Math.max(sendLagMaxUs, lag);
      if (lag > 10000) lateSends += 1;
      const entry = [id, at, null, false, null];
      sent.push(entry);
      if (!socket || !socket.connected) {
        entry[4] = 'not connected';
        continue;
      }
      socket.emit('add_note', { client_id: id, text: `nota ${id}`, stage, lane: null }, (ack) => {
        entry[2] = nowUs();
        entry[3] = Boolean(ack && ack.ok);
        if (!entry[3]) entry[4] = JSON.stringify(ack).slice(0, 200);
      });
    }
    if (i < notes.length) setTimeout(pump, Math.max(0, (notes[i][2] - nowUs()) / 1000));
  };
  pump();
}

function report() {
  send({
    type: 'report',
    window: windowFigures(),
    sent,
    received: Object.fromEntries(received),
    send_lag_max_ms: sendLagMaxUs / 1000,
    late_sends: lateSends,
    connected_now: phones.filter((p) => p.socket && p.socket.connected).length,
    disconnects,
    disconnect_reasons: [...new Set(phones.map((p) => p.record && p.record.disconnected)
      .filter(Boolean))],
  });
}

function close() {
  for (const phone of phones) if (phone.socket) phone.socket.close();
  setTimeout(() => process.exit(0), 200);
}

// ------------------------------------------------------------------ main

send({ type: 'hello', pid: process.pid, mono_us: nowUs() });
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line);
  if (config === null) {
    config = message;
    for (const [index, workshop, joinPath] of config.phones) {
      phones.push({ index, workshop, join: joinPath, socket: null, record: null });
    }
    return;
  }
  if (message.cmd === 'connect') connectAll(message.starts_us);
  else if (message.cmd === 'go') go(message.notes, message.stage);
  else if (message.cmd === 'report') report();
  else if (message.cmd === 'close') close();
});
lines.on('close', close); // the coordinator went away
process.on('SIGTERM', () => process.exit(0));
