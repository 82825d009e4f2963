"""How live messages travel: WebSocket frames are sent uncompressed.

Browsers offer per-message deflate on every WebSocket, and simple-websocket accepts it.
Then a broadcast to 1,000 phones is compressed 1,000 times, once per connection (the
largest single cost of delivering a note to a full room), and each connection keeps its
own compression state (about 125 KB). Socket.IO messages here are small JSON, so the
frames go as they are: the offer is dropped before the handshake. Long-polling
responses, which weak networks fall back to, stay gzip-compressed (Engine.IO's
`http_compression`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class WithoutWebSocketCompression:
    """WSGI middleware that removes a client's per-message-deflate offer."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.app(environ, start_response)
