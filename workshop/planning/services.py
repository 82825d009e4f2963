"""Editing a workshop's plan: one service, `edit_plan`, used by the editor's pages and tests.

The edited plan is validated by the plan loader (`plan_from_data`, the one schema of
files, snapshots and the editor), then by what only a running workshop knows: a stage
that already holds input (notes, groups, dots, ratings, commitments) keeps its id and
kind and cannot be removed; the current stage cannot be removed. Input is stored by
stage position, so when stages move, every row follows its stage. Each edit is kept in
the plan's history (`PlanChange`) with a summary of what changed and both plans.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import case, delete, func, select, update

from workshop.accounts.models import Facilitator
from workshop.board.models import Note
from workshop.clustering.models import Cluster
from workshop.commitments.models import Commitment
from workshop.core.actors import Actor, ensure_facilitator, ensure_open
from workshop.core.clock import now
from workshop.core.models import StageState, Workshop
from workshop.core.stages import stage_state
from workshop.errors import InvalidInput
from workshop.extensions import db
from workshop.planning.messages import plan_error_detail, plan_error_message
from workshop.planning.models import PlanChange
from workshop.plans import Plan, PlanError, Stage, plan_from_data
from workshop.rating.models import Rating
from workshop.voting.models import Dot

# Every table that records input in a stage (by its position in the plan), with the
# word a refusal uses for it. StageState is not input (reveal, lock, timer): it moves
# with its stage, and goes with a removed stage.
INPUT_TABLES: tuple[tuple[str, Any], ...] = (
    ("notes", Note),
    ("groups", Cluster),
    ("dots", Dot),
    ("ratings", Rating),
    ("commitments", Commitment),
)
STAGE_TABLES = (*(model for _name, model in INPUT_TABLES), StageState)
# Positions are moved in two steps (out of the way, then into place) so that unique
# constraints on (workshop, stage) never see two rows at one position on the way.
_OUT_OF_THE_WAY = 100_000


class PlanRefused(InvalidInput):
    """An edit the plan cannot take. Says where, for the editor to show beside the field:
    `stage` (number in the edited plan, from 1; None for the plan or a stage no longer in
    it), `part` ("axis 2"), `field`; `detail` is the message without where, and
    `plan_error` the loader's error when the loader refused it (same message as a file)."""

    def __init__(
        self,
        message: str,
        detail: str | None = None,
        stage: int | None = None,
        field: str | None = None,
        part: str | None = None,
        plan_error: PlanError | None = None,
    ):
        super().__init__(message)
        self.detail = detail if detail is not None else self.message
        self.stage = stage
        self.field = field
        self.part = part
        self.plan_error = plan_error

    @classmethod
    def from_plan_error(cls, error: PlanError) -> PlanRefused:
        return cls(
            plan_error_message(error),
            plan_error_detail(error),
            stage=error.stage,
            field=error.field,
            part=error.part,
            plan_error=error,
        )


def stage_input(workshop: Workshop) -> dict[int, Counter[str]]:
    """What each stage holds, by position: {stage: Counter(notes=3, dots=5 …)}. A deleted
    note or commitment still counts: the record keeps its row where it was written."""
    held: dict[int, Counter[str]] = {}
    for name, model in INPUT_TABLES:
        rows = db.session.execute(
            select(model.stage_index, func.count())
            .where(model.workshop_id == workshop.id)
            .group_by(model.stage_index)
        )
        for stage_index, count in rows:
            held.setdefault(stage_index, Counter())[name] += count
    return held


def describe_input(held: Counter[str]) -> str:
    """«3 notes, 5 dots»: what a stage holds, in words."""
    words = {
        "notes": lambda n: ngettext("%(num)d note", "%(num)d notes", n),
        "groups": lambda n: ngettext("%(num)d group", "%(num)d groups", n),
        "dots": lambda n: ngettext("%(num)d dot", "%(num)d dots", n),
        "ratings": lambda n: ngettext("%(num)d rating", "%(num)d ratings", n),
        "commitments": lambda n: ngettext("%(num)d commitment", "%(num)d commitments", n),
    }
    return ", ".join(words[name](held[name]) for name, _model in INPUT_TABLES if held[name])


