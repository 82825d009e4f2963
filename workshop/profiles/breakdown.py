"""Dots and 2×2 means by profile answer, for closed votes and ended ratings.

Everything here goes through `apply_floor`: groups under the workshop's k are merged
or withheld, and a cell of the 2×2 (one idea, one group) is left blank when fewer than
k people of the group rated that idea. `build_report` and the console's breakdown page
both call `breakdowns`, so no view or export can show more than it does.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from workshop.core.models import Workshop
from workshop.extensions import db
from workshop.plans.profile import ProfileQuestion
from workshop.profiles.floor import Floored, apply_floor
from workshop.profiles.services import answers_by_choice, profile_questions
from workshop.rating.models import Rating
from workshop.voting.models import Dot
from workshop.voting.services import candidates, is_closed


def breakdowns(workshop: Workshop, language: str) -> list[dict[str, Any]]:
    """One entry per profile question, each with its closed votes and ended ratings."""
    with force_locale(language):
        return _breakdowns(workshop, language)


def _breakdowns(workshop: Workshop, language: str) -> list[dict[str, Any]]:
    result = []
    for question in profile_questions(workshop):
        answers = answers_by_choice(workshop, question.key)
        if not any(choice is not None for choice in answers):
            continue  # nobody answered it: nothing to compare, no chapter to print
        stages = [
            section
            for index, stage in enumerate(workshop.plan.stages)
            if (section := _stage_breakdown(workshop, index, stage.kind, question, answers, language))
        ]
        result.append(
            {
                "question": question.key,
                "label": question.text(language),
                "floor": workshop.anonymity_floor,
                "stages": stages,
            }
        )
    return result


def _stage_breakdown(workshop, index, kind, question, answers, language) -> dict[str, Any] | None:
    if kind == "vote" and is_closed(workshop, index):
        return _vote(workshop, index, question, answers, language)
    ended = index < workshop.current_stage or workshop.status == "closed"
    if kind == "rate" and ended:
        return _rating(workshop, index, question, answers, language)
    return None


def _groups(people: set[int], answers: dict[str | None, set[int]], k: int) -> Floored:
    answered = set().union(*answers.values()) if answers else set()
    groups = {choice: members & people for choice, members in answers.items()}
    groups[None] = groups.get(None, set()) | (people - answered)
    return apply_floor(groups, k)


def _label(question: ProfileQuestion, keys: tuple, language: str) -> str:
    names = [question.choice_label(key, language) or _("No answer") for key in keys]
    return " + ".join(names)


def _section(workshop, index, kind, question, floored, language) -> dict[str, Any]:
    stage = workshop.plan.stages[index]
    return {
        "stage_index": index,
        "stage": stage.text("title", language),
        "kind": kind,
        "withheld": floored.withheld,
        "merged": [_label(question, (key,), language) for key in floored.merged_keys],
        "columns": [
            {"label": _label(question, group.keys, language), "people": len(group.members)}
            for group in floored.groups
        ],
        "rows": [],
    }


def _vote(workshop: Workshop, index: int, question, answers, language) -> dict[str, Any]:
    dots: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # participant → target → dots
    for participant_id, target_id in _rows(select(Dot.participant_id, Dot.target_id), Dot, workshop, index):
        dots[participant_id][target_id] += 1
    floored = _groups(set(dots), answers, workshop.anonymity_floor)
    section = _section(workshop, index, "vote", question, floored, language)
    if floored.withheld:
        return section
    for candidate in candidates(workshop, index):
        values = [sum(dots[p].get(candidate["id"], 0) for p in group.members) for group in floored.groups]
        section["rows"].append({"title": candidate["title"], "values": values, "total": sum(values)})
    section["rows"].sort(key=lambda row: -row["total"])
    return section


def _rating(workshop: Workshop, index: int, question, answers, language) -> dict[str, Any]:
    k = workshop.anonymity_floor
    points: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    query = select(Rating.participant_id, Rating.target_id, Rating.x, Rating.y)
    for participant_id, target_id, x, y in _rows(query, Rating, workshop, index):
        points[participant_id][target_id] = (x, y)
    floored = _groups(set(points), answers, k)
    section = _section(workshop, index, "rate", question, floored, language)
    if floored.withheld:
        return section
    for candidate in candidates(workshop, index):
        values = []
        for group in floored.groups:
            given = [points[p][candidate["id"]] for p in group.members if candidate["id"] in points[p]]
            # A cell rated by fewer than k people of the group stays blank: its mean
            # would be theirs.
            values.append(
                {
                    "x": round(statistics.fmean(x for x, _ in given), 1),
                    "y": round(statistics.fmean(y for _, y in given), 1),
                }
                if len(given) >= k
                else None
            )
        section["rows"].append({"title": candidate["title"], "values": values})
    return section


def _rows(query, model, workshop: Workshop, index: int):
    return db.session.execute(query.where(model.workshop_id == workshop.id, model.stage_index == index))
