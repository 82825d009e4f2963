"""HTML → PDF, as a pure function, with a URL fetcher that can only read our own static files.

`render_pdf(html)` turns the print HTML (see `workshop.reports.render`) into PDF
bytes with WeasyPrint. Everything WeasyPrint wants to load goes through
`StaticFileFetcher`: it serves files from the app's static folder, addressed as
`/static/…` on the render's own base URL, and refuses everything else — `file:`
URLs, every other host, `data:` URLs (the charts are inline `<svg>`), `..`
segments and symlinks that lead out of the folder. A refusal is logged and
raised, so WeasyPrint skips that resource and goes on. User text is escaped by
the template, so it cannot even ask; the fetcher is the second line.

`render_pdf_isolated(html)` does the same in a child process (`main` below)
with a memory ceiling (RLIMIT_AS) and a wall-clock timeout, so a huge or
hostile report cannot take the server down with it; the calling thread only
waits (cooperatively under gevent, whose `subprocess` is patched). The child
needs no Flask app: it gets the static folder's path. A warm spare child (see
`_renderer`) waits for the next report, so an export does not pay for importing
WeasyPrint and loading fonts.
"""

from __future__ import annotations

import atexit
import gc
import json
import logging
import mimetypes
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask_babel import gettext as _

from workshop.errors import DomainError

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://workshop.local/"
STATIC_PREFIX = "/static/"
# What a print stylesheet may pull in: styles, images, fonts. Nothing executable.
SERVED_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
MAX_SERVED_BYTES = 10 * 1024 * 1024
CONCURRENT_RENDERS = 2  # isolated renders at once per server process; more wait their turn
EXIT_OUT_OF_MEMORY = 3
ROOT = Path(__file__).resolve().parents[2]


class ReportError(DomainError):
    """The PDF could not be made (too slow, too large, or the renderer failed)."""

    code = "report_failed"
    status = 503


class RefusedURL(ValueError):
    """The report asked for something it may not load."""


@dataclass(frozen=True)
class FetchRecord:
    """One request the renderer made: served from `path`, or refused for `reason`."""

    url: str
    served: bool
    path: str | None = None
    reason: str | None = None


def _import_url_fetcher() -> type:
    from weasyprint.urls import URLFetcher

    return URLFetcher


def default_static_dir() -> Path:
    """The app's static folder (the current app's if there is one)."""
    from flask import current_app, has_app_context

    if has_app_context() and current_app.static_folder:
        return Path(current_app.static_folder)
    from workshop.resources import resource_dir

    return resource_dir("static")


def _short(url: str) -> str:
    return url if len(url) <= 120 else url[:117] + "..."