def edit_plan(
    workshop: Workshop, actor: Actor, new_data: Any, expected_version: int | None = None
) -> PlanChange | None:
    """Replace the workshop's plan by `new_data` (the whole plan, as a plan file's data).

    Facilitator only, while the workshop is open. `expected_version` (the plan version the
    editor showed) refuses an edit made on a plan someone else changed meanwhile.
    Stores the new snapshot, moves stored input with its stages, bumps `plan_version` and
    `revision`, and records the change; returns it (None when nothing changed).
    Raises NotAllowed, or PlanRefused (an InvalidInput) saying which stage and field.
    """
    facilitator = ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    if expected_version is not None and expected_version != workshop.plan_version:
        raise PlanRefused(
            _("Someone saved this plan meanwhile: reload the editor to see their changes, then edit again.")
        )
    try:
        plan = plan_from_data(new_data, workshop.plan_slug)
    except PlanError as error:
        raise PlanRefused.from_plan_error(error) from None
    old = workshop.plan
    _check_running_workshop(workshop, old, plan)
    previous, data = workshop.plan_data, plan.to_data()
    summary = plan_diff(previous, data)
    if not summary:
        return None
    _move_stage_rows(workshop, old, plan)
    workshop.current_stage = _positions(old, plan)[workshop.current_stage]
    workshop.plan_data = data
    workshop.plan_version += 1
    workshop.bump()
    change = PlanChange(
        workshop_id=workshop.id,
        changed_at=now(),
        facilitator_id=facilitator.id,
        changed_by=facilitator.email,
        plan_version=workshop.plan_version,
        summary=summary,
        previous_data=previous,
        new_data=data,
    )
    db.session.add(change)
    db.session.flush()
    return change


def _positions(old: Plan, new: Plan) -> dict[int, int]:
    """Old position → new position, for the stages the new plan keeps (matched by id)."""
    new_index = {stage.id: index for index, stage in enumerate(new.stages)}
    return {index: new_index[stage.id] for index, stage in enumerate(old.stages) if stage.id in new_index}


def _refuse(message: str, new: Plan, stage_id: str | None = None, field: str | None = None) -> PlanRefused:
    """A refusal located at a stage of the edited plan (by id) and a field."""
    number = next((n for n, s in enumerate(new.stages, start=1) if s.id == stage_id), None)
    if number is None:
        return PlanRefused(message)
    where = _("Stage %(number)d (%(id)s)", number=number, id=stage_id)
    return PlanRefused(f"{where}: {message}", message, stage=number, field=field)


def _check_running_workshop(workshop: Workshop, old: Plan, new: Plan) -> None:
    """The rules the loader cannot know: what this workshop already holds."""
    if workshop.language not in new.languages:
        raise PlanRefused(
            _("The workshop runs in %(language)s: the plan must keep its texts.", language=workshop.language),
            field="languages",
        )
    kept = {stage.id: stage for stage in new.stages}
    current = old.stages[workshop.current_stage]
    if current.id not in kept:
        raise PlanRefused(
            _(
                "Stage «%(title)s» is the one the room is on: it cannot be removed, and its id "
                "cannot change. Move the room to another stage first.",
                title=current.text("title", workshop.language),
            )
        )
    held = stage_input(workshop)
    for index, stage in enumerate(old.stages):
        if not held.get(index):
            continue
        what = describe_input(held[index])
        title = stage.text("title", workshop.language)
        edited = kept.get(stage.id)
        if edited is None:
            raise PlanRefused(
                _(
                    "Stage «%(title)s» already holds input (%(what)s): it cannot be removed, "
                    "and its id cannot change.",
                    title=title,
                    what=what,
                )
            )
        if edited.kind != stage.kind:
            raise _refuse(
                _(
                    "this stage already holds input (%(what)s): it cannot change kind.",
                    what=what,
                ),
                new,
                stage.id,
                "kind",
            )
        _check_stage_with_input(workshop, index, stage, edited, held[index], new)


def _check_stage_with_input(
    workshop: Workshop, index: int, stage: Stage, edited: Stage, held: Counter[str], new: Plan
) -> None:
    """A stage with input may change its texts and numbers, not what its input means."""
    if held["notes"] and stage.private and not edited.private:
        state = stage_state(workshop, index)
        if not (state and state.revealed):
            raise _refuse(
                _(
                    "its notes were written in private: reveal them from the console instead "
                    "of turning private writing off."
                ),
                new,
                stage.id,
                "private",
            )
    if held["notes"]:
        used: set[str] = set(
            lane
            for lane in db.session.scalars(
                select(Note.lane).where(
                    Note.workshop_id == workshop.id, Note.stage_index == index, Note.lane.is_not(None)
                )
            )
            if lane is not None
        )
        missing = sorted(used - {lane.key for lane in edited.lanes})
        if missing:
            raise _refuse(
                _(
                    "notes were written in lane(s) %(lanes)s: choose lanes that keep them.",
                    lanes=", ".join(missing),
                ),
                new,
                stage.id,
                "lanes",
            )
    if (held["dots"] or held["ratings"]) and edited.target != stage.target:
        raise _refuse(
            _("this stage already holds dots or ratings: what is voted on cannot change."),
            new,
            stage.id,
            "target",
        )


