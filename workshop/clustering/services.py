"""Clustering operations: group, add to a cluster, ungroup, rename, merge, dissolve.

The facilitator clusters during a cluster stage. When the plan lets them
(`participants_propose`), participants may group and add notes too; their
clusters are marked as proposals.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from workshop.accounts.models import Facilitator
from workshop.board.models import Note
from workshop.clustering.models import CLUSTER_TITLE_MAX_LENGTH, Cluster
from workshop.core import targets
from workshop.core.actors import Actor, ensure_facilitator, ensure_open, ensure_participant
from workshop.core.checks import flag, identifier, identifiers
from workshop.core.models import Participant, Workshop
from workshop.core.stages import ensure_stage_takes_input
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.plans import Stage
from workshop.suggestions import NoteText, suggest_groups

MAX_NOTES_PER_ACTION = 200


def source_stage_indexes(workshop: Workshop, stage_index: int) -> list[int]:
    """The write stages whose notes a cluster, vote or rate stage works on."""
    stages = workshop.plan.stages
    stage = stages[stage_index]
    if stage.notes_from:
        wanted = set(stage.notes_from)
        return [i for i, s in enumerate(stages) if s.id in wanted]
    return [i for i, s in enumerate(stages[:stage_index]) if s.kind == "write"]


def clusterable_notes(workshop: Workshop, stage_index: int) -> list[Note]:
    """Live, visible notes of the source stages, oldest first."""
    sources = source_stage_indexes(workshop, stage_index)
    if not sources:
        return []
    return list(
        db.session.scalars(
            select(Note)
            .where(
                Note.workshop_id == workshop.id,
                Note.stage_index.in_(sources),
                Note.deleted_at.is_(None),
                Note.hidden_at.is_(None),
            )
            .order_by(Note.created_at, Note.id)
        )
    )


def workshop_clusters(workshop: Workshop) -> list[Cluster]:
    return list(
        db.session.scalars(
            select(Cluster).where(Cluster.workshop_id == workshop.id).order_by(Cluster.created_at, Cluster.id)
        )
    )


def _cluster_stage(workshop: Workshop, actor: Actor, proposing: bool = False) -> Stage:
    """The current stage, if it is an open cluster stage this actor may work in."""
    stage = workshop.stage
    if stage.kind != "cluster":
        raise NotAllowed(_("Notes are grouped during a clustering stage."))
    ensure_stage_takes_input(workshop, workshop.current_stage)
    if isinstance(actor, Facilitator):
        return stage
    if isinstance(actor, Participant) and proposing and stage.participants_propose:
        ensure_participant(workshop, actor)
        return stage
    raise NotAllowed(_("Only a facilitator can do this."))


def _leaves_facilitator_groups_alone(actor: Actor, notes: list[Note], target: Cluster | None = None) -> None:
    """Participants propose groups: they may group loose notes and notes of other
    proposals, never take notes out of, or put notes into, a group the facilitator made."""
    if not isinstance(actor, Participant):
        return
    taken_from = {note.cluster_id for note in notes} - {None}
    facilitators = db.session.scalar(
        select(Cluster.id)
        .where(Cluster.id.in_(taken_from), Cluster.proposed_by_participant.is_(False))
        .limit(1)
    )
    if facilitators is not None or (target is not None and not target.proposed_by_participant):
        raise NotAllowed(_("You can group notes that are not yet in one of the facilitator's groups."))


def _clean_title(title: Any) -> str:
    if not isinstance(title, str) or not title.strip():
        raise InvalidInput(_("Give the group a name."))
    title = " ".join(title.split())
    if len(title) > CLUSTER_TITLE_MAX_LENGTH:
        raise InvalidInput(
            _("A group name can have at most %(count)d characters.", count=CLUSTER_TITLE_MAX_LENGTH)
        )
    return title


def _notes(workshop: Workshop, note_ids: Any) -> list[Note]:
    """The given notes, all clusterable in the current stage. Raises on any stranger id."""
    note_ids = identifiers(note_ids, _l("Choose one or more notes."), MAX_NOTES_PER_ACTION)
    allowed = {note.id: note for note in clusterable_notes(workshop, workshop.current_stage)}
    missing = [i for i in note_ids if i not in allowed]
    if missing:
        raise NotFound(_("Some of these notes are not part of this stage."))
    return [allowed[i] for i in note_ids]


def get_cluster(workshop: Workshop, cluster_id: Any) -> Cluster:
    cluster = db.session.get(Cluster, identifier(cluster_id, _l("The group id must be a number.")))
    if cluster is None or cluster.workshop_id != workshop.id:
        raise NotFound(_("This group does not exist."))
    return cluster


def _drop_empty(workshop: Workshop, cluster_ids: set[int | None]) -> None:
    """Delete groups left without notes, unless they already carry dots or ratings."""
    for cluster_id in {cluster_id for cluster_id in cluster_ids if cluster_id is not None}:
        has_notes = db.session.scalar(
            select(Note.id).where(Note.cluster_id == cluster_id, Note.deleted_at.is_(None)).limit(1)
        )
        if not has_notes and not targets.has_input("cluster", cluster_id):
            cluster = db.session.get(Cluster, cluster_id)
            if cluster is not None:
                workshop.release_spotlight("cluster", cluster.id)
                db.session.delete(cluster)


def _move_notes(workshop: Workshop, notes: list[Note], cluster_id: int | None) -> None:
    """Put notes into a group (or none), then drop the groups this left empty."""
    previous = {note.cluster_id for note in notes} - {cluster_id}
    for note in notes:
        note.cluster_id = cluster_id
    db.session.flush()
    _drop_empty(workshop, previous)
    workshop.bump()
    db.session.flush()


def group_notes(workshop: Workshop, actor: Actor, note_ids: Any, title: Any) -> Cluster:
    """Make a new named group of the chosen notes (taking them out of their old groups)."""
    _cluster_stage(workshop, actor, proposing=True)
    notes = _notes(workshop, note_ids)
    _leaves_facilitator_groups_alone(actor, notes)
    cluster = Cluster(
        workshop_id=workshop.id,
        stage_index=workshop.current_stage,
        title=_clean_title(title),
        decision=None,
        proposed_by_participant=isinstance(actor, Participant),
    )
    db.session.add(cluster)
    db.session.flush()
    _move_notes(workshop, notes, cluster.id)
    return cluster


MAX_SUGGESTIONS = 12


def suggested_groups(workshop: Workshop, actor: Actor) -> list[dict[str, Any]]:
    """Groups of similar notes among those not grouped yet, for the facilitator to accept,
    adjust or ignore. Reads only: nothing changes until the facilitator groups notes.

    Computed on request, not on every change: it takes well under a second for 500
    notes (bench/suggestions.py), too much to repeat for every note that arrives.
    """
    ensure_facilitator(workshop, actor)
    if workshop.stage.kind != "cluster":
        raise NotAllowed(_("Notes are grouped during a clustering stage."))
    loose = [
        NoteText(note.id, note.text)
        for note in clusterable_notes(workshop, workshop.current_stage)
        if note.cluster_id is None
    ]
    return [
        {"note_ids": list(group.note_ids), "title": group.title, "cohesion": round(group.cohesion, 3)}
        for group in suggest_groups(loose, max_groups=MAX_SUGGESTIONS)
    ]


def add_to_cluster(workshop: Workshop, actor: Actor, note_ids: Any, cluster_id: Any) -> Cluster:
    """Put notes into an existing group (what dragging a note onto a group does)."""
    _cluster_stage(workshop, actor, proposing=True)
    cluster = get_cluster(workshop, cluster_id)
    notes = _notes(workshop, note_ids)
    _leaves_facilitator_groups_alone(actor, notes, cluster)
    _move_notes(workshop, notes, cluster.id)
    return cluster


def ungroup_notes(workshop: Workshop, actor: Actor, note_ids: Any) -> list[Note]:
    """Take notes out of their groups."""
    _cluster_stage(workshop, actor)
    notes = _notes(workshop, note_ids)
    _move_notes(workshop, notes, None)
    return notes


def rename_cluster(workshop: Workshop, actor: Actor, cluster_id: Any, title: Any) -> Cluster:
    """Rename a group. Allowed whenever a facilitator wants (names are polished late)."""
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    cluster = get_cluster(workshop, cluster_id)
    cluster.title = _clean_title(title)
    workshop.bump()
    db.session.flush()
    return cluster


def mark_cluster(workshop: Workshop, actor: Actor, cluster_id: Any, marked: Any) -> Cluster:
    """Put the plan's group mark on a group (e.g. a practice any unit could do), or take it
    off. Allowed whenever, like a rename: the call is often made while the room votes."""
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    if not workshop.plan.group_mark:
        raise NotAllowed(_("This plan has no mark for groups."))
    cluster = get_cluster(workshop, cluster_id)
    cluster.marked = flag(marked, _l("Say whether the group is marked."))
    workshop.bump()
    db.session.flush()
    return cluster


def merge_clusters(workshop: Workshop, actor: Actor, source_id: Any, target_id: Any) -> tuple[Cluster, int]:
    """Merge `source` into `target`: its notes and dots move; the source disappears.

    Merging duplicates before voting avoids vote splitting. Ratings of the source are
    dropped (a merged idea must be rated again). Where someone now has more dots on the
    merged idea than the vote's cap, the extra dots go back to them. Returns the
    merged group and how many dots went back.
    """
    _cluster_stage(workshop, actor)
    source, target = get_cluster(workshop, source_id), get_cluster(workshop, target_id)
    if source.id == target.id:
        raise InvalidInput(_("Choose two different groups."))
    db.session.execute(update(Note).where(Note.cluster_id == source.id).values(cluster_id=target.id))
    target.marked = target.marked or source.marked
    returned = _delete_cluster(workshop, source, merged_into=target)
    workshop.bump()
    db.session.flush()
    return target, returned


def dissolve_cluster(workshop: Workshop, actor: Actor, cluster_id: Any) -> None:
    """Ungroup every note of a group and delete the group, with its dots and ratings
    (they were given to an idea that no longer exists: the dots go back to the voters)."""
    _cluster_stage(workshop, actor)
    cluster = get_cluster(workshop, cluster_id)
    db.session.execute(update(Note).where(Note.cluster_id == cluster.id).values(cluster_id=None))
    _delete_cluster(workshop, cluster)
    workshop.bump()
    db.session.flush()


def _delete_cluster(workshop: Workshop, cluster: Cluster, merged_into: Cluster | None = None) -> int:
    """The one way a group with input goes away: its dots and ratings go with it, or
    follow the group it was merged into (`core.targets` decides per kind of input, and
    gives back dots over a vote's cap). Returns how many dots were given back."""
    returned = 0
    if merged_into is None:
        targets.drop_input("cluster", cluster.id)
    else:
        stages = workshop.plan.stages
        returned = targets.move_input(
            "cluster",
            cluster.id,
            merged_into.id,
            cap_of_stage=lambda index: stages[index].cap if 0 <= index < len(stages) else None,
        )
    if workshop.release_spotlight("cluster", cluster.id) and merged_into is not None:
        # The idea lives on in the group it joined: the room keeps looking at it.
        workshop.spotlight_type, workshop.spotlight_id = "cluster", merged_into.id
    db.session.delete(cluster)
    return returned


def cluster_data(cluster: Cluster, note_ids: list[int]) -> dict[str, Any]:
    return {
        "id": cluster.id,
        "title": cluster.title,
        "notes": note_ids,
        "decision": cluster.decision,
        "proposed": cluster.proposed_by_participant,
        "marked": cluster.marked,
    }


def clusters_with_notes(workshop: Workshop) -> list[dict[str, Any]]:
    """Every group with the ids of its live, visible notes."""
    members: dict[int, list[int]] = {}
    rows = db.session.execute(
        select(Note.cluster_id, Note.id)
        .where(
            Note.workshop_id == workshop.id,
            Note.cluster_id.is_not(None),
            Note.deleted_at.is_(None),
            Note.hidden_at.is_(None),
        )
        .order_by(Note.created_at, Note.id)
    )
    for cluster_id, note_id in rows:
        if cluster_id is not None:  # always true (the query asks for grouped notes); tells mypy
            members.setdefault(cluster_id, []).append(note_id)
    return [cluster_data(c, members.get(c.id, [])) for c in workshop_clusters(workshop)]
