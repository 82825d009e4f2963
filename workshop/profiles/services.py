"""Profile answers (given once at join, optional) and the anonymity floor setting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select

from workshop.core.actors import Actor, ensure_facilitator, ensure_open, ensure_participant
from workshop.core.checks import typed_number
from workshop.core.models import Workshop
from workshop.errors import InvalidInput
from workshop.extensions import db
from workshop.plans.profile import ProfileQuestion
from workshop.profiles.floor import MAX_FLOOR, MIN_FLOOR
from workshop.profiles.models import ProfileAnswer


def profile_questions(workshop: Workshop) -> tuple[ProfileQuestion, ...]:
    return workshop.plan.profile


def has_answered(workshop: Workshop, participant_id: int) -> bool:
    """Whether the phone already showed the questions (answered or skipped)."""
    if not profile_questions(workshop):
        return True
    return (
        db.session.scalar(
            select(ProfileAnswer.id).where(ProfileAnswer.participant_id == participant_id).limit(1)
        )
        is not None
    )


def answer_profile(workshop: Workshop, actor: Actor, answers: Mapping[str, Any]) -> dict[str, str | None]:
    """Store a participant's answers, replacing earlier ones. Every question gets a row
    (None: prefer not to say), so skipping is remembered too. Raises InvalidInput for a
    question or choice the plan does not have."""
    participant = ensure_participant(workshop, actor)
    ensure_open(workshop)
    if not isinstance(answers, Mapping):
        raise InvalidInput(_("Malformed answers."))
    questions = {question.key: question for question in profile_questions(workshop)}
    unknown = [key for key in answers if key not in questions]
    if unknown:
        raise InvalidInput(_("This workshop does not ask that question."))
    chosen: dict[str, str | None] = {}
    for key, question in questions.items():
        value = answers.get(key) or None
        if value is not None and (
            not isinstance(value, str) or value not in {choice.key for choice in question.choices}
        ):
            raise InvalidInput(_("Choose one of the answers offered."))
        chosen[key] = value
    db.session.execute(delete(ProfileAnswer).where(ProfileAnswer.participant_id == participant.id))
    for key, value in chosen.items():
        db.session.add(
            ProfileAnswer(workshop_id=workshop.id, participant_id=participant.id, question=key, choice=value)
        )
    db.session.flush()
    return chosen


def answers_by_choice(workshop: Workshop, question: str) -> dict[str | None, set[int]]:
    """Participant ids by their answer to `question` (None: no answer, asked or not)."""
    rows = db.session.execute(
        select(ProfileAnswer.participant_id, ProfileAnswer.choice).where(
            ProfileAnswer.workshop_id == workshop.id, ProfileAnswer.question == question
        )
    )
    groups: dict[str | None, set[int]] = {}
    for participant_id, choice in rows:
        groups.setdefault(choice, set()).add(participant_id)
    return groups


def set_anonymity_floor(workshop: Workshop, actor: Actor, k: Any) -> int:
    """The smallest group a breakdown may show (k). Raises InvalidInput outside 2–50."""
    ensure_facilitator(workshop, actor)
    if isinstance(k, str):
        k = typed_number(k)
    if isinstance(k, bool) or not isinstance(k, int) or not MIN_FLOOR <= k <= MAX_FLOOR:
        raise InvalidInput(
            _(
                "The smallest group shown must be from %(low)d to %(high)d people.",
                low=MIN_FLOOR,
                high=MAX_FLOOR,
            )
        )
    workshop.anonymity_floor = k
    db.session.flush()
    return k