def _move_stage_rows(workshop: Workshop, old: Plan, new: Plan) -> None:
    """Every row stored by stage position follows its stage; a removed stage's state goes."""
    positions = _positions(old, new)
    removed = [index for index in range(len(old.stages)) if index not in positions]
    if removed:
        db.session.execute(
            delete(StageState).where(
                StageState.workshop_id == workshop.id, StageState.stage_index.in_(removed)
            )
        )
    moves = {before: after for before, after in positions.items() if before != after}
    if not moves:
        return
    for model in STAGE_TABLES:
        where = (model.workshop_id == workshop.id, model.stage_index.in_(list(moves)))
        db.session.execute(
            update(model)
            .where(*where)
            .values(stage_index=case(moves, value=model.stage_index) + _OUT_OF_THE_WAY)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(model)
            .where(model.workshop_id == workshop.id, model.stage_index >= _OUT_OF_THE_WAY)
            .values(stage_index=model.stage_index - _OUT_OF_THE_WAY)
            .execution_options(synchronize_session=False)
        )
    db.session.expire_all()


# --- What changed ------------------------------------------------------------------------

TRANSLATED = ("title", "prompt", "description", "question", "label", "low", "high")


def _texts(value: Any, languages: list[str]) -> dict[str, str]:
    """A translated text as a table by language (a plain string means every language)."""
    if isinstance(value, str):
        return {language: value for language in languages}
    return dict(value) if isinstance(value, dict) else {}


def _compare(
    old: dict[str, Any], new: dict[str, Any], languages: list[str], base: dict[str, Any]
) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    for name in sorted(set(old) | set(new)):
        if name in ("id", "stages", "slug") or old.get(name) == new.get(name):
            continue
        if name in TRANSLATED:
            before, after = _texts(old.get(name), languages), _texts(new.get(name), languages)
            for language in sorted(set(before) | set(after)):
                if before.get(language) != after.get(language):
                    changes.append(
                        {
                            **base,
                            "field": name,
                            "language": language,
                            "from": before.get(language),
                            "to": after.get(language),
                        }
                    )
        elif name == "axes" and isinstance(old.get(name), list) and isinstance(new.get(name), list):
            for number, (before, after) in enumerate(zip(old[name], new[name], strict=False), start=1):
                changes += _compare(before, after, languages, {**base, "axis": number})
        else:
            changes.append({**base, "field": name, "from": old.get(name), "to": new.get(name)})
    return changes


def plan_diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two plans' data: stages added, removed and moved, and each
    field (each language of a text) changed from → to. Structured, translated when shown."""
    languages = list(new.get("languages") or ["es", "en"])
    changes = _compare(old, new, languages, {"change": "plan"})
    old_stages = {stage["id"]: stage for stage in old.get("stages", [])}
    new_stages = {stage["id"]: stage for stage in new.get("stages", [])}

    def title(stage: dict[str, Any]) -> str:
        texts = _texts(stage.get("title"), languages)
        return texts.get(languages[0]) or next(iter(texts.values()), stage["id"])

    for stage_id, stage in old_stages.items():
        if stage_id not in new_stages:
            changes.append({"change": "removed", "stage": stage_id, "title": title(stage)})
    order = [stage_id for stage_id in new_stages if stage_id in old_stages]
    old_order = [stage_id for stage_id in old_stages if stage_id in new_stages]
    new_positions = {stage_id: number for number, stage_id in enumerate(new_stages, start=1)}
    old_positions = {stage_id: number for number, stage_id in enumerate(old_stages, start=1)}
    for stage_id, stage in new_stages.items():
        if stage_id not in old_stages:
            changes.append(
                {"change": "added", "stage": stage_id, "title": title(stage), "to": new_positions[stage_id]}
            )
            continue
        if order.index(stage_id) != old_order.index(stage_id):
            changes.append(
                {
                    "change": "moved",
                    "stage": stage_id,
                    "title": title(stage),
                    "from": old_positions[stage_id],
                    "to": new_positions[stage_id],
                }
            )
        base = {"change": "field", "stage": stage_id, "title": title(stage)}
        changes += _compare(old_stages[stage_id], stage, languages, base)
    return changes


def plan_history(workshop: Workshop) -> list[PlanChange]:
    """The workshop's plan edits, oldest first."""
    return list(
        db.session.scalars(
            select(PlanChange).where(PlanChange.workshop_id == workshop.id).order_by(PlanChange.id)
        )
    )


def facilitator_label(change: PlanChange) -> str:
    """Who made a change: the account's e-mail as it was then."""
    account = db.session.get(Facilitator, change.facilitator_id) if change.facilitator_id else None
    return account.email if account is not None else change.changed_by
