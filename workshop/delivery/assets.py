"""Static files with fingerprinted URLs, cached by browsers for a year.

Every file under static/ is also served at `/assets/<version>/<path>`, where `version` is
a hash of the whole folder computed once per process. One version for the folder rather
than one per file, because the pages' ES modules import each other by relative paths
(`./live.js`, `../vendor/…`): under one versioned prefix those imports are versioned URLs
too, with no build step to rewrite them. Such a URL is sent with `Cache-Control: public,
max-age=31536000, immutable`: a reload asks for none of them again. A new release has a
new version, so its pages name new URLs. A request naming another version (a page loaded
before the server restarted) gets today's file, to be revalidated, never cached for good.

Flask's own `/static/<path>` keeps answering with revalidation (`no-cache` and an ETag).

Scripts are sent without their comments and indentation (rJSmin, once per process):
a third less on the wire after compression. rJSmin does not understand a template
literal inside another one, so a file with one is sent as it is
(tests/network/test_delivery.py checks that minifying changes no token of any script).

Change a static file while the server runs and browsers that already have it keep the
old copy: restart the server after changing static files.
"""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Flask, Request, Response, abort, current_app, request, url_for
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from markupsafe import Markup, escape
from rcssmin import cssmin
from rjsmin import jsmin
from werkzeug.security import safe_join

from workshop.extensions import talisman

YEAR = 365 * 24 * 60 * 60
FAVICON = "favicon.svg"

blueprint = Blueprint("assets", __name__)

# `import … from "./x.js"`, `export … from "./x.js"` and `import "./x.js"` (also across
# lines); dynamic `import()` is left out: it is not needed for the first paint.
_IMPORT = re.compile(r"""\b(?:import|export)\s*(?:[\w*{}\s,$]+?\s*from\s*)?["']([^"']+)["']""")
# A backtick inside a `${…}` substitution: a template literal nested in another.
_NESTED_TEMPLATE = re.compile(r"\$\{[^}`]*`")


def minified_script(source: str) -> str:
    """A script without comments and indentation, or as it is if rJSmin could alter it."""
    if _NESTED_TEMPLATE.search(source):
        return source
    return jsmin(source)


@dataclass
class StaticFiles:
    """The static folder as this process first saw it: the version and the module graph."""

    folder: Path
    version: str
    _imports: dict[str, list[str]] = field(default_factory=dict)
    _bodies: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    @classmethod
    def scan(cls, folder: Path) -> StaticFiles:
        digest = hashlib.sha256()
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return cls(folder, digest.hexdigest()[:12])

    def imports(self, module: str) -> list[str]:
        """Every module `module` imports, directly or not, in the order they are met."""
        found: list[str] = []
        pending = [module]
        while pending:
            current = pending.pop(0)
            for target in self._direct_imports(current):
                if target not in found and target != module:
                    found.append(target)
                    pending.append(target)
        return found

    def body(self, filename: str) -> tuple[bytes, str] | None:
        """A file's bytes as sent (scripts and stylesheets minified) and their ETag; None if there is none.
        Read once per process: every file is small and asked for by every phone."""
        found = self._bodies.get(filename)
        if found is None:
            path = safe_join(str(self.folder), filename)
            if path is None or not Path(path).is_file():
                return None
            data = Path(path).read_bytes()
            if filename.endswith(".js"):
                data = minified_script(data.decode("utf-8")).encode("utf-8")
            elif filename.endswith(".css"):
                # Comments and spaces are a sixth of a phone's stylesheet even gzipped.
                data = cssmin(data.decode("utf-8")).encode("utf-8")
            found = (data, hashlib.sha256(data).hexdigest()[:20])
            self._bodies[filename] = found
        return found

    def _direct_imports(self, module: str) -> list[str]:
        if module not in self._imports:
            path = self.folder / module
            source = path.read_text(encoding="utf-8") if path.is_file() else ""
            base = posixpath.dirname(module)
            self._imports[module] = [
                posixpath.normpath(posixpath.join(base, specifier))
                for specifier in _IMPORT.findall(source)
                if specifier.startswith(("./", "../"))
            ]
        return self._imports[module]


_lock = threading.Lock()


def static_files(app: Flask | None = None) -> StaticFiles:
    """The app's static files, scanned once per process."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    files = app.extensions.get("workshop_static_files")
    if files is None:
        with _lock:
            files = app.extensions.get("workshop_static_files")
            if files is None:
                files = StaticFiles.scan(Path(app.static_folder or ""))
                app.extensions["workshop_static_files"] = files
    return files


def static_url(filename: str) -> str:
    """The fingerprinted URL of a file under static/ (cached by browsers for a year)."""
    return url_for("assets.asset", version=static_files().version, filename=filename)


def module_script(module: str) -> Markup:
    """A page's ES module and a `modulepreload` for each module it imports, so the browser
    fetches them all at once instead of discovering each import after the last arrives."""
    tags = [
        f'<link rel="modulepreload" href="{escape(static_url(imported))}">'
        for imported in static_files().imports(module)
    ]
    tags.append(f'<script type="module" src="{escape(static_url(module))}"></script>')
    return Markup("\n".join(tags))  # noqa: S704 - built from our own file names, escaped


def _file_response(filename: str) -> Response:
    found = static_files().body(filename)
    if found is None:
        abort(404)
    data, etag = found
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    # A whole body, not a file stream, so Flask-Compress compresses it (and keeps it).
    response = Response(data, mimetype=mimetype)
    response.set_etag(etag, weak=True)
    return response


@blueprint.route("/assets/<version>/<path:filename>")
# Scripts, styles and images: the headers that only a page (a document) obeys are left
# out, 330 bytes on each of a phone's first requests. `nosniff` stays.
@talisman(content_security_policy=None, frame_options=None, permissions_policy=None)
def asset(version: str, filename: str) -> Response:
    response = _file_response(filename)
    if version == static_files().version:
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)


@blueprint.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico on pages that name no icon (downloads, error pages)."""
    response = _file_response(FAVICON)
    response.cache_control.public = True
    response.cache_control.max_age = 24 * 60 * 60
    return response.make_conditional(request)


@blueprint.route("/sw.js")
def service_worker() -> Response:
    """The phone page's service worker (static/js/sw.js), at the root so it may look
    after /p/…; browsers check it for changes on their own, so it is revalidated."""
    response = _file_response("js/sw.js")
    response.cache_control.no_cache = True
    return response.make_conditional(request)


def compression_cache_key(request: Request) -> str:
    """Flask-Compress keeps a compressed body under this key: only a current fingerprinted
    file gets one (a page must never be served to someone else; other versions could be
    made up by anyone)."""
    if (
        request.endpoint == "assets.asset"
        and (request.view_args or {}).get("version") == static_files().version
    ):
        return request.path
    return ""


class CompressedAssets:
    """Flask-Compress's cache: compressed static files, one per file and algorithm."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        if not key.endswith(";"):  # "<algorithm>;" + an empty key: not to be kept
            self._data[key] = value


# Static files carry no cookie: a year-long public cache must never store a session.
COOKIELESS_ENDPOINTS = frozenset({"assets.asset", "assets.favicon", "assets.service_worker", "static"})


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, left out of static files' responses.

    Flask-Login looks at the session after every request, so Flask would add `Vary:
    Cookie` to a static file (a browser then fetches it again whenever the cookie
    changes, which a participant's refreshed session does on every page) and could set
    the cookie on a response any proxy may cache.
    """

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if request.endpoint in COOKIELESS_ENDPOINTS:
            return
        super().save_session(app, session, response)
