"""The plan editor's form: a plan's data shown as rows of fields, and the fields read back
into the whole plan's data (which `edit_plan` then validates with the plan loader).

Fields are named by a row key (`r0`, `r1` …) that stays with its stage while stages move;
the order of the hidden `row` fields is the order of the stages, so moving a row on the
page (buttons, or a script) is all a reorder takes. Fields the editor does not show
(`notes_from`, `target` …) are kept from the plan as it was.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from werkzeug.datastructures import MultiDict

from workshop.forms import Form
from workshop.plans import plan_from_data
from workshop.plans.loader import LANGUAGES

ROW_KEY = re.compile(r"^r[0-9]{1,4}$")
AXIS_PARTS = ("label", "low", "high")
# Which kinds of stage have a field (as the loader says): a stage that changes kind drops
# what its new kind does not have, so the edited plan asks only what it must.
KIND_FIELDS = {
    "lanes": ("write",),
    "private": ("write",),
    "participants_propose": ("cluster",),
    "dots": ("vote",),
    "cap": ("vote",),
    "hide_totals": ("vote",),
    "axes": ("rate",),
    "target": ("vote", "rate"),
    "review_open": ("commit",),
    "shortlist": ("rate",),
    "mark": ("cluster",),
}


class PlanForm(Form):
    """Only the CSRF token: the stages' fields are read by `rows_from_form`."""


@dataclass
class Row:
    """One stage as the editor shows it: its key, the id it had (None if new), its data."""

    key: str
    origin: str | None
    data: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def text(self, name: str, language: str) -> str:
        value = self.data.get(name)
        if isinstance(value, str):
            return value
        return str(value.get(language, "")) if isinstance(value, dict) else ""

    def value(self, name: str, default: Any = "") -> str:
        value = self.data.get(name, default)
        return "" if value is None else str(value)

    def axes(self, languages: tuple[str, ...]) -> list[dict[str, Any]]:
        axes = self.data.get("axes")
        return axes if isinstance(axes, list) and len(axes) == 2 else default_axes(languages)


@cache
def _default_axes(languages: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    languages = tuple(language for language in languages if language in LANGUAGES)
    probe = {
        "title": "-",
        "description": "-",
        "languages": list(languages),
        "stages": [{"id": "rate", "kind": "rate", "title": "-", "prompt": "-"}],
    }
    (stage,) = plan_from_data(probe, "probe").stages
    return tuple(
        {
            "key": axis.key,
            **{part: {lang: getattr(axis, part).get(lang, "") for lang in languages} for part in AXIS_PARTS},
        }
        for axis in stage.axes
    )


def default_axes(languages: tuple[str, ...]) -> list[dict[str, Any]]:
    """The two axes a rate stage without `axes` gets (the loader's defaults), as data."""
    return copy.deepcopy(list(_default_axes(languages)))


def rows_from_plan(plan_data: dict[str, Any]) -> list[Row]:
    return [
        Row(f"r{number}", stage.get("id"), copy.deepcopy(stage))
        for number, stage in enumerate(plan_data.get("stages", []))
    ]


def _number(raw: str) -> int | str | None:
    raw = raw.strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) < 6 else raw  # the loader says what is wrong


def _put(data: dict[str, Any], name: str, value: Any) -> None:
    if value is None:
        data.pop(name, None)
    else:
        data[name] = value


def _texts(form: MultiDict, prefix: str, languages: tuple[str, ...], base: Any) -> dict[str, str]:
    """A text in each language; a plan's extra prompt language (e.g. gn) may stay empty."""
    texts = dict(base) if isinstance(base, dict) else {}
    for language in languages:
        texts[language] = form.get(f"{prefix}-{language}", "").strip()
        if language not in LANGUAGES and not texts[language]:
            del texts[language]
    return texts


