"""Broadcasts to a workshop's rooms. Call them only after the change is committed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import current_app

from workshop.audiences.state import workshop_state
from workshop.board.models import Note
from workshop.board.services import note_data
from workshop.clustering.services import clusters_with_notes
from workshop.commitments.services import commit_view
from workshop.core.lookups import participant_count
from workshop.core.models import Workshop
from workshop.core.stages import is_hidden_from_room, visible_to
from workshop.extensions import db, socketio
from workshop.facilitation.counts import console_counts
from workshop.facilitation.spotlight import spotlight_data
from workshop.live import NAMESPACE
from workshop.live.rooms import AUDIENCES, audience_room, participant_room
from workshop.voting.services import voter_count

log = logging.getLogger(__name__)


def emit(event: str, data: Any, room: str) -> None:
    socketio.emit(event, data, to=room, namespace=NAMESPACE)


def note_event(workshop: Workshop, event: str, note: Note) -> Callable[[], None]:
    """Tell everyone allowed to see this note (`visible_to`) that it was added, edited or deleted.

    A private stage's notes go only to the facilitator and to their author until revealed.
    Called inside the unit of work, once the note is flushed: what is said is read now, from
    what is being committed, and the returned function only sends it. So a commit is not
    followed by a transaction reading the note, the workshop and the stage states again.
    """
    payload = {"note": note_data(note), "revision": workshop.revision}
    messages = [(payload, audience_room(workshop.id, "facilitator"))]
    private = {note.stage_index} if is_hidden_from_room(workshop, note.stage_index) else set()
    if visible_to(note, "screen", None, private):
        messages.append((payload, audience_room(workshop.id, "screen")))
        messages.append((payload, audience_room(workshop.id, "participant")))
    elif note.participant_id is not None and note.hidden_at is None:
        own = {"note": note_data(note, mine=True), "revision": workshop.revision}
        messages.append((own, participant_room(note.participant_id)))

    def send() -> None:
        for data, room in messages:
            emit(event, data, room)

    return send


def clusters_changed(workshop: Workshop) -> None:
    """Everyone gets the new groups (titles and note ids: no note's text, so no private note
    leaks) and what is in the spotlight (a group merged or emptied away leaves it); the
    console's ranking follows, coalesced."""
    clusters = clusters_with_notes(workshop)
    for audience in AUDIENCES:
        payload = {
            "clusters": clusters,
            "spotlight": spotlight_data(workshop, audience),
            "revision": workshop.revision,
        }
        emit("clusters_changed", payload, audience_room(workshop.id, audience))
    refresh_soon(workshop.id, "facilitator")


def commitments_changed(workshop: Workshop) -> None:
    """Everyone gets the commitments of the commit stage (what, who as a role, by when,
    indicator: never who proposed one); phones know their own by client id."""
    payload = {**commit_view(workshop), "revision": workshop.revision}
    for audience in AUDIENCES:
        emit("commitments_changed", payload, audience_room(workshop.id, audience))


def state_changed(workshop: Workshop) -> None:
    """Send each audience its new full state, e.g. after a stage change."""
    for audience in ("facilitator", "screen", "participant"):
        emit("state", workshop_state(workshop, audience), audience_room(workshop.id, audience))


def participants_changed(workshop: Workshop) -> None:
    payload = {"count": participant_count(workshop), "revision": workshop.revision}
    emit("participants_changed", payload, audience_room(workshop.id, "facilitator"))
    emit("participants_changed", payload, audience_room(workshop.id, "screen"))


# Coalescing: a vote storm must not flood the room. Updates that only refresh
# counts or the matrix are gathered per workshop and sent at most every
# LIVE_COALESCE_SECONDS (per process; each process relays its own clients).
# Presence (the console's counts) waits at least LIVE_PRESENCE_SECONDS (1 s): it costs
# several counting queries, a room of phones asks for it with every note, and counts that
# move once a second are as fast as anyone reads them (at 20 busy workshops in one
# process, 0.4 s made presence 15 % of the process's time).
_pending: dict[tuple[int, float], set[str]] = {}
_pending_lock = threading.Lock()


def refresh_soon(workshop_id: int, what: str) -> None:
    """Ask for `what` ("facilitator" or "screen" state, "presence", "vote_progress") to be sent soon."""
    app = current_app._get_current_object()
    delay = app.config.get("LIVE_COALESCE_SECONDS", 0.4)
    if not delay:
        _send_refresh(workshop_id, {what})
        return
    if what == "presence":
        delay = max(delay, app.config.get("LIVE_PRESENCE_SECONDS", 1.0))
    with _pending_lock:
        waiting = _pending.setdefault((workshop_id, delay), set())
        first = not waiting
        waiting.add(what)
    if first:
        socketio.start_background_task(_flush_later, app, workshop_id, delay)


def _flush_later(app, workshop_id: int, delay: float) -> None:
    socketio.sleep(delay)
    with _pending_lock:
        what = _pending.pop((workshop_id, delay), set())
    with app.app_context():
        try:
            _send_refresh(workshop_id, what)
        except Exception:  # a background task must never die loudly; the next change resends
            log.exception("coalesced refresh of workshop %s failed", workshop_id)
        finally:
            db.session.remove()


def _send_refresh(workshop_id: int, what: set[str]) -> None:
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        return
    for audience in ("facilitator", "screen"):
        if audience in what:
            emit("state", workshop_state(workshop, audience), audience_room(workshop.id, audience))
    if "presence" in what and "facilitator" not in what:  # a full state already carries it
        emit("presence", presence(workshop), audience_room(workshop.id, "facilitator"))
    if "vote_progress" in what:
        payload = {"voters": voter_count(workshop, workshop.current_stage), "revision": workshop.revision}
        for audience in ("facilitator", "screen", "participant"):
            emit("vote_progress", payload, audience_room(workshop.id, audience))


def presence(workshop: Workshop) -> dict:
    """Who is here and who took part, per stage, and how many notes each stage holds:
    counts only (the console's side panel and stage list).

    Sent when phones connect, leave, post or withdraw a note, coalesced, instead of a whole
    new console state (ranking and all) for every phone that arrives. It is what keeps the
    console's counts moving during a writing stage, where nothing else refreshes them."""
    return {
        "participant_count": participant_count(workshop),
        **console_counts(workshop),  # participation, note_counts
        "revision": workshop.revision,
    }


def timer_changed(workshop: Workshop, timer: dict | None) -> None:
    """Everyone gets the remaining time as measured on the server right now."""
    payload = {"stage": workshop.current_stage, "timer": timer, "revision": workshop.revision}
    for audience in ("facilitator", "screen", "participant"):
        emit("timer", payload, audience_room(workshop.id, audience))
