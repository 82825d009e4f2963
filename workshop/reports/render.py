"""The print HTML of the report: `build_report`'s document laid out as an evidence brief.

`report_html(report)` renders `templates/reports/report.html` in the workshop's
language; `workshop.reports.pdf.render_pdf` turns it into a PDF. It reads
nothing but the report dict (no database, no clock), so the same report always
gives the same HTML. User text is escaped by Jinja's autoescape and by the
chart builders; the only Markup made here is the SVG charts and CSS strings
whose every non-alphanumeric character is a CSS escape.

Order (DOMAIN.md, "What the report for government partners contains"): cover
with contents, key messages, question and method, ranked ideas with the 2×2
and the dots, findings by lane (quotes), ideas set aside, limitations, and the
traceability appendix (each idea → its notes → the stage and prompt they
answered), ending with the anonymous voting and rating records.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import render_template
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from workshop.reports.charts import dots_bar_svg, idea_labels, matrix_svg

TEMPLATE = "reports/report.html"
STYLESHEET = "/static/reports/report.css"  # served to WeasyPrint by pdf.StaticFileFetcher
QUOTE_LENGTH = 180  # key messages quote notes up to this length; the appendix has them whole
QUOTES_PER_IDEA = 2
QUOTES_PER_GROUP = 3  # findings by lane quote this many notes of a group; the appendix has them all
MAX_NUMBER_DIGITS = 7  # the widest note-number column the stylesheet has (.digits-1 … .digits-7)


def report_html(report: Mapping[str, Any]) -> str:
    """The print HTML of a report (needs an app context; no request)."""
    with force_locale(report["workshop"]["language"]):
        return render_template(TEMPLATE, **report_context(report))


def report_context(report: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the template shows, computed from the report alone."""
    workshop = report["workshop"]
    ideas = report["ideas"]
    notes = {note["id"]: note for note in report["notes"]}
    stages = {stage["index"]: stage for stage in report["stages"]}
    clusters = {cluster["id"]: cluster for cluster in report["clusters"]}
    labels = idea_labels(ideas)
    axes = _axes(report)
    idea_of_cluster = {idea["id"]: idea for idea in ideas if idea["type"] == "cluster"}
    in_ideas = {note_id for idea in ideas for note_id in idea["notes"]}
    live_notes = [note for note in report["notes"] if not note["deleted"]]
    rated = [idea for idea in ideas if idea["impact"] is not None]
    voted = any(vote["closed"] and vote["record"] for vote in report["votes"])
    quadrant_words = {
        "quick_win": _("quick win"),
        "major_project": _("major project"),
        "fill_in": _("fill-in"),
        "thankless": _("thankless task"),
    }

    def target_label(target_type: str, target_id: int) -> str:
        if (target_type, target_id) in labels:
            return labels[(target_type, target_id)]
        if target_type == "cluster" and target_id in clusters:
            return clusters[target_id]["title"]
        return f"#{target_id}"

    return {
        "report": report,
        "workshop": workshop,
        "stylesheet": STYLESHEET,
        "held_on": _long_date(workshop["date"]),
        "page_footer": page_footer_css(),
        "labels": labels,
        "label": lambda idea: labels[(idea["type"], idea["id"])],
        "rank_text": rank_text,
        "decimal": decimal,
        "mean_spread": mean_spread,
        "decision_text": decision_text,
        "axes": axes,
        "quadrant_words": quadrant_words,
        "quotes_per_group": QUOTES_PER_GROUP,
        "findings": [_lane_findings(lane, notes, idea_of_cluster) for lane in report["findings"]],
        "key_ideas": [_with_quotes(idea, notes) for idea in report["key_ideas"]],
        "counts": {
            "participants": workshop["participants"],
            "notes": sum(1 for note in live_notes if not note["hidden"]),
            "ideas": len(ideas),
            "withdrawn": sum(1 for note in report["notes"] if note["deleted"]),
            "hidden": sum(1 for note in live_notes if note["hidden"]),
            "imported": sum(1 for note in live_notes if note["imported"]),
        },
        "matrix": matrix_svg(ideas, axes, quadrant_words) if rated else None,
        "dots_chart": dots_bar_svg(ideas, title=_("Dots per idea")) if voted and ideas else None,
        "rated_ideas": rated,
        "trace": [_trace(idea, notes, stages) for idea in ideas],
        "number_digits": min(max((len(str(note_id)) for note_id in notes), default=1), MAX_NUMBER_DIGITS),
        "note_number": note_number,
        "other_notes": _by_stage(
            [
                notes[i]
                for i in notes
                if i not in in_ideas and not notes[i]["deleted"] and not notes[i]["hidden"]
            ],
            stages,
        ),
        # A plan that never rates (or never votes) gets no empty columns or sentences for it.
        "ran_rating": any(stage["kind"] == "rate" for stage in report["stages"]),
        "ran_vote": any(stage["kind"] == "vote" for stage in report["stages"]),
        "marked_groups": [
            {**cluster, "idea": idea_of_cluster.get(cluster["id"])}
            for cluster in report["clusters"]
            if cluster["marked"] and cluster["notes"]
        ],
        "votes": [_vote_view(vote, target_label) for vote in report["votes"]],
        "ratings": [_rating_view(rating, ideas, labels, target_label) for rating in report["ratings"]],
    }


