"""2×2 rating operations: rate a candidate on two axes, and the matrix of means and spread."""

from __future__ import annotations

import statistics
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workshop.core.actors import Actor, ensure_participant
from workshop.core.checks import identifier, whole_number
from workshop.core.models import Workshop
from workshop.core.stages import ensure_stage_takes_input
from workshop.errors import NotAllowed, NotFound
from workshop.extensions import db
from workshop.rating.models import Rating
from workshop.voting.services import candidates

SCALE = (1, 5)
MIDPOINT = 3.0
QUADRANTS = ("quick_win", "major_project", "fill_in", "thankless")


def _score(value: Any) -> int:
    return whole_number(value, _l("Ratings go from 1 to 5."), *SCALE)


def rate(workshop: Workshop, actor: Actor, target_id: Any, x: Any, y: Any) -> Rating:
    """Place a candidate on the two axes; rating it again replaces the earlier values."""
    participant = ensure_participant(workshop, actor, _l("Only participants of this workshop rate."))
    if workshop.stage.kind != "rate":
        raise NotAllowed(_("Rating happens during a rating stage."))
    ensure_stage_takes_input(workshop, workshop.current_stage)
    x, y = _score(x), _score(y)
    options = {c["id"]: c["type"] for c in candidates(workshop, workshop.current_stage)}
    target_id = identifier(target_id, _l("This is not one of the options of this rating."))
    if target_id not in options:
        raise NotFound(_("This is not one of the options of this rating."))
    rating = db.session.scalar(
        select(Rating).where(
            Rating.workshop_id == workshop.id,
            Rating.stage_index == workshop.current_stage,
            Rating.participant_id == participant.id,
            Rating.target_type == options[target_id],
            Rating.target_id == target_id,
        )
    )
    if rating is None:
        rating = Rating(
            workshop_id=workshop.id,
            stage_index=workshop.current_stage,
            participant_id=participant.id,
            target_type=options[target_id],
            target_id=target_id,
            x=x,
            y=y,
        )
        db.session.add(rating)
    else:
        rating.x, rating.y = x, y
    db.session.flush()
    return rating


def quadrant(x_mean: float | None, y_mean: float | None) -> str | None:
    """High first axis (impact) and high second axis (feasibility) is a quick win."""
    if x_mean is None or y_mean is None:
        return None
    if x_mean >= MIDPOINT:
        return "quick_win" if y_mean >= MIDPOINT else "major_project"
    return "fill_in" if y_mean >= MIDPOINT else "thankless"


def quadrant_label(name: str | None) -> str:
    """A quadrant in words, in the current language (console, report, synthesis)."""
    labels = {
        "quick_win": _("quick win"),
        "major_project": _("major project"),
        "fill_in": _("fill-in"),
        "thankless": _("thankless task"),
    }
    return labels.get(name or "", _("not rated"))


def spread(values: list[int]) -> float:
    """Population standard deviation, 0 with fewer than two ratings (how much people disagree)."""
    return round(statistics.pstdev(values), 2) if len(values) > 1 else 0.0


def matrix(workshop: Workshop, stage_index: int) -> list[dict[str, Any]]:
    """Each candidate at the mean of its ratings, with the spread and every point (anonymous)."""
    ratings = db.session.scalars(
        select(Rating).where(Rating.workshop_id == workshop.id, Rating.stage_index == stage_index)
    )
    points: dict[int, list[tuple[int, int]]] = {}
    for rating in ratings:
        points.setdefault(rating.target_id, []).append((rating.x, rating.y))
    result = []
    for candidate in candidates(workshop, stage_index):
        own = points.get(candidate["id"], [])
        xs, ys = [p[0] for p in own], [p[1] for p in own]
        x_mean = round(statistics.fmean(xs), 2) if xs else None
        y_mean = round(statistics.fmean(ys), 2) if ys else None
        result.append(
            {
                **candidate,
                "count": len(own),
                "x": x_mean,
                "y": y_mean,
                "x_spread": spread(xs),
                "y_spread": spread(ys),
                "quadrant": quadrant(x_mean, y_mean),
                "points": sorted(own),
            }
        )
    return result


def my_ratings(participant_id: int, stage_index: int) -> dict[str, list[int]]:
    rows = db.session.scalars(
        select(Rating).where(Rating.participant_id == participant_id, Rating.stage_index == stage_index)
    )
    return {str(r.target_id): [r.x, r.y] for r in rows}


def rater_count(workshop: Workshop, stage_index: int) -> int:
    return len(
        set(
            db.session.scalars(
                select(Rating.participant_id).where(
                    Rating.workshop_id == workshop.id, Rating.stage_index == stage_index
                )
            )
        )
    )


def latest_ratings_by_target(workshop: Workshop) -> dict[tuple[str, int], list[tuple[int, int]]]:
    """All ratings per item from the last rate stage that has any (for the ranking)."""
    rows = list(db.session.scalars(select(Rating).where(Rating.workshop_id == workshop.id)))
    if not rows:
        return {}
    last = max(r.stage_index for r in rows)
    result: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for r in rows:
        if r.stage_index == last:
            result.setdefault((r.target_type, r.target_id), []).append((r.x, r.y))
    return result
