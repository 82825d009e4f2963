"""Presence: one row per open connection, visible to every server process.

A phone's connection is recorded when it connects, touched by its heartbeat and
forgotten when it disconnects; a crashed process's rows age out after
`ONLINE_WINDOW`, so the console's online count never stays wrong for long.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from workshop.accounts.models import Facilitator
from workshop.core.clock import now
from workshop.core.models import Participant, Workshop
from workshop.extensions import db
from workshop.live.models import LiveConnection

ONLINE_WINDOW = timedelta(minutes=3)


def record_connection(
    sid: str,
    workshop: Workshop,
    audience: str,
    actor: Facilitator | Participant | None,
    login_id: str | None = None,
) -> None:
    """Remember an open connection: who (a participant, a facilitator account, a projector)."""
    db.session.merge(
        LiveConnection(
            sid=sid,
            workshop_id=workshop.id,
            audience=audience,
            participant_id=actor.id if isinstance(actor, Participant) else None,
            login_id=login_id if isinstance(actor, Facilitator) else None,
            connected_at=now(),
            seen_at=now(),
        )
    )
    db.session.flush()


def forget_connection(sid: str) -> int | None:
    """Drop a closed connection; returns its workshop id (to announce the new count)."""
    connection = db.session.get(LiveConnection, sid)
    if connection is None:
        return None
    workshop_id = connection.workshop_id
    db.session.delete(connection)
    db.session.flush()
    return workshop_id


def touch_connection(sid: str) -> None:
    connection = db.session.get(LiveConnection, sid)
    if connection is not None:
        connection.seen_at = now()
        db.session.flush()


def online_participant_ids(workshop: Workshop) -> set[int]:
    """Participants with a connection seen recently (a crashed process's rows age out)."""
    rows = db.session.scalars(
        select(LiveConnection.participant_id)
        .distinct()
        .where(
            LiveConnection.workshop_id == workshop.id,
            LiveConnection.participant_id.is_not(None),
            LiveConnection.seen_at >= now() - ONLINE_WINDOW,
        )
    )
    return {participant_id for participant_id in rows if participant_id is not None}


def touch_participant(participant: Participant) -> None:
    """Remember when a participant's phone was last connected."""
    participant.last_seen_at = now()


def connection_ids(
    workshop_id: int | None = None, participant_id: int | None = None, login_id: str | None = None
) -> list[str]:
    """The Socket.IO ids of open connections of a workshop, a participant or a facilitator's
    login (to close them: a deleted workshop, a removed participant, a logout)."""
    if workshop_id is None and participant_id is None and login_id is None:
        return []
    query = select(LiveConnection.sid)
    if workshop_id is not None:
        query = query.where(LiveConnection.workshop_id == workshop_id)
    if participant_id is not None:
        query = query.where(LiveConnection.participant_id == participant_id)
    if login_id is not None:
        query = query.where(LiveConnection.login_id == login_id)
    return list(db.session.scalars(query))
