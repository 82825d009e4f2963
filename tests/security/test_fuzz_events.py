"""Hostile payloads for every Socket.IO event (hypothesis, bounded and derandomised).

Each event is sent, from a phone and from the console, payloads built from what a
hostile or broken client could put on the wire: wrong types, huge and negative integers
(past 2^63), NaN, NUL and lone surrogates in strings, nested objects and lists, missing
and extra keys, binary attachments, non-object payloads, and now and then a real id of
the room so the fuzzing reaches past the first check. Whatever comes, the answer is an
ack that is a success or a refusal a phone understands ("invalid", "not_allowed",
"not_found", "rate_limited"), never "server"; nothing is logged as an error; and the
server keeps serving: a normal note is stored afterwards.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.factories import new_client_id
from tests.sockets import join, send
from workshop.board import services as board
from workshop.clustering import services as clustering
from workshop.extensions import db, socketio
from workshop.facilitation.stage_controls import set_locked
from workshop.live import NAMESPACE
from workshop.plans import load_plan
from workshop.workshops.services import change_stage

REFUSALS = {"invalid", "not_allowed", "not_found", "rate_limited"}
EXAMPLES = 40  # per event and backend: ~28 events × 40 stays around a minute

# reform-codesign: 0 discuss, 1 write (lanes), 2 cluster, 3 vote on clusters, 4 rate, 5 write.
WRITE, CLUSTER, VOTE, RATE = 1, 2, 3, 4
COMMIT = 6  # the commitments stage

# Every event the server handles, the keys its payload carries, and the stage the room is
# on while it is fuzzed (the stage where the event does something).
EVENTS: dict[str, tuple[tuple[str, ...], int]] = {
    "add_note": (("text", "client_id", "stage", "lane"), WRITE),
    "edit_note": (("note_id", "text"), WRITE),
    "delete_note": (("note_id",), WRITE),
    "cast_dot": (("target_id", "client_id"), VOTE),
    "retract_dot": (("target_id",), VOTE),
    "rate": (("target_id", "x", "y"), RATE),
    "group_notes": (("note_ids", "title"), CLUSTER),
    "add_to_cluster": (("note_ids", "cluster_id"), CLUSTER),
    "ungroup_notes": (("note_ids",), CLUSTER),
    "rename_cluster": (("cluster_id", "title"), CLUSTER),
    "mark_cluster": (("cluster_id", "marked"), CLUSTER),
    "merge_clusters": (("source_id", "target_id"), CLUSTER),
    "dissolve_cluster": (("cluster_id",), CLUSTER),
    "suggest_groups": ((), CLUSTER),
    "spotlight": (("type", "id"), CLUSTER),
    "release_spotlight": ((), CLUSTER),
    "set_question": (("question",), WRITE),
    "change_stage": (("stage", "reveal"), WRITE),
    "lock_stage": (("locked",), WRITE),
    "reveal_stage": ((), WRITE),
    "close_vote": (("closed",), VOTE),
    "allow_review": (("allowed",), RATE),
    "timer": (("action", "seconds"), WRITE),
    "hide_note": (("note_id", "hidden"), CLUSTER),
    "moderate_note": (("note_id", "text", "delete"), CLUSTER),
    "set_decision": (("type", "id", "decision"), RATE),
    "remove_participant": (("participant_id",), WRITE),
    "participants": ((), WRITE),
    "sync": ((), VOTE),
    "view_stage": (("stage",), RATE),
    "notes": (("stage", "ids", "before"), CLUSTER),
    "mine": ((), VOTE),
    "heartbeat": ((), WRITE),
    "add_commitment": (("client_id", "stage", "idea", "what", "who", "due", "indicator"), COMMIT),
    "edit_commitment": (("commitment_id", "what", "who", "due", "indicator"), COMMIT),
    "delete_commitment": (("commitment_id",), COMMIT),
}

HUGE = [2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 2**100, -1, 0, -(2**63), -(2**63) - 1, -(10**40)]
WORDS = [
    "",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\U0001f600",
    "\u202e\u200b",
    "   ",
    "<script>alert(1)</script>",
    "'; DROP TABLE notes; --",
    "é" * 3000,
    # words the handlers know, so some payloads get past the first check
    "start",
    "pause",
    "extend",
    "clear",
    "cluster",
    "note",
    "selected",
    "set_aside",
    "undecided",
    "notes",
    "clusters",
    "1",
    "-1",
    "9223372036854775808",
]
PIECES = ["a", "\x00", "\x07", "\ud800", "\udc00", "é", "\U0001f600", "\n", "\u200b", "\x7f"]


def values(real_ids: list[int], binary: bool = True) -> st.SearchStrategy:
    """Any JSON a client could send (and binary attachments), real ids now and then."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.sampled_from(HUGE),
        st.sampled_from(real_ids),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(WORDS),
        st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
        st.text(max_size=20),
        st.binary(max_size=6) if binary else st.nothing(),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=5)
            | st.dictionaries(st.sampled_from(["id", "0", "", "\x00", "__proto__"]), inner, max_size=3)
        ),
        max_leaves=10,
    )


