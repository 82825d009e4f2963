"""The Socket.IO boundary features register their events through: `live_event`.

Clients connect to the `/live` namespace with ``auth = {workshop, audience}``
(plus ``token`` for a projector). Who they are comes from the server side:
the facilitator's login, or the participant token the join page put in the
signed session cookie (`JOINED_KEY`). A connection is refused when they do not
match; every event rebuilds its context from the database, so a participant
removed or a workshop deleted meanwhile is refused at once.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from limits import RateLimitItem
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from workshop.accounts.models import Facilitator
from workshop.core.checks import identifier
from workshop.core.lookups import (
    get_workshop,
    participant_for_token,
    workshop_for_screen,
    workshop_with_participant,
)
from workshop.core.models import Participant
from workshop.database import commit_with_retries
from workshop.errors import DomainError, InvalidInput, NotAllowed, RateLimited
from workshop.extensions import db, limiter, socketio
from workshop.i18n import use_page_language
from workshop.live import NAMESPACE
from workshop.live.announce import Changes
from workshop.live.rooms import AUDIENCES

log = logging.getLogger(__name__)

JOINED_KEY = "joined"  # session cookie: {workshop id: participant token}


@dataclass
class LiveContext(Changes):
    """Who is on this connection, and what to broadcast once the change is committed."""

    audience: str = "participant"
    actor: Facilitator | Participant | None = None

    @property
    def participant(self) -> Participant | None:
        return self.actor if isinstance(self.actor, Participant) else None


def resolve_connection(workshop_id: Any, audience: Any, token: Any) -> LiveContext:
    """Who is connecting, from what the client says and what the server knows.

    Raises InvalidInput, NotFound or NotAllowed: the connection is then refused.
    """
    if audience not in AUDIENCES:
        raise InvalidInput(_("Unknown audience."))
    workshop = get_workshop(identifier(workshop_id, _l("Which workshop?")))
    if audience != "facilitator":
        use_page_language(workshop.language)
    if audience == "facilitator":
        if not current_user.is_authenticated:
            raise NotAllowed(_("Log in as a facilitator."))
        return LiveContext(workshop, audience=audience, actor=current_user._get_current_object())
    if audience == "screen":
        if workshop_for_screen(token if isinstance(token, str) else "").id != workshop.id:
            raise NotAllowed(_("This projector link is not valid."))
        return LiveContext(workshop, audience=audience, actor=None)
    participant = participant_for_token(workshop, session.get(JOINED_KEY, {}).get(str(workshop.id)))
    if participant is None or participant.removed_at is not None:
        raise NotAllowed(_("Join the workshop first."))
    return LiveContext(workshop, audience=audience, actor=participant)


def remember_connection(context: LiveContext, token: Any = None) -> None:
    """Keep who this connection is in its Socket.IO session, for `current_context`."""
    participant = context.participant
    session["live"] = {
        "workshop": context.workshop.id,
        "audience": context.audience,
        "participant": participant.id if participant else None,
        "token": token if context.audience == "screen" else None,
    }


def current_context() -> LiveContext:
    """Rebuild the connection's context for an event (fresh from the database)."""
    live = session.get("live")
    if not live:
        raise NotAllowed(_("Not connected to a workshop."))
    audience = live["audience"]
    actor: Facilitator | Participant | None = None
    if audience == "participant":  # most events: the two rows in one statement
        workshop, actor = workshop_with_participant(live["workshop"], live["participant"])
    else:
        workshop = get_workshop(live["workshop"])
    if audience != "facilitator":
        use_page_language(workshop.language)
    if audience == "facilitator":
        # The login is checked again on every event: logging out revokes it (accounts).
        if not current_user.is_authenticated:
            raise NotAllowed(_("Log in as a facilitator."))
        actor = current_user._get_current_object()
    elif audience == "screen":
        if live.get("token") != workshop.screen_token:
            raise NotAllowed(_("This projector link is not valid."))
    elif actor is None or actor.removed_at is not None:
        raise NotAllowed(_("You are no longer part of this workshop."))
    return LiveContext(workshop, audience=audience, actor=actor)


