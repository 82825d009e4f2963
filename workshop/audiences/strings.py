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
import re
import threading
from typing import Any

from babel import Locale
from flask import Flask, render_template
from flask_babel import get_locale
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from workshop.resources import resource_dir

TEMPLATE = "workshops/_live_strings.html"
# A commit stage's strings: in the console's and projector's block, fetched by a phone
# only when it reaches a commit stage.
COMMIT_TEMPLATE = "commitments/_strings.html"
# The first number of each plural category wins; these cover every category CLDR gives.
SAMPLE_NUMBERS = (1, 2, 0, 3, 5, 11, 21, 22, 100, 101, 102, 1_000_000)

_rendered: dict[tuple[str, str], Markup] = {}
_lock = threading.Lock()

# The phone's scripts: a phone gets only the strings these use (a fifth of its first
# load went to the console's strings). `t("kind_" + kind)` keeps every `kind_…` key.
PHONE_SCRIPTS = ("phone.js", "live.js", "outbox.js", "strings.js", "timer.js")
# Keys the scripts name through a variable (live.js: `show("online")` → `t(state)`).
PHONE_NAMED_INDIRECTLY = {"online", "offline", "connecting"}
_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+)["']\s*(\+)?""")


def plural_samples(language: str) -> dict[str, int]:
    """A number of each of the language's plural categories, e.g. es: one 1, other 2,
    many 1000000."""
    rule = Locale.parse(language).plural_form
    samples: dict[str, int] = {}
    for number in SAMPLE_NUMBERS:
        samples.setdefault(rule(number), number)
    return samples


def strings_for_scripts(language: str, template: str = TEMPLATE) -> dict[str, Any]:
    """Every string of the block; counted ones as {category: text} (needs a request
    context in `language`)."""
    renderings = {
        category: json.loads(render_template(template, n=number))
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


def keys_used_by(scripts: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """The keys these scripts pass to `t(…)`, and the prefixes of keys they build."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for name in scripts:
        source = (resource_dir("static") / "js" / name).read_text(encoding="utf-8")
        for key, joined in _KEY.findall(source):
            (prefixes if joined else keys).add(key)
    return keys, prefixes


def live_strings(page: str = "all") -> Markup:
    """The strings as JSON, safe inside a `<script type="application/json">` element;
    `page="phone"` keeps only those the phone's scripts use."""
    language = str(get_locale() or "es")
    block = _rendered.get((language, page))
    if block is None:
        strings = strings_for_scripts(language)
        if page == "phone":
            keys, prefixes = keys_used_by(PHONE_SCRIPTS)
            keys |= PHONE_NAMED_INDIRECTLY
            strings = {k: v for k, v in strings.items() if k in keys or k.startswith(tuple(prefixes))}
        block = htmlsafe_json_dumps(strings)
        with _lock:
            _rendered[(language, page)] = block
    return block


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"live_strings": live_strings})


# A commit stage's scripts on the phone, loaded only when it reaches one (phone.js imports
# phone_commit.js dynamically): their strings are fetched then, not sent with the page.
PHONE_COMMIT_SCRIPTS = ("phone_commit.js", "commitments.js")


def commit_strings(language: str) -> Markup:
    """The strings a phone's commit stage uses, as JSON (what the phone fetches); needs a
    request context in `language`."""
    key = (language, "phone-commit")
    block = _rendered.get(key)
    if block is None:
        keys, _prefixes = keys_used_by(PHONE_COMMIT_SCRIPTS)
        strings = {k: v for k, v in strings_for_scripts(language).items() if k in keys}
        block = htmlsafe_json_dumps(strings)
        with _lock:
            _rendered[key] = block
    return block