def rank_text(idea: Mapping[str, Any]) -> str:
    """ "3", or "=3" when the idea shares its rank."""
    return f"={idea['rank']}" if idea.get("tied") else str(idea["rank"])


def decimal(value: float | None) -> str:
    return "–" if value is None else format_decimal(value, format="0.0")


def mean_spread(mean: float | None, spread: float | None) -> str:
    if mean is None:
        return "–"
    return f"{decimal(mean)} ± {decimal(spread or 0)}"


def decision_text(decision: str | None) -> str:
    return {"selected": _("Selected"), "set_aside": _("Set aside")}.get(decision or "", _("Undecided"))


def css_string(text: str) -> Markup:
    """A CSS string literal for `text`: everything but letters, digits and spaces escaped."""
    escaped = "".join(c if c.isalnum() and c.isascii() or c == " " else f"\\{ord(c):x} " for c in str(text))
    return Markup(f'"{escaped}"')  # noqa: S704 - only letters, digits, spaces and CSS escapes


def page_footer_css() -> Markup:
    """`content:` for the page number box, from one translatable "Page X of Y" sentence."""
    sentence = _("Page %(page)s of %(pages)s", page="\x01", pages="\x02")
    parts: list[str] = []
    for piece in sentence.replace("\x02", "\x00\x02\x00").replace("\x01", "\x00\x01\x00").split("\x00"):
        if piece == "\x01":
            parts.append("counter(page)")
        elif piece == "\x02":
            parts.append("counter(pages)")
        elif piece:
            parts.append(str(css_string(piece)))
    return Markup(" ".join(parts))  # noqa: S704 - CSS strings from css_string and counter()s


def _long_date(value: str | None) -> str:
    if not value:
        return ""
    try:
        return format_date(date.fromisoformat(value), format="long")
    except ValueError:
        return value


def _axes(report: Mapping[str, Any]) -> list[str]:
    """The two rating axes as the plan names them (the first rate stage's)."""
    for stage in report["stages"]:
        if stage["kind"] == "rate" and len(stage["axes"]) >= 2:
            return [stage["axes"][0]["label"], stage["axes"][1]["label"]]
    return [_("Impact"), _("Feasibility")]


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_LENGTH else text[: QUOTE_LENGTH - 1].rstrip() + "…"


def _with_quotes(idea: Mapping[str, Any], notes: Mapping[int, Any]) -> dict[str, Any]:
    texts = [
        notes[i]["text"] for i in idea["notes"] if i in notes and notes[i]["text"] and not notes[i]["hidden"]
    ]
    if idea["type"] == "note":
        texts = []  # the idea is the note itself: its title already says it
    return {
        **idea,
        "quotes": [_quote(text) for text in texts[:QUOTES_PER_IDEA]],
        "more": max(0, len(texts) - QUOTES_PER_IDEA),
    }


def _lane_findings(
    lane: Mapping[str, Any], notes: Mapping[int, Any], idea_of_cluster: Mapping[int, Any]
) -> dict[str, Any]:
    """One lane of "Findings by lane" as printed: each group with its idea and a few quotes.

    An evidence brief quotes; the record is the traceability appendix, which prints every note
    whole under its idea with its stage, prompt and evidence id. Printing every note in both
    places doubled the report (and its rendering time) without telling the reader anything new.
    """
    return {
        **lane,
        "groups": [
            {**group, "idea": idea_of_cluster.get(group["cluster"]), **_quoted(group["notes"], notes)}
            for group in lane["groups"]
        ],
        "loose": _quoted(lane["loose"], notes) if lane["loose"] else None,
    }


