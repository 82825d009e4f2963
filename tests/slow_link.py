"""A slow link between a browser and a test server: a local TCP proxy that delays every
byte both ways and caps the bandwidth, so page loads, long-polling and WebSocket frames
all travel as they would over a weak mobile network.

    with SlowLink("127.0.0.1", server_port, delay=0.2, down=50_000, up=20_000) as link:
        page.goto(link.url + "/j/CODE")
        link.received  # bytes sent to the browser so far

Only loopback addresses: the proxy listens on 127.0.0.1 and forwards to the given port.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass, field


@dataclass
class _Direction:
    """One way of the link, shared by every connection (one radio, one queue)."""

    delay: float
    rate: float  # bytes per second
    free_at: float = 0.0
    total: int = 0

    def schedule(self, size: int) -> float:
        """When a chunk of `size` bytes read now reaches the other side."""
        now = time.monotonic()
        self.free_at = max(self.free_at, now) + size / self.rate
        self.total += size
        return self.free_at + self.delay


@dataclass
class SlowLink:
    target_host: str
    target_port: int
    delay: float = 0.2  # seconds each way
    down: float = 50_000  # bytes per second towards the browser
    up: float = 20_000  # bytes per second towards the server
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.base_events.Server | None = None
    _tasks: set = field(default_factory=set)

    def __post_init__(self) -> None:
        self.downstream = _Direction(self.delay, self.down)
        self.upstream = _Direction(self.delay, self.up)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def received(self) -> int:
        """Bytes delivered towards the browser so far (headers and bodies, as on the wire)."""
        return self.downstream.total

    def __enter__(self) -> SlowLink:
        self._loop = asyncio.new_event_loop()
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(asyncio.start_server(self._accept, "127.0.0.1", 0))
            self.port = self._server.sockets[0].getsockname()[1]
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        started.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        async def stop() -> None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _accept(self, client_reader, client_writer) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.close()
            return
        for task in (
            asyncio.ensure_future(self._pump(client_reader, server_writer, self.upstream)),
            asyncio.ensure_future(self._pump(server_reader, client_writer, self.downstream)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, reader, writer, direction: _Direction) -> None:
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver() -> None:
            while True:
                at, chunk = await queue.get()
                wait = at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if chunk is None:
                    break
                writer.write(chunk)
                await writer.drain()

        sender = asyncio.ensure_future(deliver())
        try:
            while True:
                chunk = await reader.read(1460)  # about one TCP segment at a time
                if not chunk:
                    break
                await queue.put((direction.schedule(len(chunk)), chunk))
            await queue.put((time.monotonic() + direction.delay, None))
            await sender
        except (ConnectionError, asyncio.CancelledError):
            sender.cancel()
        finally:
            with contextlib.suppress(RuntimeError):  # the loop is closing
                writer.close()