def _axes(form: MultiDict, key: str, base: dict[str, Any], languages: tuple[str, ...]) -> Any:
    before = Row(key, None, base).axes(languages)
    axes = []
    for number, axis in enumerate(before, start=1):
        prefix = f"{key}-axis{number}"
        edited: dict[str, Any] = {"key": form.get(f"{prefix}-key", axis.get("key", "")).strip()}
        for part in AXIS_PARTS:
            texts = _texts(form, f"{prefix}-{part}", languages, axis.get(part))
            if part == "label" or any(texts.values()):
                edited[part] = texts
        axes.append(edited)
    if "axes" not in base and axes == default_axes(languages):
        return None  # unchanged defaults stay implicit, as the plan file had them
    return axes


def _stage_from_form(form: MultiDict, key: str, base: dict[str, Any], languages: tuple[str, ...]) -> dict:
    data = copy.deepcopy(base)
    data["id"] = form.get(f"{key}-id", str(base.get("id", ""))).strip()
    kind = form.get(f"{key}-kind", str(base.get("kind", ""))).strip()
    data["kind"] = kind
    for name in ("title", "prompt"):
        data[name] = _texts(form, f"{key}-{name}", languages, base.get(name))
    _put(data, "minutes", _number(form.get(f"{key}-minutes", "")))
    for name, kinds in KIND_FIELDS.items():
        if kind not in kinds:
            data.pop(name, None)
    if kind == "write":
        _put(data, "lanes", form.get(f"{key}-lanes", "").strip() or None)
        private = f"{key}-private" in form
        _put(data, "private", True if private else (False if "private" in base else None))
    if kind == "vote":
        for name in ("dots", "cap"):
            if f"{key}-{name}" in form:
                _put(data, name, _number(form.get(f"{key}-{name}", "")))
    if kind == "rate" and f"{key}-axis1-label-{languages[0]}" in form:
        _put(data, "axes", _axes(form, key, base, languages))
    return data


def rows_from_form(form: MultiDict, plan_data: dict[str, Any], languages: tuple[str, ...]) -> list[Row]:
    """The rows as posted, in the posted order; each starts from its stage as it was."""
    before = {stage.get("id"): stage for stage in plan_data.get("stages", [])}
    rows: list[Row] = []
    seen: set[str] = set()
    for key in form.getlist("row"):
        if not ROW_KEY.match(key) or key in seen:
            continue
        seen.add(key)
        origin = form.get(f"{key}-origin") or None
        base = before.get(origin, {}) if origin else {}
        if not base:
            origin = None
            base = {"kind": form.get(f"{key}-kind", "discuss")}
        rows.append(Row(key, origin, _stage_from_form(form, key, base, languages)))
    return rows


def plan_data_from(
    rows: list[Row], form: MultiDict, plan_data: dict[str, Any], languages: tuple[str, ...]
) -> dict[str, Any]:
    """The whole plan the editor posts: the plan as it was, with the edited title and stages."""
    data = {key: copy.deepcopy(value) for key, value in plan_data.items() if key != "slug"}
    data["title"] = _texts(form, "plan-title", languages, plan_data.get("title"))
    data["stages"] = [row.data for row in rows]
    return data


def new_row(rows: list[Row], kind: str, languages: tuple[str, ...]) -> Row:
    """A stage of `kind` to fill in, at the end, with an id no other stage has."""
    taken = {str(row.data.get("id")) for row in rows}
    number = 1
    while f"{kind}-{number}" in taken:
        number += 1
    keys = {int(row.key[1:]) for row in rows}
    key = f"r{max(keys, default=-1) + 1}"
    empty = {language: "" for language in languages}
    return Row(key, None, {"id": f"{kind}-{number}", "kind": kind, "title": empty, "prompt": dict(empty)})


def apply_action(rows: list[Row], action: str, kind: str, languages: tuple[str, ...]) -> list[Row]:
    """Add, remove or move a stage on the page (nothing is saved until Save)."""
    verb, _sep, key = action.partition(":")
    if verb == "add":
        return [*rows, new_row(rows, kind, languages)]
    index = next((i for i, row in enumerate(rows) if row.key == key), None)
    if index is None:
        return rows
    rows = list(rows)
    if verb == "remove":
        del rows[index]
    elif verb == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and index + 1 < len(rows):
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows
