"""Workshop operations: create, find, join, change stage, close, reopen, delete.

Shared by the HTTP views, the Socket.IO handlers, the CLI and the tests.
Services flush but never commit: the boundary that called them commits and
then broadcasts.

A closed workshop is read-only: every service that changes a workshop calls
`core.actors.ensure_open` (most through `core.stages.ensure_stage_takes_input`),
its join code stops working, and its record can still be exported. A
facilitator may reopen it (closing by mistake, or continuing another day):
closing changes nothing in the record, so reopening is safe.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any, cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, delete, func, select

from workshop.accounts.models import Facilitator
from workshop.clustering.services import source_stage_indexes
from workshop.config import DISPLAY_NAME_MAX_LENGTH, QUESTION_MAX_LENGTH
from workshop.core.actors import Actor, ensure_facilitator, ensure_open
from workshop.core.checks import flag, storable_text, typed_number, whole_number
from workshop.core.clock import now
from workshop.core.codes import CODE_LENGTH, new_join_code, normalise_code
from workshop.core.lookups import get_workshop, participant_count
from workshop.core.models import Participant, Workshop
from workshop.core.stages import private_stage_indexes
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.facilitation.stage_controls import reveal_stages
from workshop.plans import Plan

TITLE_MAX_LENGTH = 200
LANGUAGES = ("es", "en")


def create_workshop(
    owner: Facilitator,
    plan: Plan,
    title: str,
    language: str = "es",
    place: str | None = None,
    held_on: date | None = None,
    question: str | None = None,
    second_language: str | None = None,
) -> Workshop:
    """Create a workshop from a plan, with a fresh join code and projector token.

    `question` is the challenge the workshop works on (optional; see `set_question`);
    `second_language` shows the prompts in a second language too (see `set_second_language`).
    Raises InvalidInput for an empty title, a language the plan lacks or a too long question.
    """
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("Give the workshop a title."))
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidInput(_("The title can have at most %(count)d characters.", count=TITLE_MAX_LENGTH))
    if language not in LANGUAGES:
        raise InvalidInput(_("The language must be es or en."))
    if language not in plan.languages:
        raise InvalidInput(_("This plan has no texts in language %(language)s.", language=language))
    workshop = Workshop(
        code=_unused_code(),
        screen_token=secrets.token_urlsafe(24),
        title=title,
        language=language,
        place=(place or "").strip()[:200] or None,
        held_on=held_on,
        plan_slug=plan.slug,
        plan_data=plan.to_data(),
        owner=owner,
        current_stage=0,
        revision=1,
        status="open",
    )
    db.session.add(workshop)
    db.session.flush()
    if question is not None:
        set_question(workshop, owner, question)
    if second_language:
        set_second_language(workshop, owner, second_language)
    return workshop


def second_language_choices(plan: Plan, language: str) -> list[str]:
    """Languages a workshop in `language` may show its prompts in as well: the plan's other
    language(s) and its extra prompt languages (e.g. "gn")."""
    return [code for code in (*plan.languages, *plan.prompt_languages) if code != language]


def set_second_language(workshop: Workshop, actor: Actor, code: Any) -> Workshop:
    """Show every prompt in a second language under the workshop's own (empty: none).

    Facilitator only, while the workshop is open. Raises NotAllowed or InvalidInput for a
    language the plan has no texts in.
    """
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    code = str(code or "").strip() or None
    if code is not None and code not in second_language_choices(workshop.plan, workshop.language):
        raise InvalidInput(_("This plan has no prompts in language %(language)s.", language=code))
    if code != workshop.second_language:
        workshop.second_language = code
        workshop.bump()
        db.session.flush()
    return workshop


def clean_question(text: Any) -> str | None:
    """A challenge question as it is stored: cleaned like a note's text (`storable_text`),
    None when empty. Raises InvalidInput when it is not text or too long."""
    if text is None:
        return None
    text = storable_text(text, _l("The question must be text."))
    if len(text) > QUESTION_MAX_LENGTH:
        raise InvalidInput(
            _(
                "The question can have at most %(max)d characters (this one has %(count)d).",
                max=QUESTION_MAX_LENGTH,
                count=len(text),
            )
        )
    return text or None


def set_question(workshop: Workshop, actor: Actor, text: Any) -> Workshop:
    """Set, change or (with empty text) remove the workshop's challenge question; every
    screen shows it at the top and the report opens its method section with it.

    Facilitator only, while the workshop is open. Raises NotAllowed or InvalidInput.
    """
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    question = clean_question(text)
    if question != workshop.question:
        workshop.question = question
        workshop.bump()
        db.session.flush()
    return workshop


def _unused_code() -> str:
    for _attempt in range(20):
        code = new_join_code()
        if db.session.scalar(select(Workshop.id).where(Workshop.code == code)) is None:
            return code
    raise RuntimeError("could not find a free join code")  # pragma: no cover


def find_workshop(reference: str) -> Workshop:
    """Find a workshop, open or closed, by its numeric id or its join code (as typed).

    For the lab's tools (command line, exports): a closed workshop is still found.
    Raises NotFound.
    """
    reference = (reference or "").strip()
    number = typed_number(reference)
    if number is not None:
        return get_workshop(number)
    workshop = _workshop_with_code(reference)
    if workshop is None:
        raise NotFound(_("No workshop has this code. Check it with the facilitator."))
    return workshop


def _workshop_with_code(raw_code: str) -> Workshop | None:
    code = normalise_code(raw_code)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(select(Workshop).where(Workshop.code == code))


def code_matches(workshop: Workshop, typed: str | None) -> bool:
    """Whether someone typed this workshop's join code (as people type it)."""
    return normalise_code(typed or "") == workshop.code


