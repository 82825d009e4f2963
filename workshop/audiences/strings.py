"""The translated strings the pages' scripts use, rendered once per language.

Every phone page carried a hundred translated strings, looked up one by one on every
render: a sixth of the server's work when 500 phones join at once. They only change with
the language, so each language's block is rendered once per process and kept.
"""

from __future__ import annotations

import threading

from flask import Flask, render_template
from flask_babel import get_locale
from markupsafe import Markup

_rendered: dict[str, Markup] = {}
_lock = threading.Lock()


def live_strings() -> Markup:
    """The strings as JSON, safe inside a `<script type="application/json">` element."""
    language = str(get_locale() or "es")
    block = _rendered.get(language)
    if block is None:
        # Our own template, its values escaped by `tojson`: safe as it is.
        block = Markup(render_template("workshops/_live_strings.html").strip())  # noqa: S704
        with _lock:
            _rendered[language] = block
    return block


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"live_strings": live_strings})
