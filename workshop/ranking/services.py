"""The ranking of candidate reform ideas, and the facilitator's decision on each.

Order: dots (from closed votes) first, then the 2×2 (quick wins, major
projects, fill-ins, thankless tasks, then unrated), then the mean on the first
axis and on the second. Items equal on all of these share a rank: a tie is
shown as a tie, never broken by accident of insertion order.
"""

from __future__ import annotations

import statistics
from typing import Any

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workshop.board.models import Note
from workshop.clustering.models import Cluster
from workshop.clustering.services import clusters_with_notes
from workshop.core.actors import Actor, ensure_facilitator, ensure_open
from workshop.core.checks import identifier
from workshop.core.models import Workshop
from workshop.errors import InvalidInput, NotFound
from workshop.extensions import db
from workshop.rating.services import QUADRANTS, latest_ratings_by_target, quadrant, quadrant_label, spread
from workshop.voting.services import dot_totals_by_target

DECISIONS = ("selected", "set_aside")


def _ideas(workshop: Workshop) -> list[dict[str, Any]]:
    """Groups with notes are the ideas; single notes count when they carry dots or ratings."""
    ideas = [
        {
            "type": "cluster",
            "id": c["id"],
            "title": c["title"],
            "decision": c["decision"],
            "notes": c["notes"],
        }
        for c in clusters_with_notes(workshop)
        if c["notes"]
    ]
    return ideas


def ranking(workshop: Workshop) -> list[dict[str, Any]]:
    """Candidate ideas in rank order with the reason for each position."""
    dots = dot_totals_by_target(workshop)
    ratings = latest_ratings_by_target(workshop)
    ideas = _ideas(workshop)
    known = {(i["type"], i["id"]) for i in ideas}
    for target_type, target_id in set(dots) | set(ratings):
        if target_type == "note" and (target_type, target_id) not in known:
            note = db.session.get(Note, target_id)
            if note is not None and note.deleted_at is None:
                ideas.append(
                    {
                        "type": "note",
                        "id": note.id,
                        "title": note.text,
                        "decision": note.decision,
                        "notes": [note.id],
                    }
                )
    entries = [_entry(idea, dots, ratings) for idea in ideas]
    entries.sort(key=lambda e: (e["sort_key"], e["type"], e["id"]))
    rank, previous = 0, None
    for position, entry in enumerate(entries, start=1):
        if entry["sort_key"] != previous:
            rank, previous = position, entry["sort_key"]
        entry["rank"] = rank
    for entry in entries:
        entry["tied"] = sum(1 for e in entries if e["rank"] == entry["rank"]) > 1
        del entry["sort_key"]
    return entries


def _entry(idea: dict, dots: dict, ratings: dict) -> dict[str, Any]:
    key = (idea["type"], idea["id"])
    points = ratings.get(key, [])
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x_mean = round(statistics.fmean(xs), 1) if xs else None
    y_mean = round(statistics.fmean(ys), 1) if ys else None
    place = quadrant(x_mean, y_mean)
    count = dots.get(key, 0)
    order = QUADRANTS.index(place) if place else len(QUADRANTS)
    reason = ngettext("%(num)d dot", "%(num)d dots", count)
    if x_mean is not None:
        # Decimals as the workshop's language writes them (3,5 in Spanish).
        x_text, y_text = format_decimal(x_mean, "0.0"), format_decimal(y_mean, "0.0")
        reason += "; " + _("impact %(x)s, feasibility %(y)s", x=x_text, y=y_text)
        reason += " (" + quadrant_label(place) + ")"
    return {
        **idea,
        "dots": count,
        "x": x_mean,
        "y": y_mean,
        "ratings": len(points),
        "x_spread": spread(xs),
        "y_spread": spread(ys),
        "quadrant": place,
        "reason": reason,
        "sort_key": (-count, order, -(x_mean or 0), -(y_mean or 0)),
    }


def set_decision(
    workshop: Workshop, actor: Actor, target_type: Any, target_id: Any, decision: Any
) -> Cluster | Note:
    """Mark an idea selected or set aside (None clears it); this is what the report lists."""
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    if decision is not None and decision not in DECISIONS:
        raise InvalidInput(_("The decision must be selected or set aside."))
    target_id = identifier(target_id, _l("Choose an idea."))
    item: Cluster | Note | None
    if target_type == "cluster":
        item = db.session.get(Cluster, target_id)
    elif target_type == "note":
        item = db.session.get(Note, target_id)
    else:
        raise InvalidInput(_("Choose an idea."))
    if item is None or item.workshop_id != workshop.id:
        raise NotFound(_("This idea does not exist."))
    item.decision = decision
    workshop.bump()
    db.session.flush()
    return item