def plausible(key: str, real_ids: list[int]) -> st.SearchStrategy:
    """A value an honest client could send for `key`, so other keys' hostility gets tested."""
    ids = st.sampled_from(real_ids)
    known = {
        "text": st.sampled_from(["Una idea", "Otra idea más larga"]),
        "title": st.sampled_from(["Grupo", "Otro grupo"]),
        "question": st.sampled_from(["¿Cómo podríamos…?", ""]),
        "client_id": st.uuids().map(lambda u: u.hex),
        "stage": st.one_of(st.integers(0, 6), st.sampled_from([WRITE, CLUSTER])),
        "lane": st.sampled_from(["usf", "region", "ministry", "owner"]),
        "note_ids": st.lists(ids, min_size=1, max_size=3),
        "ids": st.lists(ids, min_size=1, max_size=3),
        "action": st.sampled_from(["start", "pause", "extend", "clear"]),
        "seconds": st.integers(1, 600),
        "type": st.sampled_from(["note", "cluster"]),
        "decision": st.sampled_from(["selected", "set_aside", None]),
        "x": st.integers(1, 5),
        "y": st.integers(1, 5),
    }
    flags = {"reveal", "locked", "closed", "allowed", "hidden", "delete"}
    if key in known:
        return known[key]
    return st.booleans() if key in flags else ids


def payloads(keys: tuple[str, ...], real_ids: list[int], binary: bool = True) -> st.SearchStrategy:
    """Mostly objects with the event's keys, each plausible or hostile (some missing, some
    extra), sometimes anything at all."""
    anything = values(real_ids, binary)
    fields = {key: st.one_of(plausible(key, real_ids), plausible(key, real_ids), anything) for key in keys}
    extra = st.dictionaries(st.text(max_size=8), anything, max_size=2)
    complete = st.builds(lambda known, more: {**more, **known}, st.fixed_dictionaries(fields), extra)
    partial = st.fixed_dictionaries({}, optional=fields)
    return st.one_of(complete, complete, complete, partial, anything)


@pytest.fixture
def room(app, make_workshop, make_participant, facilitator, plans_dir):
    """reform-codesign with ideas, two groups and a loose idea, a phone and a console."""
    workshop = make_workshop(plan=load_plan("reform-codesign", plans_dir), stage=WRITE)
    author = make_participant(workshop)
    notes = [board.add_note(workshop, author, text, new_client_id(), WRITE)[0] for text in "abcde"]
    change_stage(workshop, facilitator, CLUSTER)
    clusters = [
        clustering.group_notes(workshop, facilitator, [notes[0].id, notes[1].id], "Uno"),
        clustering.group_notes(workshop, facilitator, [notes[2].id], "Dos"),
    ]
    db.session.commit()
    phone = join(app, workshop)
    console = join(app, workshop, "facilitator")
    real_ids = sorted(
        {n.id for n in notes} | {c.id for c in clusters} | {author.id, phone.participant_id} | set(range(6))
    )
    return SimpleNamespace(
        workshop=workshop, facilitator=facilitator, phone=phone, console=console, real_ids=real_ids
    )


def move(room, stage: int) -> None:
    """Put the room on `stage`, open and unlocked (whatever the fuzzing did before)."""
    db.session.rollback()
    workshop = room.workshop
    change_stage(workshop, room.facilitator, stage)
    set_locked(workshop, room.facilitator, False)
    db.session.commit()


def assert_understood(ack, event: str, payload) -> None:
    assert isinstance(ack, dict), (event, payload, ack)
    if ack.get("ok") is not True:
        assert ack.get("error") in REFUSALS, (event, payload, ack)
        assert ack.get("message"), (event, payload, ack)


def test_every_event_the_server_handles_is_fuzzed(app):
    handled = set(socketio.server.handlers[NAMESPACE]) - {"connect", "disconnect"}
    assert handled == set(EVENTS)


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_hostile_payloads_get_a_refusal_never_a_server_error(app, room, event, caplog):
    keys, stage = EVENTS[event]
    move(room, stage)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(payload=payloads(keys, room.real_ids), by_console=st.booleans())
    @example(payload={}, by_console=True)  # found: `mine` from a console
    @example(payload={}, by_console=False)
    def fuzz(payload, by_console):
        client = room.console if by_console else room.phone
        if not client.is_connected(NAMESPACE):  # the console removed the phone
            return
        assert_understood(send(client, event, payload), event, payload)

    with caplog.at_level(logging.WARNING):
        fuzz()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    # The server keeps serving: a newcomer's note on an open write stage is stored.
    move(room, WRITE)
    newcomer = join(app, room.workshop)
    ack = send(newcomer, "add_note", {"text": "sigue", "client_id": new_client_id(), "stage": WRITE})
    assert ack["ok"] is True, ack
    assert send(room.console, "sync")["ok"] is True


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_connection_requests_are_refused_cleanly(app, room, data, caplog):
    """The `auth` of a connection: anything at all, or an object with hostile values."""
    auth = data.draw(
        st.one_of(
            # A connection request carries an object (a bare number would read as a packet id)
            # and no binary attachment.
            values(room.real_ids, binary=False).filter(lambda auth: not isinstance(auth, (int, float))),
            payloads(("workshop", "audience", "token"), room.real_ids, binary=False),
            st.fixed_dictionaries(
                {
                    "workshop": values([room.workshop.id], binary=False),
                    "audience": st.sampled_from(["participant", "screen", "facilitator", "x", ""]),
                },
                optional={"token": values([0], binary=False)},
            ),
        )
    )
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        client = socketio.test_client(
            app, namespace=NAMESPACE, flask_test_client=app.test_client(), auth=auth
        )
    assert not client.is_connected(NAMESPACE)  # nobody here joined or logged in
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
