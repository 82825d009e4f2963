"""How pages reach phones on weak networks: compressed, cached, in one round of requests.

- Responses (HTML, CSS, JS, JSON, SVG) are compressed by Flask-Compress; static files
  are compressed once per process and kept (`assets`).
- Static files have fingerprinted URLs cached for a year (`assets.static_url`), and a
  page's ES modules are announced up front (`assets.module_script`), so a first load has
  no chain of requests and a reload asks for nothing but the page.
- Socket.IO's long-polling responses never pass through Flask: Engine.IO compresses
  them itself (`http_compression`), and WebSocket frames go uncompressed on purpose
  (`workshop.live.transport`).
- `lan` finds the address phones on the room's network can reach this laptop at.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from workshop.delivery import assets
from workshop.extensions import compress


def init_app(app: Flask) -> None:
    """Compression, fingerprinted static files, the favicon and the templates' helpers."""
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # gzip whenever the browser offers it (all do): at Flask-Compress's default levels it is
    # the smallest here (a phone's scripts and styles: gzip 33.9 KB, brotli 35.3, zstd 36.4).
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip", "br", "zstd", "deflate"])
    # Only the fingerprinted static files are worth keeping compressed: they never change
    # while the process runs. Pages and JSON are compressed on each response.
    app.config.setdefault("COMPRESS_CACHE_BACKEND", assets.CompressedAssets)
    app.config.setdefault("COMPRESS_CACHE_KEY", assets.compression_cache_key)
    compress.init_app(app)
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = assets.SessionInterface()
    app.register_blueprint(assets.blueprint)
    app.add_template_global(assets.static_url)
    app.add_template_global(assets.module_script)
