"""Production server: gunicorn with one threaded worker (Flask-SocketIO's threading mode).

One worker because Socket.IO connections are stateful; scale out with more
processes, each started by `workshop serve`, behind a sticky proxy, sharing
PostgreSQL and a Redis message queue.
"""

from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def run_server(app: Flask, host: str, port: int, threads: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        # Long-polling requests wait up to the ping interval; keep them alive.
        "timeout": 120,
        "graceful_timeout": 10,
        "keepalive": 30,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    _Gunicorn(app, options).run()
