"""The full state a client receives on (re)connect and on stage changes.

Each audience sees what it may: the facilitator sees every note of the
stage; the projector and the phones see nothing of a private stage but the
count; a phone sees its own notes of a private stage. Nothing says who wrote
a note unless its author signed it with a name.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request

from workshop.board.services import note_counts_by_stage, note_data, stage_notes
from workshop.config import NOTE_MAX_LENGTH
from workshop.plans import Stage
from workshop.workshops.models import Participant, Workshop
from workshop.workshops.services import format_code, participant_count


def stage_data(stage: Stage, index: int, language: str) -> dict[str, Any]:
    return {
        "index": index,
        "id": stage.id,
        "kind": stage.kind,
        "title": stage.text("title", language),
        "prompt": stage.text("prompt", language),
        "minutes": stage.minutes,
        "private": stage.private,
        "lanes": [{"key": lane.key, "label": lane.label.get(language, lane.key)}
                  for lane in stage.lanes],
        "dots": stage.dots,
        "cap": stage.cap,
        "axes": [{"key": axis.key, "label": axis.label.get(language, axis.key)}
                 for axis in stage.axes],
    }


def public_links(workshop: Workshop) -> dict[str, str]:
    """Absolute links built from WORKSHOP_BASE_URL (the CLI has no request to build from)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    if has_request_context() and not current_app.config.get("BASE_URL_FROM_ENVIRONMENT"):
        # Not configured: use the address the facilitator's browser reached us at, so a
        # laptop serving on the local network prints a QR code phones can open.
        base = request.host_url.rstrip("/")
    # A URL adapter bound to no host builds paths without a request (CLI, tests).
    paths = current_app.url_map.bind("")
    return {
        "join_url": base + paths.build("workshops.join_by_link", {"code": workshop.code}),
        "facilitator_url": base + paths.build("workshops.facilitate",
                                              {"workshop_id": workshop.id}),
        "screen_url": base + paths.build("workshops.screen", {"token": workshop.screen_token}),
    }


def workshop_state(workshop: Workshop, audience: str,
                   participant: Participant | None = None) -> dict[str, Any]:
    """Everything one client needs to draw its page, as plain JSON data."""
    language = workshop.language
    stage = workshop.stage
    index = workshop.current_stage
    all_notes = stage_notes(workshop, index) if stage.accepts_notes else []
    hidden = stage.private and audience != "facilitator"
    if hidden:
        visible = [note for note in all_notes
                   if participant is not None and note.participant_id == participant.id]
    else:
        visible = all_notes
    own_id = participant.id if participant is not None else None
    state: dict[str, Any] = {
        "revision": workshop.revision,
        "audience": audience,
        "workshop": {
            "id": workshop.id,
            "title": workshop.title,
            "code": format_code(workshop.code),
            "language": language,
            "status": workshop.status,
            "join_url": public_links(workshop)["join_url"],
        },
        "stage": stage_data(stage, index, language),
        "stages": [{"index": i, "kind": s.kind, "title": s.text("title", language)}
                   for i, s in enumerate(workshop.plan.stages)],
        "notes": [note_data(note, mine=own_id is not None and note.participant_id == own_id)
                  for note in visible],
        "note_count": len(all_notes),
        "participant_count": participant_count(workshop),
        "note_max_length": NOTE_MAX_LENGTH,
    }
    if audience == "facilitator":
        state["note_counts"] = {str(k): v for k, v in note_counts_by_stage(workshop).items()}
    return state
