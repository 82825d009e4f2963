"""Clustering services called directly: group, add, ungroup, rename, merge, dissolve, and
participants' proposals where the plan lets them.

After a refused operation the test rolls back, as every boundary does.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.factories import CLUSTER, VOTE, count, dot, move, note, refused
from workshop.clustering import services as clustering
from workshop.clustering.models import Cluster
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.facilitation import moderation
from workshop.plans import load_plan_file
from workshop.rating import services as rating
from workshop.rating.models import Rating
from workshop.voting import services as voting

# reform-codesign: 1 ideas (write), 2 merge (cluster), 3 shortlist (vote, 5 dots, cap 2), 4 rate
R_CLUSTER, R_VOTE, R_RATE = 2, 3, 4


@pytest.fixture
def room(facilitator):
    return factories.cluster_room(facilitator)


@pytest.fixture
def vote_room(room):
    return factories.vote_room(room)


@pytest.fixture
def other(facilitator):
    return factories.other_workshop(facilitator)


@pytest.fixture
def reform(facilitator):
    return factories.reform_ideas(facilitator)


# Clustering ---------------------------------------------------------------------------------


def test_group_add_ungroup_rename(room):
    w, f, n = room.workshop, room.facilitator, room.notes
    assert {x.id for x in clustering.clusterable_notes(w, CLUSTER)} == {
        n.works1.id,
        n.works2.id,
        n.works3.id,
        n.deviant.id,
    }
    first = clustering.group_notes(
        w, f, [n.works1.id, n.works2.id, n.works1.id], "  Visitas   casa por casa "
    )
    assert first.title == "Visitas casa por casa" and first.proposed_by_participant is False
    second = clustering.group_notes(w, f, [n.deviant.id], "Promotoras")
    clustering.add_to_cluster(w, f, [n.works3.id, n.works2.id], second.id)
    db.session.commit()
    assert [(c["title"], c["notes"]) for c in clustering.clusters_with_notes(w)] == [
        ("Visitas casa por casa", [n.works1.id]),
        ("Promotoras", [n.works2.id, n.works3.id, n.deviant.id]),
    ]
    clustering.ungroup_notes(w, f, [n.works1.id])  # the emptied group goes away
    clustering.rename_cluster(w, f, second.id, "Agentes comunitarias")
    db.session.commit()
    assert [(c["title"], c["notes"]) for c in clustering.clusters_with_notes(w)] == [
        ("Agentes comunitarias", [n.works2.id, n.works3.id, n.deviant.id])
    ]
    assert db.session.get(Cluster, first.id) is None
    assert n.works1.cluster_id is None


def test_grouping_a_whole_group_elsewhere_drops_the_empty_one(room):
    w, f, n = room.workshop, room.facilitator, room.notes
    old = clustering.group_notes(w, f, [n.works1.id], "Viejo")
    new = clustering.group_notes(w, f, [n.works1.id, n.works2.id], "Nuevo")
    db.session.commit()
    assert [c["id"] for c in clustering.clusters_with_notes(w)] == [new.id]
    assert db.session.get(Cluster, old.id) is None


def test_merge_moves_notes_dots_and_drops_ratings(reform):
    w, f, (one, two, _) = reform.workshop, reform.facilitator, reform.people
    move(w, f, R_VOTE)
    dot(w, one, reform.A.id)
    dot(w, one, reform.B.id)
    dot(w, two, reform.B.id)
    move(w, f, R_RATE)
    rating.rate(w, one, reform.B.id, 4, 4)
    rating.rate(w, one, reform.A.id, 2, 2)
    move(w, f, R_CLUSTER)
    target, _returned = clustering.merge_clusters(w, f, reform.B.id, reform.A.id)
    db.session.commit()
    assert target.id == reform.A.id
    assert db.session.get(Cluster, reform.B.id) is None
    groups = {c["id"]: c["notes"] for c in clustering.clusters_with_notes(w)}
    assert groups[reform.A.id] == [reform.ideas[0].id, reform.ideas[1].id]
    assert voting.totals(w, R_VOTE) == {reform.A.id: 3}
    assert count(Rating, Rating.target_id == reform.B.id) == 0
    assert count(Rating, Rating.target_id == reform.A.id) == 1


def test_dissolve_ungroups_every_note(room):
    w, f, n = room.workshop, room.facilitator, room.notes
    group = clustering.group_notes(w, f, [n.works1.id, n.deviant.id], "Grupo")
    db.session.commit()
    clustering.dissolve_cluster(w, f, group.id)
    db.session.commit()
    assert db.session.get(Cluster, group.id) is None
    assert clustering.clusters_with_notes(w) == []
    assert n.works1.cluster_id is None and n.deviant.cluster_id is None
    assert len(clustering.clusterable_notes(w, CLUSTER)) == 4  # the notes themselves stay


def test_dissolving_a_voted_group_gives_the_dots_back(vote_room):
    """Dots on a dissolved group must not keep using the voter's budget (nor, on SQLite,
    where ids of deleted rows are reused, land on the next new group)."""
    w, f, n = vote_room.workshop, vote_room.facilitator, vote_room.notes
    dot(w, vote_room.one, vote_room.c.id)
    dot(w, vote_room.one, vote_room.c.id)
    move(w, f, CLUSTER)
    clustering.dissolve_cluster(w, f, vote_room.c.id)
    fresh = clustering.group_notes(w, f, [n.deviant.id], "Otra idea")
    move(w, f, VOTE)
    summary = voting.vote_summary(w, VOTE, vote_room.one)
    assert summary["left"] == 3 and summary["mine"] == {}
    voting.set_vote_closed(w, f, True)
    db.session.commit()
    assert voting.totals(w, VOTE).get(fresh.id) is None


@pytest.mark.parametrize(("stage", "message"), [(4, "clustering stage"), (VOTE, "clustering")])
def test_clustering_only_in_a_cluster_stage(room, stage, message):
    move(room.workshop, room.facilitator, stage)
    refused(
        NotAllowed,
        message,
        clustering.group_notes,
        room.workshop,
        room.facilitator,
        [room.notes.works1.id],
        "Grupo",
    )


@pytest.mark.parametrize(
    ("note_ids", "title", "error"),
    [
        ("1", "Grupo", InvalidInput),
        ([], "Grupo", InvalidInput),
        ([True], "Grupo", InvalidInput),
        ([1.0], "Grupo", InvalidInput),
        (list(range(1, 202)), "Grupo", InvalidInput),
        ("own", "", InvalidInput),
        ("own", "   ", InvalidInput),
        ("own", 42, InvalidInput),
        ("own", "x" * 121, InvalidInput),
        ("sign", "Grupo", NotFound),  # stage 1 does not feed this cluster stage
        ("barrier", "Grupo", NotFound),
        ("foreign", "Grupo", NotFound),
        ("hidden", "Grupo", NotFound),
    ],
)
def test_group_notes_refusals(room, other, note_ids, title, error):
    moderation.set_note_hidden(room.workshop, room.facilitator, room.notes.works3.id, True)
    db.session.commit()
    named = {
        "own": room.notes.works1.id,
        "sign": room.notes.sign.id,
        "barrier": room.notes.barrier.id,
        "foreign": other.note.id,
        "hidden": room.notes.works3.id,
    }
    if isinstance(note_ids, str) and note_ids in named:
        note_ids = [room.notes.works2.id, named[note_ids]]
    refused(error, None, clustering.group_notes, room.workshop, room.facilitator, note_ids, title)
    assert count(Cluster, Cluster.workshop_id == room.workshop.id) == 0


@pytest.mark.parametrize("operation", ["add", "rename", "merge_source", "merge_target", "dissolve"])
@pytest.mark.parametrize("cluster_id", ["foreign", 10**9, "1", None])
def test_cluster_ids_of_another_workshop_are_refused(room, other, operation, cluster_id):
    w, f = room.workshop, room.facilitator
    mine = clustering.group_notes(w, f, [room.notes.works1.id], "Mío")
    db.session.commit()
    cluster_id = other.cluster.id if cluster_id == "foreign" else cluster_id
    call = {
        "add": lambda: clustering.add_to_cluster(w, f, [room.notes.works2.id], cluster_id),
        "rename": lambda: clustering.rename_cluster(w, f, cluster_id, "Robado"),
        "merge_source": lambda: clustering.merge_clusters(w, f, cluster_id, mine.id),
        "merge_target": lambda: clustering.merge_clusters(w, f, mine.id, cluster_id),
        "dissolve": lambda: clustering.dissolve_cluster(w, f, cluster_id),
    }[operation]
    refused(InvalidInput if cluster_id in ("1", None) else NotFound, None, call)
    db.session.refresh(other.cluster)
    assert other.cluster.title == "Ajeno"
    assert [c["notes"] for c in clustering.clusters_with_notes(other.workshop)] == [[other.note.id]]
    assert [c["notes"] for c in clustering.clusters_with_notes(w)] == [[room.notes.works1.id]]


def test_merge_needs_two_groups(room):
    group = clustering.group_notes(room.workshop, room.facilitator, [room.notes.works1.id], "G")
    db.session.commit()
    refused(
        InvalidInput,
        "two different",
        clustering.merge_clusters,
        room.workshop,
        room.facilitator,
        group.id,
        group.id,
    )
    assert db.session.get(Cluster, group.id) is not None


def test_participants_propose_groups_only_when_the_plan_lets_them(
    make_workshop, make_participant, facilitator, plans_dir, tmp_path
):
    source = (plans_dir / "pd-discovery.toml").read_text()
    path = tmp_path / "propose-plan.toml"
    path.write_text(
        source.replace(
            'id = "group"\nkind = "cluster"', 'id = "group"\nkind = "cluster"\nparticipants_propose = true'
        )
    )
    workshop = make_workshop(plan=load_plan_file(path), stage=2)
    proposer = make_participant(workshop)
    first, second = note(workshop, proposer, 2), note(workshop, proposer, 2)
    move(workshop, facilitator, CLUSTER)
    group = clustering.group_notes(workshop, proposer, [first.id], "Mi propuesta")
    clustering.add_to_cluster(workshop, proposer, [second.id], group.id)
    db.session.commit()
    assert group.proposed_by_participant is True
    assert clustering.clusters_with_notes(workshop)[0]["proposed"] is True
    for operation in (
        lambda: clustering.ungroup_notes(workshop, proposer, [first.id]),
        lambda: clustering.dissolve_cluster(workshop, proposer, group.id),
        lambda: clustering.rename_cluster(workshop, proposer, group.id, "X"),
    ):
        refused(NotAllowed, "Only a facilitator", operation)


def test_participants_cannot_add_to_groups_without_propose(room):
    group = clustering.group_notes(room.workshop, room.facilitator, [room.notes.works1.id], "G")
    db.session.commit()
    refused(
        NotAllowed,
        "Only a facilitator",
        clustering.add_to_cluster,
        room.workshop,
        room.one,
        [room.notes.works2.id],
        group.id,
    )
    assert room.notes.works2.cluster_id is None
