"""Production server: gunicorn with one worker, of the class the async mode needs.

- `threading` (default): gunicorn's threaded worker (`gthread`), WebSocket through
  simple-websocket;
- `gevent` (WORKSHOP_ASYNC_MODE=gevent, `pip install 'workshop[gevent]'`): gunicorn's gevent
  worker. python-engineio serves WebSocket through simple-websocket on gevent's selectors,
  or through gevent-websocket when that package is installed, which then needs its own
  worker (`GeventWebSocketWorker`, as Flask-SocketIO's deployment notes say).

One worker because Socket.IO connections are stateful; scale out with more
processes, each started by `workshop serve`, behind a sticky proxy, sharing
PostgreSQL and a Redis message queue.
"""

from __future__ import annotations

import gc
import importlib.util
from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, app: Any, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def worker_options(async_mode: str, connections: int) -> dict:
    """gunicorn worker class and concurrency for an async mode (`threading` or `gevent`)."""
    if async_mode == "threading":
        return {"worker_class": "gthread", "threads": connections}
    if async_mode == "gevent":
        # engineio uses gevent-websocket whenever it is importable; it then needs its worker.
        worker = (
            "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"
            if importlib.util.find_spec("geventwebsocket")
            else "gevent"
        )
        return {"worker_class": worker, "worker_connections": connections}
    raise ValueError(f"unknown async mode {async_mode!r}")


DEFAULT_CONNECTIONS = {"gevent": 10_000, "threading": 500}


def run_server(
    app: Any, host: str, port: int, connections: int | None = None, async_mode: str | None = None
) -> None:
    """Serve a WSGI app; `connections` is how many the worker can hold at once.

    The async mode defaults to the Flask app's `ASYNC_MODE` setting (WORKSHOP_ASYNC_MODE).
    Each connection needs a file descriptor: the process's soft limit is raised to its
    hard limit (often 1024 by default, too few for a large room).
    """
    mode = async_mode or getattr(app, "config", {}).get("ASYNC_MODE", "threading")
    connections = connections or DEFAULT_CONNECTIONS[mode]
    raise_open_files_limit(connections + 256)
    if mode == "gevent":
        import gevent

        # Let the greenlets the app started while it was built (the rate-limit memory
        # storage's expiry timer) end here: left pending, they would also run in the forked
        # worker, where threading no longer knows them (a KeyError traceback at start).
        gevent.sleep(0.05)
    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        **worker_options(mode, connections),
        # Long-polling requests wait up to the ping interval; keep them alive.
        "timeout": 120,
        "graceful_timeout": 10,
        "keepalive": 30,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "post_worker_init": calm_garbage_collector,
    }
    _Gunicorn(app, options).run()


def calm_garbage_collector(_worker: Any = None) -> None:
    """Keep Python's full garbage collections short and rare in a worker holding a room.

    With 1,000 phones connected, each full collection walked the whole heap (the app's
    modules, templates and catalogues included) and stopped every connection for
    270–470 ms, nine times in 30 s (bench/fanout.py, 1,000 phones). Objects alive once
    the worker has started are moved out of the collector's sight (`gc.freeze`) and
    young objects are collected less often: one full collection in the same run.
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


def raise_open_files_limit(wanted: int) -> int:
    """Raise this process's limit of open files towards `wanted` (never above the hard
    limit, which only the operator can raise). Returns the soft limit now in force."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft
