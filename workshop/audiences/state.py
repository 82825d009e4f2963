"""The full state a client receives on (re)connect and on stage changes.

Each audience sees what it may: the facilitator sees every note of the
stage; the projector and the phones see nothing of a private stage but the
count; a phone sees its own notes of a private stage. Nothing says who wrote
a note unless its author signed it with a name.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from sqlalchemy import func, or_, select

from workshop.board.models import Note
from workshop.board.services import note_data
from workshop.clustering.services import clusters_with_notes, source_stage_indexes
from workshop.commitments.services import commit_view, own_commitment_ids
from workshop.config import NOTE_MAX_LENGTH
from workshop.core.codes import format_code
from workshop.core.lookups import participant_count
from workshop.core.models import Participant, Workshop
from workshop.core.stages import private_stage_indexes, stage_state, visible_to
from workshop.delivery.lan import join_base_url
from workshop.extensions import db
from workshop.facilitation.counts import console_counts
from workshop.facilitation.spotlight import spotlight_data
from workshop.facilitation.timer import timer_data
from workshop.plans import Stage
from workshop.ranking.services import ranking
from workshop.rating.services import matrix, my_ratings, rater_count
from workshop.voting.services import candidates, my_vote, vote_summary

_Built = TypeVar("_Built")


def in_workshop_language(build: Callable[..., _Built]) -> Callable[..., _Built]:
    """Build what an audience sees in the workshop's language (its first argument), whoever
    asked: a phone's request, a facilitator whose browser prefers another language, or a
    background refresh with no request at all (which would otherwise speak English).
    Ranking reasons, quadrant names and every other translated text of a state follow it."""

    @functools.wraps(build)
    def built(workshop: Workshop, *args: Any, **kwargs: Any) -> _Built:
        with force_locale(workshop.language):
            return build(workshop, *args, **kwargs)

    return built


def second_texts(stage: Stage, second_language: str | None) -> dict[str, str] | None:
    """A stage's title and prompt in the workshop's second prompt language, shown under its
    own; None without one, or when the plan has neither text in it."""
    if not second_language:
        return None
    title = stage.title.get(second_language, "")
    prompt = stage.prompt.get(second_language, "")
    if not (title or prompt):
        return None
    return {"language": second_language, "title": title, "prompt": prompt}


def stage_data(stage: Stage, index: int, language: str, second_language: str | None = None) -> dict[str, Any]:
    return {
        "index": index,
        "id": stage.id,
        "kind": stage.kind,
        "title": stage.text("title", language),
        "prompt": stage.text("prompt", language),
        "second": second_texts(stage, second_language),
        "minutes": stage.minutes,
        "private": stage.private,
        "lanes": [{"key": lane.key, "label": lane.label.get(language, lane.key)} for lane in stage.lanes],
        "dots": stage.dots,
        "cap": stage.cap,
        "target": stage.target,
        "participants_propose": stage.participants_propose,
        "axes": [
            {
                "key": axis.key,
                "label": axis.label.get(language, axis.key),
                # The plan's words for the ends of the scale, e.g. "prescindible" … "imprescindible".
                "low": axis.low.get(language, ""),
                "high": axis.high.get(language, ""),
            }
            for axis in stage.axes
        ],
    }


def public_links(workshop: Workshop) -> dict[str, str]:
    """Absolute links built from WORKSHOP_BASE_URL (the CLI has no request to build from)."""
    base = shared = current_app.config["BASE_URL"].rstrip("/")
    if has_request_context() and not current_app.config.get("BASE_URL_FROM_ENVIRONMENT"):
        # Not configured: use the address the facilitator's browser reached us at, so a
        # laptop serving on the local network prints a QR code phones can open; but if
        # that was the laptop's own 127.0.0.1, the phones and the projector get the
        # laptop's address on the network (`workshop serve --host 0.0.0.0` found it).
        base = request.host_url.rstrip("/")
        shared = join_base_url(request.host_url, current_app.config.get("LAN_URL"))
    # A URL adapter bound to no host builds paths without a request (CLI, tests).
    paths = current_app.url_map.bind("")
    return {
        "join_url": shared + paths.build("workshops.join_by_link", {"code": workshop.code}),
        "facilitator_url": base + paths.build("workshops.facilitate", {"workshop_id": workshop.id}),
        "screen_url": shared + paths.build("workshops.screen", {"token": workshop.screen_token}),
    }


# A phone gets the notes it needs, not the whole wall: its own, the latest of the others,
# and a few from each group; the rest on demand (`notes`). With 1,000 notes in a
# workshop a phone's state stays a few kilobytes (the projector and console get all).
PHONE_LATEST_NOTES = 30
GROUP_SAMPLES = 3
NOTES_PER_REQUEST = 100


def _note_query(workshop: Workshop, stage_index: int, include_hidden: bool = False):
    """Live notes a stage shows: its own (a write stage) or those it works on."""
    stage = workshop.plan.stages[stage_index]
    if stage.accepts_notes:
        sources = [stage_index]
    elif stage.kind in ("cluster", "vote", "rate"):
        sources = source_stage_indexes(workshop, stage_index)
    else:
        sources = []
    query = select(Note).where(
        Note.workshop_id == workshop.id, Note.stage_index.in_(sources), Note.deleted_at.is_(None)
    )
    if not include_hidden:
        query = query.where(Note.hidden_at.is_(None))
    return query


def _visible_notes(
    workshop: Workshop, audience: str, participant: Participant | None, stage_index: int
) -> tuple[list[Note], int]:
    """The notes this audience may see for a stage, and how many the stage has in all."""
    private = private_stage_indexes(workshop)
    # The console lists hidden notes (marked) where they were written, not on the board.
    include_hidden = audience == "facilitator" and workshop.plan.stages[stage_index].accepts_notes
    query = _note_query(workshop, stage_index, include_hidden=include_hidden)
    notes = list(db.session.scalars(query.order_by(Note.created_at, Note.id)))
    total = sum(1 for note in notes if note.hidden_at is None)
    return [note for note in notes if visible_to(note, audience, participant, private)], total


def _phone_notes(
    workshop: Workshop, participant: Participant | None, stage_index: int, groups: list[dict[str, Any]]
) -> tuple[list[Note], int, bool]:
    """What a phone gets with a state: its own notes, the latest others' and a few of each
    group's, in order; how many the stage has; whether that is all of them."""
    private = private_stage_indexes(workshop)
    query = _note_query(workshop, stage_index)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    own_id = participant.id if participant is not None else -1
    own = list(db.session.scalars(query.where(Note.participant_id == own_id)))
    latest = db.session.scalars(
        query.where(or_(Note.participant_id.is_(None), Note.participant_id != own_id))
        .order_by(Note.id.desc())
        .limit(PHONE_LATEST_NOTES * 2)
    )
    shown = {note.id: note for note in own}
    for note in latest:
        if len(shown) - len(own) >= PHONE_LATEST_NOTES:
            break
        if visible_to(note, "participant", participant, private):
            shown[note.id] = note
    wanted = {i for group in groups for i in group["notes"][:GROUP_SAMPLES]} - set(shown)
    if wanted:
        for note in db.session.scalars(query.where(Note.id.in_(wanted))):
            if visible_to(note, "participant", participant, private):
                shown[note.id] = note
    notes = sorted(shown.values(), key=lambda note: (note.created_at, note.id))
    return notes, total, len(notes) >= total


@in_workshop_language
def notes_on_request(
    workshop: Workshop,
    audience: str,
    participant: Participant | None,
    stage_index: int,
    ids: list[int] | None = None,
    before: int | None = None,
) -> list[dict[str, Any]]:
    """More notes of a stage for a client that has only some: these ids (a group's), or
    the ones before an id (scrolling back), at most NOTES_PER_REQUEST, each only if
    this audience may see it."""
    private = private_stage_indexes(workshop)
    query = _note_query(workshop, stage_index)
    if ids is not None:
        query = query.where(Note.id.in_(ids[:NOTES_PER_REQUEST]))
    elif before is not None:
        query = query.where(Note.id < before)
    notes = db.session.scalars(query.order_by(Note.id.desc()).limit(NOTES_PER_REQUEST))
    own_id = participant.id if participant is not None else None
    return [
        note_data(note, mine=own_id is not None and note.participant_id == own_id)
        for note in sorted(notes, key=lambda note: (note.created_at, note.id))
        if visible_to(note, audience, participant, private)
    ]


@in_workshop_language
def stage_view(
    workshop: Workshop, stage_index: int, audience: str, participant: Participant | None = None
) -> dict[str, Any]:
    """One stage as this audience sees it: its notes, groups, vote or ratings."""
    language = workshop.language
    stage = workshop.plan.stages[stage_index]
    state = stage_state(workshop, stage_index)
    groups = clusters_with_notes(workshop) if stage.kind in ("cluster", "vote", "rate") else []
    if audience == "participant":
        notes, total, complete = _phone_notes(workshop, participant, stage_index, groups)
    else:
        (notes, total), complete = _visible_notes(workshop, audience, participant, stage_index), True
    own_id = participant.id if participant is not None else None
    view: dict[str, Any] = {
        "stage": stage_data(stage, stage_index, language, workshop.second_language),
        "notes": [
            note_data(note, mine=own_id is not None and note.participant_id == own_id) for note in notes
        ],
        "note_count": total,
        "notes_complete": complete,
        # How many of the room's notes a phone keeps on its page as more arrive (phone.js).
        "notes_window": PHONE_LATEST_NOTES if audience == "participant" else None,
        "revealed": bool(state and state.revealed),
        "locked": bool(state and state.locked),
        "timer": timer_data(state) if stage_index == workshop.current_stage else None,
    }
    # A single note can be an idea (votes or ratings on notes): its title is its text, so
    # the room sees it only if it may see the note (a private stage not yet revealed).
    shown = _shown_ideas(audience, {note.id for note in notes})
    if stage.kind in ("cluster", "vote", "rate"):
        view["clusters"] = groups
    if stage.kind == "vote":
        view["vote"] = vote_summary(workshop, stage_index, participant)
        view["vote"]["candidates"] = shown(view["vote"]["candidates"])
    if stage.kind == "commit":
        view["commit"] = commit_view(workshop, participant)
    if stage.kind == "rate":
        view["rating"] = {
            "raters": rater_count(workshop, stage_index),
            "candidates": shown(candidates(workshop, stage_index)),
        }
        if audience in ("facilitator", "screen"):
            view["rating"]["matrix"] = shown(matrix(workshop, stage_index))
        if participant is not None:
            view["rating"]["mine"] = my_ratings(participant.id, stage_index)
    return view


