"""The translated strings the pages' scripts use, rendered once per language.

Every phone page carried a hundred translated strings, looked up one by one on every
render: a sixth of the server's work when 500 phones join at once. They only change with
the language, so each language's block is rendered once per process and kept.

Counted strings carry their plural forms. The block's counted strings are
`ngettext(…, n, count="{count}")`: the block is rendered once for a sample number of each
of the language's plural categories (CLDR's, as the browser's `Intl.PluralRules` names
them: Spanish "one", "many", "other"; English "one", "other"), and a string that differs
between them reaches the scripts as `{"one": "{count} nota", "other": "{count} notas"}`
(a category that reads like "other" is left out).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from babel import Locale
from flask import Flask, render_template
from flask_babel import get_locale
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

TEMPLATE = "workshops/_live_strings.html"
# The first number of each plural category wins; these cover every category CLDR gives.
SAMPLE_NUMBERS = (1, 2, 0, 3, 5, 11, 21, 22, 100, 101, 102, 1_000_000)

_rendered: dict[str, Markup] = {}
_lock = threading.Lock()


def plural_samples(language: str) -> dict[str, int]:
    """A number of each of the language's plural categories, e.g. es: one 1, other 2,
    many 1000000."""
    rule = Locale.parse(language).plural_form
    samples: dict[str, int] = {}
    for number in SAMPLE_NUMBERS:
        samples.setdefault(rule(number), number)
    return samples


def strings_for_scripts(language: str) -> dict[str, Any]:
    """Every string of the block; counted ones as {category: text} (needs a request
    context in `language`)."""
    renderings = {
        category: json.loads(render_template(TEMPLATE, n=number))
        for category, number in plural_samples(language).items()
    }
    first = next(iter(renderings.values()))
    strings: dict[str, Any] = {}
    for key in first:
        other = renderings["other"][key]
        forms = {
            category: rendered[key] for category, rendered in renderings.items() if rendered[key] != other
        }
        # "other" is what the scripts fall back on; categories that read the same are left out.
        strings[key] = {**forms, "other": other} if forms else other
    return strings


def live_strings() -> Markup:
    """The strings as JSON, safe inside a `<script type="application/json">` element."""
    language = str(get_locale() or "es")
    block = _rendered.get(language)
    if block is None:
        block = htmlsafe_json_dumps(strings_for_scripts(language))
        with _lock:
            _rendered[language] = block
    return block


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"live_strings": live_strings})