def make_url_fetcher(
    static_dir: str | os.PathLike[str],
    base_url: str = DEFAULT_BASE_URL,
    on_request: Callable[[FetchRecord], Any] | None = None,
):
    """A WeasyPrint URL fetcher serving only files under `static_dir` as `<base_url>static/…`.

    Every request is kept in the fetcher's `requests` list (and passed to
    `on_request` if given) as a `FetchRecord`, so a test can see what the
    renderer asked for and what it got.
    """
    url_fetcher_class = _import_url_fetcher()

    class StaticFileFetcher(url_fetcher_class):
        def __init__(self) -> None:
            # No protocol is allowed to the urllib machinery: `fetch` below never uses it.
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
            self.static_dir = Path(static_dir).resolve(strict=True)
            base = urlsplit(base_url)
            self.origin = (base.scheme.lower(), base.netloc.lower())
            self.requests: list[FetchRecord] = []

        def _record(self, record: FetchRecord) -> None:
            self.requests.append(record)
            if on_request is not None:
                on_request(record)

        def refuse(self, url: str, reason: str) -> RefusedURL:
            self._record(FetchRecord(url=url, served=False, reason=reason))
            log.warning("The report renderer refused %s: %s", _short(url), reason)
            return RefusedURL(f"{reason}: {_short(url)}")

        def resolve(self, url: str) -> Path:
            """The file a URL names, or RefusedURL."""
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme not in ("http", "https"):
                raise self.refuse(url, f"{scheme or 'relative'} URLs are not loaded")
            if (scheme, parts.netloc.lower()) != self.origin:
                raise self.refuse(url, "network URLs are not loaded")
            path = unquote(parts.path)
            if not path.startswith(STATIC_PREFIX):
                raise self.refuse(url, "only static files are served")
            segments = path[len(STATIC_PREFIX) :].split("/")
            if any(s in ("", ".", "..") or "\\" in s or "\x00" in s for s in segments):
                raise self.refuse(url, "path traversal")
            candidate = self.static_dir.joinpath(*segments)
            try:
                resolved = candidate.resolve(strict=True)
            except (OSError, RuntimeError):
                raise self.refuse(url, "no such static file") from None
            if not resolved.is_relative_to(self.static_dir):
                raise self.refuse(url, "leads outside the static folder")
            if not resolved.is_file():
                raise self.refuse(url, "not a file")
            if resolved.suffix.lower() not in SERVED_TYPES:
                raise self.refuse(url, "file type not served")
            if resolved.stat().st_size > MAX_SERVED_BYTES:
                raise self.refuse(url, "file too large")
            return resolved

        def fetch(self, url: str, headers: Any = None):
            from weasyprint.urls import URLFetcherResponse

            path = self.resolve(url)
            body = path.read_bytes()
            mime = SERVED_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
            self._record(FetchRecord(url=url, served=True, path=str(path)))
            content_type = f"{mime}; charset=utf-8" if mime == "text/css" else mime
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticFileFetcher()


def render_pdf(
    html: str,
    base_url: str = DEFAULT_BASE_URL,
    *,
    url_fetcher: Any = None,
    static_dir: str | os.PathLike[str] | None = None,
) -> bytes:
    """The PDF of a print HTML document. Loads nothing but files of the static folder."""
    from weasyprint import HTML

    if url_fetcher is None:
        url_fetcher = make_url_fetcher(static_dir or default_static_dir(), base_url)
    document = HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)
    return document.write_pdf()


_slots = threading.BoundedSemaphore(CONCURRENT_RENDERS)


def _child_environment() -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("WORKSHOP_")
    }  # no settings, no gevent patching
    python_path = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = str(ROOT) + (os.pathsep + python_path if python_path else "")
    return environment


def render_pdf_isolated(
    html: str,
    timeout: float = 120,
    memory_mb: int = 1536,
    *,
    base_url: str = DEFAULT_BASE_URL,
    static_dir: str | os.PathLike[str] | None = None,
) -> bytes:
    """`render_pdf` in a child process with at most `memory_mb` of address space and
    `timeout` seconds; raises ReportError (a readable message) when it cannot finish.

    At most CONCURRENT_RENDERS run at once in this process; waiting for a free
    slot counts against the same timeout. The child is the spare one when there is
    one (see `_renderer`), and a new spare is started once this render is done.
    """
    request = json.dumps(
        {
            "html": html,
            "base_url": base_url,
            "static_dir": str(static_dir or default_static_dir()),
            "memory_mb": int(memory_mb),
        }
    ).encode("utf-8")
    deadline = time.monotonic() + timeout
    if not _slots.acquire(timeout=max(timeout, 0.001)):
        raise ReportError(_("Other reports are being made right now. Try again in a minute."))
    try:
        child = _renderer()
        try:
            stdout, stderr = child.communicate(request, timeout=max(deadline - time.monotonic(), 0.001))
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            log.warning("PDF rendering stopped after %s seconds", timeout)
            raise ReportError(
                _(
                    "Making the PDF took longer than %(seconds)s seconds and was "
                    "stopped. Try again, or export the data as CSV or JSON.",
                    seconds=_seconds(timeout),
                )
            ) from None
    finally:
        _slots.release()
        prepare_renderer()
    return _pdf_or_error(child.returncode, stdout, stderr, memory_mb)