def workshop_for_code(raw_code: str) -> Workshop:
    """The open workshop a join code points to.

    Raises NotFound for a wrong code and NotAllowed for a closed workshop, so the
    join page can tell people which it is.
    """
    workshop = _workshop_with_code(raw_code)
    if workshop is None:
        raise NotFound(_("No workshop has this code. Check it with the facilitator."))
    if not workshop.is_open:
        raise NotAllowed(_("This workshop has ended; its code no longer works."))
    return workshop


def list_workshops(limit: int = 200) -> list[Workshop]:
    return list(
        db.session.scalars(
            select(Workshop).order_by(Workshop.created_at.desc(), Workshop.id.desc()).limit(limit)
        )
    )


def join_workshop(
    workshop: Workshop, display_name: str | None = None, limit: int | None = None
) -> Participant:
    """Add an anonymous participant; the returned token identifies their device.

    `limit` caps the participants of one workshop (WORKSHOP_MAX_PARTICIPANTS): whoever
    has the join code can create participants, so the cap bounds what a leaked code
    can do, far above any real room. Raises NotAllowed when the workshop is closed or
    full, InvalidInput for a too long name.
    """
    if not workshop.is_open:
        raise NotAllowed(_("This workshop has ended; its code no longer works."))
    if limit is not None and participant_count(workshop) >= limit:
        raise NotAllowed(_("This workshop is full (%(count)d participants).", count=limit))
    name = " ".join((display_name or "").split())
    if len(name) > DISPLAY_NAME_MAX_LENGTH:
        raise InvalidInput(
            _("The name can have at most %(count)d characters.", count=DISPLAY_NAME_MAX_LENGTH)
        )
    participant = Participant(
        workshop_id=workshop.id, token=secrets.token_urlsafe(32), display_name=name or None
    )
    db.session.add(participant)
    db.session.flush()
    return participant


def change_stage(workshop: Workshop, actor: Actor, stage_index: Any, reveal: Any = False) -> Workshop:
    """Move the whole room to another stage of the plan.

    With `reveal`, private notes the new stage works on (and the stage being left, if
    private) are revealed to the room on the way: the console asks once when moving
    on would otherwise keep them facilitator-only (`private_notes_pending`).
    Raises NotAllowed for non-facilitators and InvalidInput for a stage outside the plan.
    """
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    stage_index = whole_number(stage_index, _l("The stage must be a number."))
    if not 0 <= stage_index < len(workshop.plan.stages):
        raise InvalidInput(_("There is no such stage in this plan."))
    if flag(reveal, _l("Say whether to reveal the private notes.")):
        reveal_stages(workshop, actor, private_notes_pending(workshop, stage_index))
    if stage_index != workshop.current_stage:
        workshop.release_spotlight()  # the room moves on: what was in focus belongs to the last stage
    workshop.current_stage = stage_index
    workshop.bump()
    db.session.flush()
    return workshop


