"""gevent is the server's async mode: patch the standard library before anything imports
socket, threading or ssl (gevent's and Flask-SocketIO's advice: "at the top of your main
script"). The package imports this module first.

Only the process that serves (`workshop serve`) is patched by default; tests, the CLI's
other commands and scripts that import the package keep the standard library as it is.
WORKSHOP_ASYNC_MODE=threading serves without gevent; =gevent patches any process.
"""

from __future__ import annotations

import contextlib
import os
import sys


def serves_with_gevent() -> bool:
    chosen = os.environ.get("WORKSHOP_ASYNC_MODE", "").strip().lower()
    if chosen:
        return chosen == "gevent"
    return sys.argv[1:2] == ["serve"] and os.path.basename(sys.argv[0]) in ("workshop", "cli.py")


if serves_with_gevent():
    with contextlib.suppress(ImportError):  # not installed: create_app() says what to install
        from gevent import monkey

        monkey.patch_all()