def everyone(context: LiveContext) -> None:
    """A `then=` for `live_event`: every audience gets its new state after the commit."""
    context.everyone()


Handler = Callable[[LiveContext, dict], dict]


def live_event(
    name: str,
    limit: str | Callable[[], str] | None = None,
    then: Callable[[LiveContext], None] | None = None,
    writes: bool = True,
):
    """Register a Socket.IO event handler behind the one boundary.

    The handler gets the connection's context and the payload (always a dict)
    and returns the acknowledgement data. This wrapper commits (retrying the
    whole handler when a concurrent writer locked the database), then runs the
    broadcasts the handler queued with ``context.then`` or the boundary's
    ``then`` (e.g. `everyone`); a DomainError rolls back and becomes
    ``{"ok": false, "error", "message"}``; any other error rolls back and is
    logged, and the client is told to retry (``"server"``). ``limit`` is a rate
    per actor ("30/minute"), or a function returning one (read from the app's
    settings); past it the ack is ``"rate_limited"`` with ``retry_after`` seconds.
    `writes=False` marks an event that only reads (`sync`): it does not queue behind writers.
    """

    def decorate(handler: Handler):
        @functools.wraps(handler)
        def boundary(payload: Any = None) -> dict:
            contexts: list[LiveContext] = []  # one per attempt; the last one committed

            def attempt() -> dict:
                # Read inside the unit of work: what was read before it would be expired by
                # its opening rollback and read again (twice the look-ups per note).
                context = current_context()
                contexts.append(context)
                ack = handler(context, payload)
                if then is not None:
                    then(context)
                return ack

            try:
                if payload is None:
                    payload = {}
                if not isinstance(payload, dict):
                    raise InvalidInput(_("Malformed message."))
                if limit is not None:
                    ensure_within_rate(_parse_limit(limit() if callable(limit) else limit), name, rate_key())
                ack = commit_with_retries(attempt, writes=writes)
            except DomainError as error:
                db.session.rollback()
                return error.to_ack()
            except Exception:
                db.session.rollback()
                log.exception("live event %s failed", name)
                return {
                    "ok": False,
                    "error": "server",
                    "message": _("The server could not save this; it will be retried."),
                }
            contexts[-1].send()
            return {"ok": True, **ack}

        socketio.on_event(name, boundary, namespace=NAMESPACE)
        return boundary

    return decorate


def rate_key() -> str:
    """Whom a connection's events are counted against, from its Socket.IO session alone
    (no database read): the participant's id, or "f" and the facilitator's id."""
    live = session.get("live")
    if not live:
        raise NotAllowed(_("Not connected to a workshop."))
    if live["audience"] == "participant":
        return str(live["participant"])
    if live["audience"] == "facilitator" and current_user.is_authenticated:
        return f"f{current_user.id}"
    return "f0"


def ensure_within_rate(rate: RateLimitItem, name: str, who: str) -> None:
    """Count one `name` event for `who` (`rate_key`); raises RateLimited.

    The counters live where Flask-Limiter keeps its own (Redis with several processes);
    when that storage cannot be reached, this process's memory takes over (with a
    warning in the log) instead of refusing every event.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    keys = ("live", name, who)
    try:
        allowed = limiter.limiter.hit(rate, *keys)
        reset_at = limiter.limiter.get_window_stats(rate, *keys).reset_time if not allowed else 0
    except Exception:
        log.warning("rate-limit storage unreachable; counting in this process's memory", exc_info=True)
        allowed = _fallback_limiter.hit(rate, *keys)
        reset_at = _fallback_limiter.get_window_stats(rate, *keys).reset_time if not allowed else 0
    if not allowed:
        raise RateLimited(
            _("Too many messages at once; wait a moment."), retry_after=math.ceil(reset_at - time.time())
        )


_fallback_limiter = FixedWindowRateLimiter(MemoryStorage())
_parse_limit = functools.lru_cache(maxsize=64)(parse_limit)
