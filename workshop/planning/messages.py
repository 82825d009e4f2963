"""The plan loader's messages and a plan's changes, in the reader's language.

The loader (workshop.plans) speaks English and carries each error's key and parameters
(`PlanError.key`, `.params`); this table says the same through gettext, so the editor
shows it beside the field in the workshop's language. A key missing here (or an error
without a key) falls back to the loader's English text.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workshop.plans import PlanError

DETAILS = {
    "not_table": _l("must be a table"),
    "texts_table": _l('must be a table of texts by language, e.g. es = "…", en = "…"'),
    "missing_texts": _l("missing text for language(s) %(languages)s"),
    "unknown_languages": _l("unknown language(s) %(languages)s"),
    "unknown_languages_hint": _l(
        "unknown language(s) %(languages)s (declare other languages in prompt_languages)"
    ),
    "whole_number": _l("must be a whole number from %(low)s to %(high)s"),
    "true_false": _l("must be true or false"),
    "one_of": _l("must be one of %(choices)s (got %(value)s)"),
    "stage_ids": _l("must be a list of stage ids"),
    "unknown_fields": _l("unknown field(s) %(fields)s"),
    "two_axes": _l("must list exactly two axes"),
    "slug_key": _l("must be lower-case letters, digits or -"),
    "axes_keys_differ": _l("the two axes need different keys"),
    "stage_id": _l('is required: lower-case letters, digits or -, e.g. id = "works"'),
    "lanes_write_only": _l("only write stages have lanes"),
    "lane_set_name": _l('must name one lane set, e.g. lanes = "conditions"'),
    "unknown_lane_set": _l("unknown lane set %(lane_set)s (known: %(known)s)"),
    "cap_above_dots": _l("cannot exceed the dot budget (%(dots)s)"),
    "only_kinds": _l("only %(kinds)s stages have it"),
    "languages_list": _l("must be a list drawn from %(languages)s"),
    "language_twice": _l("lists a language twice"),
    "needs_stages": _l("a plan needs at least one [[stages]] table"),
    "too_many_stages": _l("at most %(max)s stages"),
    "text_length": _l("the %(language)s text has %(length)s characters; at most %(max)s"),
    "duplicate_id": _l("used by an earlier stage; ids must be unique"),
    "not_earlier_stage": _l("%(reference)s is not an earlier stage"),
    "plan_document": _l("a plan must be a TOML document"),
}


def field_label(name: str) -> str:
    """A plan field as the editor's labels call it."""
    labels = {
        "id": _("identifier"),
        "kind": _("kind"),
        "title": _("title"),
        "prompt": _("prompt"),
        "minutes": _("minutes"),
        "lanes": _("lanes"),
        "private": _("private writing"),
        "dots": _("dots"),
        "cap": _("cap per idea"),
        "axes": _("axes"),
        "label": _("label"),
        "low": _("low end"),
        "high": _("high end"),
        "key": _("key"),
        "notes_from": _("notes from"),
        "target": _("what is voted on"),
        "hide_totals": _("hidden totals"),
        "participants_propose": _("participants propose groups"),
        "review_open": _("review open commitments"),
        "shortlist": _("short list"),
        "mark": _("mark on groups"),
        "description": _("description"),
        "question": _("question"),
        "languages": _("languages"),
        "stages": _("stages"),
    }
    return labels.get(name, name)


def plan_error_detail(error: PlanError) -> str:
    """What is wrong, without where (the editor shows it beside the field)."""
    template = DETAILS.get(error.key or "")
    if template is None:
        return error.detail
    try:
        return str(template) % error.params
    except (KeyError, TypeError, ValueError):
        return error.detail


def plan_error_location(error: PlanError) -> str:
    """Where the error is, e.g. «Stage 2 (works), axis 1, field label»; empty for the plan."""
    parts = []
    if error.stage is not None:
        if error.stage_id:
            parts.append(_("Stage %(number)d (%(id)s)", number=error.stage, id=error.stage_id))
        else:
            parts.append(_("Stage %(number)d", number=error.stage))
    if error.part and error.part.startswith("axis "):
        parts.append(_("axis %(number)s", number=error.part.removeprefix("axis ")))
    elif error.part:
        parts.append(error.part)
    if error.field:
        parts.append(_("field «%(field)s»", field=field_label(error.field)))
    return ", ".join(parts)


def plan_error_message(error: PlanError) -> str:
    """The whole message in the reader's language: where, then what."""
    where = plan_error_location(error)
    detail = plan_error_detail(error)
    return f"{where}: {detail}" if where else detail


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def describe_change(change: dict[str, Any]) -> str:
    """One entry of a plan change's summary (`planning.services.plan_diff`), as a sentence."""
    what = change.get("change")
    stage = change.get("stage", "")
    title = change.get("title") or stage
    if what == "added":
        return _("Stage «%(title)s» added at position %(position)s.", title=title, position=change.get("to"))
    if what == "removed":
        return _("Stage «%(title)s» removed.", title=title)
    if what == "moved":
        return _(
            "Stage «%(title)s» moved from position %(old)s to %(new)s.",
            title=title,
            old=change.get("from"),
            new=change.get("to"),
        )
    field = field_label(str(change.get("field", "")))
    if change.get("axis"):
        field = _("axis %(number)s, %(field)s", number=change["axis"], field=field)
    if change.get("language"):
        field = f"{field} ({change['language']})"
    values = {"field": field, "old": _shown(change.get("from")), "new": _shown(change.get("to"))}
    if what == "plan":
        return _("Plan %(field)s: «%(old)s» → «%(new)s».", **values)
    return _("Stage «%(title)s», %(field)s: «%(old)s» → «%(new)s».", title=title, **values)
