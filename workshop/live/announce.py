"""What a change announces to the room once it is committed.

Features say *what* happened (`changes.everyone()`, `changes.note(...)`); the
assembly of what each audience sees (`workshop.audiences.broadcast`) says *how*,
and is installed by the application factory. So the boundary, and the features
that use it, never import the layer above them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from workshop.live.closing import close_connections

if TYPE_CHECKING:
    from workshop.board.models import Note
    from workshop.core.models import Workshop


class Announcements(Protocol):
    """The broadcasts a committed change can ask for (implemented by audiences.broadcast)."""

    def state_changed(self, workshop: Workshop) -> None: ...

    def note_event(self, workshop: Workshop, event: str, note: Note) -> Callable[[], None]: ...

    def clusters_changed(self, workshop: Workshop) -> None: ...

    def commitments_changed(self, workshop: Workshop) -> None: ...

    def refresh_soon(self, workshop_id: int, what: str) -> None: ...

    def participants_changed(self, workshop: Workshop) -> None: ...

    def timer_changed(self, workshop: Workshop, timer: dict[str, Any] | None) -> None: ...


log = logging.getLogger(__name__)

_installed: list[Announcements] = []


def install_announcements(implementation: Announcements) -> None:
    """Called once by `create_app`: from now on committed changes are broadcast by it."""
    _installed[:] = [implementation]


def announcements() -> Announcements:
    if not _installed:
        raise RuntimeError("no announcements installed: build the app with workshop.create_app()")
    return _installed[0]


@dataclass
class Changes:
    """One unit of work's announcements, sent only after its commit succeeded."""

    workshop: Workshop
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def then(self, send: Callable[[], None]) -> None:
        """Run `send` after the commit (never if the unit of work fails)."""
        self.after_commit.append(send)

    def everyone(self) -> None:
        """Every audience gets its new state (a stage change, a new group …)."""
        workshop = self.workshop
        self.then(lambda: announcements().state_changed(workshop))

    def clusters(self) -> None:
        """The groups changed (and nothing else): every audience gets the new list of
        groups, a fraction of a whole new state."""
        workshop = self.workshop
        self.then(lambda: announcements().clusters_changed(workshop))

    def commitments(self) -> None:
        """The commitments of a commit stage changed: every audience gets the new list."""
        workshop = self.workshop
        self.then(lambda: announcements().commitments_changed(workshop))

    def note(self, event: str, note: Note) -> None:
        """`note_added`, `note_updated` or `note_deleted`, to whoever may see the note.

        Call it once the note is flushed: the message is read now, inside the unit of work.
        """
        self.then(announcements().note_event(self.workshop, event, note))

    def refresh(self, what: str) -> None:
        """A coalesced refresh: `facilitator` or `screen` state, or `vote_progress`."""
        workshop_id = self.workshop.id  # read now: after the commit it would be read again
        self.then(lambda: announcements().refresh_soon(workshop_id, what))

    def participants(self) -> None:
        workshop = self.workshop
        self.then(lambda: announcements().participants_changed(workshop))

    def close(self, sids: list[str], event: str, payload: dict[str, Any] | None = None) -> None:
        """Tell these connections why (`event`) and close them (a deleted workshop, a
        removed participant). Collect the ids before the change deletes their rows."""
        self.then(lambda: close_connections(sids, event, payload))

    def timer(self, timer: dict[str, Any] | None) -> None:
        workshop = self.workshop
        self.then(lambda: announcements().timer_changed(workshop, timer))

    def send(self) -> bool:
        """After the commit: run every announcement, in the order they were asked for.

        The change is committed whatever happens here, so a broadcast that fails (a
        message queue out of reach) is logged and the rest still go out; clients catch
        up with a full state when they reconnect. Returns whether all went out.
        """
        delivered = True
        for send in self.after_commit:
            try:
                send()
            except Exception:
                delivered = False
                log.warning("could not announce a change to workshop %s", self.workshop.id, exc_info=True)
        return delivered
