"""The central entities every feature works on: a workshop, its participants, the state of
each of its stages. Features own their own tables; these are the ones they all share."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    String,
    UniqueConstraint,
    false,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship
from sqlalchemy.orm.attributes import set_committed_value

from workshop.config import QUESTION_MAX_LENGTH
from workshop.extensions import NEVER_REUSE_IDS, Model
from workshop.plans import Plan, Stage, plan_from_data

if TYPE_CHECKING:
    from workshop.accounts.models import Facilitator


# database, workshop id, plan version, plan slug
_PlanKey = tuple[str, int, int, str]


class _PlanCache:
    """A small least-recently-used map of parsed plans, shared by the process's threads."""

    def __init__(self, size: int = 512):
        self.size = size
        self.plans: OrderedDict[_PlanKey, Plan] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: _PlanKey) -> Plan | None:
        with self.lock:
            plan = self.plans.get(key)
            if plan is not None:
                self.plans.move_to_end(key)
            return plan

    def put(self, key: _PlanKey, plan: Plan) -> None:
        with self.lock:
            self.plans[key] = plan
            while len(self.plans) > self.size:
                self.plans.popitem(last=False)


_parsed_plans = _PlanCache()


class Workshop(Model):
    """One run of a session plan with a group of participants.

    The plan is stored as a snapshot so the record of what was asked stays true
    even if the plan file changes later. `revision` grows with every change so
    clients can tell whether their copy is current.
    """

    __tablename__ = "workshop"
    __table_args__ = (
        CheckConstraint("language IN ('es', 'en')", name="language"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("current_stage >= 0", name="current_stage"),
        CheckConstraint(f"length(question) BETWEEN 1 AND {QUESTION_MAX_LENGTH}", name="question"),
        CheckConstraint("spotlight_type IN ('cluster', 'note')", name="spotlight_type"),
        CheckConstraint("(spotlight_type IS NULL) = (spotlight_id IS NULL)", name="spotlight"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    screen_token: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    place: Mapped[str | None] = mapped_column(String(200))
    held_on: Mapped[date | None]
    plan_slug: Mapped[str] = mapped_column(String(64))
    # Loaded only when the parsed plan is not cached (see `plan`): every event loads the
    # workshop, and decoding its plan each time was a tenth of a busy server's work.
    plan_data: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    # Grows when the plan snapshot is edited, so cached parsed plans are never stale.
    plan_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The smallest group a breakdown by profile may show (workshop.profiles.floor).
    anonymity_floor: Mapped[int] = mapped_column(default=3, server_default="3")
    owner_id: Mapped[int] = mapped_column(ForeignKey("facilitator.id"))
    current_stage: Mapped[int] = mapped_column(default=0)
    revision: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="open")
    review_allowed: Mapped[bool] = mapped_column(default=False, server_default=false())
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # The challenge question ("¿Cómo podríamos…?") the workshop works on, in its own words.
    question: Mapped[str | None] = mapped_column(String(QUESTION_MAX_LENGTH))
    # The idea the facilitator points the room at (a group or a note), until released.
    # Stored here, not in a process's memory: every server process must show the same.
    spotlight_type: Mapped[str | None] = mapped_column(String(8))
    spotlight_id: Mapped[int | None]
    # Prompts shown twice: under each stage's text in `language`, its text in this one
    # (one of the plan's prompt languages, e.g. "gn"), where the plan has it.
    second_language: Mapped[str | None] = mapped_column(String(3))

    owner: Mapped[Facilitator] = relationship()

    @property
    def plan(self) -> Plan:
        """The plan as run, parsed once per process and plan version (a snapshot only
        changes with `plan_version`)."""
        session = object_session(self)
        if session is None or self.id is None:  # not stored yet: nothing to key a cache on
            return plan_from_data(self.plan_data, self.plan_slug)
        key = (str(session.get_bind().engine.url), self.id, self.plan_version, self.plan_slug)
        plan = _parsed_plans.get(key)
        if plan is None:
            plan = plan_from_data(self.plan_data, self.plan_slug)
            _parsed_plans.put(key, plan)
        return plan

    @property
    def stage(self) -> Stage:
        return self.plan.stages[self.current_stage]

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def release_spotlight(self, target_type: str | None = None, target_id: int | None = None) -> bool:
        """Take the spotlight off the room: whatever it shows, or only this item (a note
        or group going away). Returns whether it was on (the caller then broadcasts)."""
        if self.spotlight_type is None:
            return False
        if target_type is not None and (self.spotlight_type, self.spotlight_id) != (target_type, target_id):
            return False
        self.spotlight_type = None
        self.spotlight_id = None
        return True

    def bump(self) -> None:
        """Mark a change that is broadcast as a new state or note event: clients compare
        revisions to know which of two states is newer.

        The increment happens in the database (`revision = revision + 1`), so two writers
        racing on PostgreSQL never produce the same revision, and at once, returning the
        new value: a broadcast then reads it without a query (a note costs one statement
        fewer). The row is held from here to the commit, so call it as the unit of work's
        last step. Changes that are not ordered against states (dots, ratings, joins) do
        not bump.
        """
        session = object_session(self)
        assert session is not None and self.id is not None, "bump a stored workshop"
        increment = update(Workshop).where(Workshop.id == self.id).values(revision=Workshop.revision + 1)
        connection = session.connection()  # Core, not the ORM's bulk update: nothing to synchronise
        if connection.dialect.update_returning:
            revision = connection.execute(increment.returning(Workshop.revision)).scalar_one()
        else:  # SQLite before 3.35
            connection.execute(increment)
            revision = connection.execute(
                select(Workshop.revision).where(Workshop.id == self.id)
            ).scalar_one()
        set_committed_value(self, "revision", revision)


class Participant(Model):
    """Someone who joined from a phone. No account: a random token in their cookie."""

    __tablename__ = "participant"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(40))
    joined_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_seen_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]


class StageState(Model):
    """What the facilitator has done to one stage of one workshop.

    The timer is stored as facts on the server clock (when it ends, or how much
    was left when paused); clients get the remaining milliseconds, so a phone
    whose clock is wrong still counts down right.
    """

    __tablename__ = "stage_state"
    __table_args__ = (
        UniqueConstraint("workshop_id", "stage_index", name="uq_stage_state_stage"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    stage_index: Mapped[int]
    revealed: Mapped[bool] = mapped_column(default=False)
    revealed_at: Mapped[datetime | None]
    locked: Mapped[bool] = mapped_column(default=False)
    votes_closed: Mapped[bool] = mapped_column(default=False)
    timer_ends_at: Mapped[datetime | None]
    timer_paused_ms: Mapped[int | None]