def _pdf_or_error(returncode: int, stdout: bytes, stderr: bytes, memory_mb: int) -> bytes:
    """The child's PDF, or the ReportError that says why there is none."""
    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.strip():
            log.warning("PDF renderer: %s", line)
    if returncode == 0 and stdout.startswith(b"%PDF"):
        return stdout
    if returncode == EXIT_OUT_OF_MEMORY or returncode < 0:
        # MemoryError in Python, or a native library killed by a signal when an allocation or
        # a thread failed under the address-space limit.
        raise ReportError(
            _(
                "The PDF renderer stopped: the report may be too large to print "
                "within %(mb)s MB of memory. Export it as CSV or JSON instead.",
                mb=memory_mb,
            )
        )
    raise ReportError(_("The PDF could not be made (renderer exit status %(status)s).", status=returncode))


# One spare renderer per server process, started after its first report: a child that has
# already imported WeasyPrint and loaded its fonts (about half a second) and waits for its one
# request on stdin. Each child still renders a single report and exits, so nothing of one
# report (or of its memory ceiling) carries over to the next; a spare whose parent dies reads
# end-of-file and exits.
_spare: subprocess.Popen[bytes] | None = None
_spare_lock = threading.Lock()


# The child imports this module rather than running it as `-m workshop.reports.pdf`: as
# `__main__` the same render took about 10 % longer (bench/report.py; cause not pinned down).
CHILD_COMMAND = ("-c", "import sys; from workshop.reports.pdf import main; sys.exit(main())")


def _start_renderer() -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        [sys.executable, *CHILD_COMMAND],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_child_environment(),
    )


def _renderer() -> subprocess.Popen[bytes]:
    """The waiting spare if it is still alive, or a new child."""
    global _spare
    with _spare_lock:
        child, _spare = _spare, None
    if child is not None and child.poll() is None:
        return child
    if child is not None:
        child.communicate()  # reap it and close its pipes
    return _start_renderer()


def prepare_renderer() -> None:
    """Have a warm spare renderer waiting, unless one already is (after each export, and
    when a facilitator opens a console: they will export from it)."""
    global _spare
    with _spare_lock:
        if _spare is None or _spare.poll() is not None:
            _spare = _start_renderer()


@atexit.register
def _stop_spare() -> None:
    """Close the spare's stdin (it exits on end-of-file) and reap it."""
    global _spare
    with _spare_lock:
        child, _spare = _spare, None
    if child is not None:
        try:
            child.communicate(timeout=5)
        except (subprocess.TimeoutExpired, OSError, ValueError):
            child.kill()


def _seconds(value: float) -> str:
    return f"{value:g}"


def _limit_memory(memory_mb: int) -> None:
    import resource

    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _warm_up() -> None:
    """Import WeasyPrint and load the fonts a report uses, before the request arrives."""
    from weasyprint import HTML

    HTML(string="<p>a <b>b</b> <i>c</i></p>").write_pdf()


def main() -> int:
    """Child process: a JSON request on stdin, the PDF on stdout, complaints on stderr.

    The garbage collector is off for the render: the child renders one report and exits, the
    renderer's objects live until then anyway, and collecting them cost a fifth of the render
    (bench/report.py); the address-space ceiling still bounds the child.
    """
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s", stream=sys.stderr)
    _warm_up()
    gc.collect()
    gc.freeze()
    gc.disable()
    raw = sys.stdin.buffer.read()
    if not raw:
        return 0  # a spare whose parent went away or shut down
    try:
        request = json.loads(raw.decode("utf-8"))
        _limit_memory(int(request["memory_mb"]))
        pdf = render_pdf(request["html"], request["base_url"], static_dir=request["static_dir"])
    except MemoryError:
        print("out of memory", file=sys.stderr)
        return EXIT_OUT_OF_MEMORY
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