def _quoted(note_ids: list[int], notes: Mapping[int, Any]) -> dict[str, Any]:
    """The first notes written of a group, whole, and how many the appendix has besides: all of
    them when only one would be left out (a line saying "1 more" is as long as the note)."""
    shown = note_ids if len(note_ids) <= QUOTES_PER_GROUP + 1 else note_ids[:QUOTES_PER_GROUP]
    return {"count": len(note_ids), "quotes": [notes[i] for i in shown], "more": len(note_ids) - len(shown)}


def _by_stage(notes: list[Mapping[str, Any]], stages: Mapping[int, Any]) -> list[dict[str, Any]]:
    """Notes grouped by the stage they answered, in stage order, and within a stage by lane
    (in the plan's lane order; notes without a known lane last), each group in note order."""
    groups: dict[int, list[Mapping[str, Any]]] = {}
    for note in notes:
        groups.setdefault(note["stage"], []).append(note)
    blocks = []
    for index in sorted(groups):
        stage = stages.get(index)
        order = {lane["key"]: position for position, lane in enumerate(stage["lanes"] if stage else [])}
        lanes: dict[Any, dict[str, Any]] = {}
        for note in groups[index]:
            key = note["lane"] if note["lane"] in order else None
            lane = lanes.setdefault(key, {"label": note["lane_label"] if key else None, "notes": []})
            lane["notes"].append(note)
        blocks.append(
            {
                "stage": stage,
                "index": index,
                "notes": groups[index],
                "lanes": [lanes[key] for key in sorted(lanes, key=lambda key: order.get(key, len(order)))],
            }
        )
    return blocks


def note_number(note_id: int, digits: int) -> str:
    """The note's number right-aligned in `digits` figure widths, then a gap of two: the
    appendix's number column as text (DejaVu's digits and U+2007 are all one width), since a
    separate box per number costs WeasyPrint as much as the note itself."""
    return f"{note_id:\u2007>{digits}}\u2007\u2007"


def _trace(idea: Mapping[str, Any], notes: Mapping[int, Any], stages: Mapping[int, Any]) -> dict[str, Any]:
    members = [notes[i] for i in idea["notes"] if i in notes]
    return {"idea": idea, "stages": _by_stage(members, stages), "count": len(members)}


def _vote_view(vote: Mapping[str, Any], target_label) -> dict[str, Any]:
    """One vote stage's record as one row per participant: the labels they put dots on."""
    people: dict[str, dict[str, int]] = {}
    for dot in vote["record"]:
        placed = people.setdefault(dot["participant"], {})
        label = target_label(dot["type"], dot["id"])
        placed[label] = placed.get(label, 0) + 1
    rows = [
        {
            "participant": who,
            "dots": sum(placed.values()),
            "targets": sorted(placed.items(), key=lambda item: _label_order(item[0])),
        }
        for who, placed in sorted(people.items(), key=lambda item: _participant_order(item[0]))
    ]
    return {**vote, "rows": rows, "dots_total": len(vote["record"])}


def _rating_view(
    rating: Mapping[str, Any],
    ideas: list[Mapping[str, Any]],
    labels: Mapping[tuple[str, int], str],
    target_label,
) -> dict[str, Any]:
    """One rate stage's record as one row per idea: every participant's pair of scores."""
    by_target: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for entry in rating["record"]:
        by_target.setdefault((entry["type"], entry["id"]), []).append(entry)
    order = {(idea["type"], idea["id"]): position for position, idea in enumerate(ideas)}
    titles = {(idea["type"], idea["id"]): idea["title"] for idea in ideas}
    rows = []
    for key in sorted(by_target, key=lambda k: (order.get(k, len(order)), k)):
        entries = sorted(by_target[key], key=lambda e: _participant_order(e["participant"]))
        rows.append(
            {"label": labels.get(key) or target_label(*key), "title": titles.get(key, ""), "entries": entries}
        )
    return {**rating, "rows": rows}


def _participant_order(label: str) -> tuple[int, str]:
    digits = label[1:]
    return (int(digits), label) if digits.isdigit() else (10**9, label)


def _label_order(label: str) -> tuple[int, str]:
    digits = "".join(c for c in label if c.isdigit())
    return (int(digits), label) if digits and label[0].isdigit() else (10**9, label)
