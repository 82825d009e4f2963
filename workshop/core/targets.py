"""Input given to an idea: which rows point at a group or a note, and their integrity.

Dots and ratings both point at an idea — a group (`cluster`) or a single note —
by type and id. The columns are declared once (`TargetMixin`), and what happens
to that input when a group is merged or deleted is decided here, once, for every
model that uses the mixin: no group can disappear and leave dots or ratings behind.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import CheckConstraint, ForeignKey, String, delete, exists, select, update
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from workshop.extensions import Model, db

TARGET_TYPES = ("cluster", "note")


class TargetMixin:
    """Columns of a row of input (a dot, a rating) by one participant on one idea.

    `kept_on_merge`: when a group is merged into another, this input moves to the
    merged group (dots keep counting) or is dropped (a merged idea is rated again).
    """

    kept_on_merge: bool = True
    # Input limited per participant and idea (dots: the stage's cap). A merge may exceed it.
    capped: bool = False

    stage_index: Mapped[int]
    target_type: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[int]

    @declared_attr
    def workshop_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def participant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)


def target_type_check() -> CheckConstraint:
    """The check constraint each input table declares in its `__table_args__`."""
    return CheckConstraint("target_type IN ('cluster', 'note')", name="target_type")


def input_models() -> list[type[TargetMixin]]:
    """Every mapped model that records input on ideas (dots, ratings, …)."""
    return sorted(
        (mapper.class_ for mapper in Model.registry.mappers if issubclass(mapper.class_, TargetMixin)),
        key=lambda model: model.__name__,
    )


def has_input(target_type: str, target_id: int) -> bool:
    """Whether any dot, rating … points at this idea."""
    return any(
        db.session.scalar(
            select(exists().where(model.target_type == target_type, model.target_id == target_id))
        )
        for model in input_models()
    )


def drop_input(target_type: str, target_id: int) -> None:
    """Delete every input on an idea that is going away (its dots go back to the voters)."""
    for model in input_models():
        db.session.execute(
            delete(model).where(model.target_type == target_type, model.target_id == target_id)
        )


def move_input(
    target_type: str, source_id: int, target_id: int, cap_of_stage: Callable[[int], int | None] | None = None
) -> int:
    """An idea merged into another: input that survives a merge moves, the rest is dropped.

    Where one participant then has more than the stage's cap on the merged idea
    (`cap_of_stage(stage_index)`), the newest extra rows are deleted: those dots go
    back to their voters. Returns how many were given back.
    """
    returned = 0
    for model in input_models():
        where = (model.target_type == target_type, model.target_id == source_id)
        if not model.kept_on_merge:
            db.session.execute(delete(model).where(*where))
            continue
        db.session.execute(update(model).where(*where).values(target_id=target_id))
        if model.capped and cap_of_stage is not None:
            returned += _return_over_cap(model, target_type, target_id, cap_of_stage)
    return returned


def _return_over_cap(
    model: type[TargetMixin], target_type: str, target_id: int, cap_of_stage: Callable[[int], int | None]
) -> int:
    rows = db.session.execute(
        select(model.id, model.participant_id, model.stage_index)  # type: ignore[attr-defined]
        .where(model.target_type == target_type, model.target_id == target_id)
        .order_by(model.id)  # type: ignore[attr-defined]
    ).all()
    seen: dict[tuple[int, int], int] = {}
    over: list[int] = []
    for row_id, participant_id, stage_index in rows:
        key = (participant_id, stage_index)
        seen[key] = seen.get(key, 0) + 1
        cap = cap_of_stage(stage_index)
        if cap is not None and seen[key] > cap:
            over.append(row_id)
    if over:
        db.session.execute(delete(model).where(model.id.in_(over)))  # type: ignore[attr-defined]
    return len(over)