def private_notes_pending(workshop: Workshop, stage_index: int) -> list[int]:
    """Private stages, not yet revealed, whose notes moving to `stage_index` concerns:
    the stages it works on (a cluster, vote or rate stage) and the one being left."""
    concerned = set(source_stage_indexes(workshop, stage_index))
    concerned.add(workshop.current_stage)
    return sorted(concerned & private_stage_indexes(workshop))


def set_display_name(workshop: Workshop, participant: Participant, name: str | None) -> Participant:
    """Let a participant sign their next notes with a name, or go back to anonymous."""
    if participant.workshop_id != workshop.id:
        raise NotAllowed(_("You are not a participant of this workshop."))
    ensure_open(workshop)
    cleaned = " ".join((name or "").split())
    if len(cleaned) > DISPLAY_NAME_MAX_LENGTH:
        raise InvalidInput(
            _("The name can have at most %(count)d characters.", count=DISPLAY_NAME_MAX_LENGTH)
        )
    participant.display_name = cleaned or None
    db.session.flush()
    return participant


def close_workshop(workshop: Workshop, actor: Actor) -> Workshop:
    """Close a workshop: read-only from now on, its join code stops working,
    its exports still work. Closing a closed workshop changes nothing.

    Raises NotAllowed for anyone but a facilitator.
    """
    ensure_facilitator(workshop, actor)
    if workshop.is_open:
        workshop.status = "closed"
        workshop.closed_at = now()
        workshop.bump()
        db.session.flush()
    return workshop


def reopen_workshop(workshop: Workshop, actor: Actor) -> Workshop:
    """Open a closed workshop again (its code works again). Facilitator only; raises NotAllowed."""
    ensure_facilitator(workshop, actor)
    if not workshop.is_open:
        workshop.status = "open"
        workshop.closed_at = None
        workshop.bump()
        db.session.flush()
    return workshop


def workshop_contents(workshop: Workshop) -> dict[str, int]:
    """How much a workshop holds: what deleting it would destroy (counts only)."""
    from workshop.board.models import Note
    from workshop.clustering.models import Cluster
    from workshop.commitments.models import Commitment
    from workshop.rating.models import Rating
    from workshop.voting.models import Dot

    def count(model, *where) -> int:
        return (
            db.session.scalar(
                select(func.count()).select_from(model).where(model.workshop_id == workshop.id, *where)
            )
            or 0
        )

    return {
        "notes": count(Note, Note.deleted_at.is_(None)),
        "participants": count(Participant),
        "clusters": count(Cluster),
        "dots": count(Dot),
        "ratings": count(Rating),
        "commitments": count(Commitment, Commitment.deleted_at.is_(None)),
    }


def delete_workshop(workshop: Workshop, actor: Actor) -> dict[str, int]:
    """Delete a workshop and everything in it, for good; returns the rows deleted per table.

    Deletes explicitly, dependants first, every table that has a `workshop_id`
    (notes, groups, dots, ratings, stage states, connections, participants …),
    so the result does not depend on the database enforcing its ON DELETE
    CASCADE rules; those remain as a second line for rows that race the
    deletion. Asking twice is the boundary's job. Raises NotAllowed for anyone
    but a facilitator.
    """
    ensure_facilitator(workshop, actor)
    workshop_id = workshop.id
    # Lock the workshop row (PostgreSQL) so a concurrent change waits for us, then finds nothing.
    db.session.execute(select(Workshop.id).where(Workshop.id == workshop_id).with_for_update())
    db.session.flush()
    # Objects of this workshop in the session would describe rows that are gone: let go of them.
    for obj in list(db.session):
        if obj is workshop or getattr(obj, "workshop_id", None) == workshop_id:
            db.session.expunge(obj)
    deleted: dict[str, int] = {}
    for table in reversed(db.metadata.sorted_tables):
        if table.name != Workshop.__tablename__ and "workshop_id" in table.c:
            result = cast(
                CursorResult[Any], db.session.execute(delete(table).where(table.c.workshop_id == workshop_id))
            )
            deleted[table.name] = result.rowcount
    result = cast(CursorResult[Any], db.session.execute(delete(Workshop).where(Workshop.id == workshop_id)))
    deleted[Workshop.__tablename__] = result.rowcount
    return deleted
