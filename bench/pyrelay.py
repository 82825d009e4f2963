"""The bare python-socketio relay: the reference for what Socket.IO itself costs in Python.

    WORKSHOP_ASYNC_MODE=gevent python -c "import workshop, runpy, sys; ..." bench/pyrelay.py PORT

(bench/common.py starts it so: `import workshop` first, as the `workshop` command does,
so that in gevent mode the standard library is monkey-patched before anything else.)

It runs on the app's own server stack (workshop.server.run_server: gunicorn, one worker,
gthread or gevent) with the app's Socket.IO settings (ping interval and timeout, message
cap). Namespace /live, one room per `auth.workshop`; on connect it sends `state` (no
notes); `add_note` is broadcast to the room as `note_added` {note, revision} and
acknowledged with {ok, note, created}, like the app, with no session, database or checks.
"""

from __future__ import annotations

import argparse
import itertools
import os

import socketio

from workshop import MAX_MESSAGE_BYTES
from workshop.live.transport import WithoutWebSocketCompression
from workshop.server import run_server

NAMESPACE = "/live"


def build(async_mode: str) -> socketio.Server:
    sio = socketio.Server(
        async_mode=async_mode,
        ping_interval=20,
        ping_timeout=20,
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        cors_allowed_origins="*",
    )
    revisions = itertools.count(1)
    rooms: dict[str, str] = {}

    @sio.on("connect", namespace=NAMESPACE)
    def connect(sid, environ, auth=None):
        room = f"workshop-{(auth or {}).get('workshop')}"
        rooms[sid] = room
        sio.enter_room(sid, room, namespace=NAMESPACE)
        sio.emit("state", {"notes": [], "revision": 0}, to=sid, namespace=NAMESPACE)

    @sio.on("disconnect", namespace=NAMESPACE)
    def disconnect(sid, *reason):
        rooms.pop(sid, None)

    @sio.on("add_note", namespace=NAMESPACE)
    def add_note(sid, data):
        revision = next(revisions)
        note = {**(data if isinstance(data, dict) else {}), "id": revision}
        sio.emit("note_added", {"note": note, "revision": revision}, to=rooms.get(sid), namespace=NAMESPACE)
        return {"ok": True, "note": note, "created": True}

    return sio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument(
        "--threads", type=int, default=500, help="gthread threads, or gevent's worker_connections"
    )
    args = parser.parse_args()
    mode = os.environ.get("WORKSHOP_ASYNC_MODE", "threading")
    # The app's transport choice too: WebSocket frames uncompressed (workshop.live.transport),
    # so the ratio app / relay measures the app's own work, not a difference in compression.
    app = WithoutWebSocketCompression(socketio.WSGIApp(build(mode)))
    run_server(app, "127.0.0.1", args.port, args.threads, async_mode=mode)


if __name__ == "__main__":
    main()