def _shown_ideas(audience: str, visible_note_ids: set[int]):
    """A filter for lists of ideas: note ideas only when the audience may see that note."""

    def shown(ideas: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if audience == "facilitator":
            return ideas
        return [idea for idea in ideas if idea.get("type") != "note" or idea["id"] in visible_note_ids]

    return shown


@in_workshop_language
def workshop_state(
    workshop: Workshop, audience: str, participant: Participant | None = None
) -> dict[str, Any]:
    """Everything one client needs to draw its page, as plain JSON data."""
    language = workshop.language
    state: dict[str, Any] = {
        "revision": workshop.revision,
        "audience": audience,
        "personal": participant is not None,
        "workshop": {
            "id": workshop.id,
            "title": workshop.title,
            "code": format_code(workshop.code),
            "language": language,
            "status": workshop.status,
            "join_url": public_links(workshop)["join_url"],
            "review_allowed": workshop.review_allowed,
            "question": workshop.question,
            "group_mark": workshop.plan.text("group_mark", language) or None,
            "second_language": workshop.second_language,
        },
        "spotlight": spotlight_data(workshop, audience, participant),
        "stages": _stage_list(workshop),
        "participant_count": participant_count(workshop),
        "note_max_length": NOTE_MAX_LENGTH,
        **stage_view(workshop, workshop.current_stage, audience, participant),
    }
    if audience == "facilitator":
        state.update(console_counts(workshop))  # note_counts, participation
        state["ranking"] = ranking(workshop)
    elif audience == "screen" and workshop.stage.kind in ("vote", "rate"):
        visible = {note["id"] for note in state["notes"]}
        ideas = ranking(workshop) if workshop.stage.kind == "rate" else None
        state["ranking"] = _shown_ideas(audience, visible)(ideas) if ideas is not None else None
    return state


def _stage_list(workshop: Workshop) -> list[dict[str, Any]]:
    """Every stage in a line, with what moving to it involves: the stages whose notes it
    works on, and whether a private stage's notes are still hidden from the room (the
    console then asks once whether to reveal them on the way)."""
    language = workshop.language
    private = private_stage_indexes(workshop)
    return [
        {
            "index": index,
            "kind": stage.kind,
            "title": stage.text("title", language),
            "sources": source_stage_indexes(workshop, index)
            if stage.kind in ("cluster", "vote", "rate")
            else [],
            "private_pending": index in private,
        }
        for index, stage in enumerate(workshop.plan.stages)
    ]


@in_workshop_language
def personal_view(workshop: Workshop, participant: Participant, stage_index: int) -> dict[str, Any]:
    """What is one phone's own in a stage: its notes (all of them, a private stage's too),
    its dots and what it has left, its ratings. The rest of the room's state is the same
    for every phone and is broadcast once."""
    stage = workshop.plan.stages[stage_index]
    own = db.session.scalars(
        _note_query(workshop, stage_index).where(Note.participant_id == participant.id).order_by(Note.id)
    )
    view: dict[str, Any] = {"stage": stage_index, "notes": [note_data(note, mine=True) for note in own]}
    if stage.kind == "vote":
        view["vote"] = my_vote(workshop, participant, stage_index)
    if stage.kind == "rate":
        view["rating"] = {"mine": my_ratings(participant.id, stage_index)}
    if stage.kind == "commit":
        view["commit"] = {"mine": own_commitment_ids(workshop, participant)}
    return view
