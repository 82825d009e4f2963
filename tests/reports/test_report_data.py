"""The report document (`build_report`) of a workshop run through the services:
ranking and ties, traceability from ideas to notes to prompts, anonymity, and
deleted notes.

The workshop is a whole reform-codesign workshop (write → cluster → vote → rate),
built by `tests.factories.reform_workshop`.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.factories import DELETED_TEXT, HIDDEN_TEXT, REFORM_WRITE, SIGNED_NAME, ReformRun, reform_workshop
from workshop.extensions import db
from workshop.ranking.services import set_decision
from workshop.reports import formats
from workshop.reports.data import REPORT_VERSION, build_report

WRITE = REFORM_WRITE


@pytest.fixture
def reform(facilitator) -> ReformRun:
    return reform_workshop(facilitator)


def walk(value: Any, path: str = ""):
    """Every (path, key, value) of a JSON-like document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key, item
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")


# --- Ranking ------------------------------------------------------------------------------


def test_ideas_are_ranked_by_dots_then_ratings_with_ties_shown(reform):
    report = build_report(reform.workshop)
    assert report["version"] == REPORT_VERSION
    ranked = [(idea["id"], idea["rank"], idea["tied"], idea["dots"]) for idea in report["ideas"]]
    a, b, c, d = (reform.clusters[key] for key in "ABCD")
    assert ranked[0] == (a, 1, False, 4)
    # B and C: equal dots, equal means → the same rank, both marked tied, in id order.
    assert ranked[1:3] == [(b, 2, True, 2), (c, 2, True, 2)]
    # The rank after a tie skips, as in sport: 1, 2, 2, 4.
    assert ranked[3] == (d, 4, False, 1)
    first = report["ideas"][0]
    assert (first["impact"], first["feasibility"], first["quadrant"]) == (4.5, 4.5, "quick_win")
    assert first["ratings"] == 2 and first["impact_spread"] == 0.5
    assert report["ideas"][1]["impact"] == report["ideas"][2]["impact"] == 3.0
    assert "4" in first["reason"]


def test_key_ideas_are_the_selected_ones_and_set_aside_is_listed(reform):
    report = build_report(reform.workshop)
    assert [idea["id"] for idea in report["key_ideas"]] == [reform.clusters["A"]]
    assert [idea["id"] for idea in report["set_aside"]] == [reform.clusters["D"]]
    assert report["set_aside"][0]["decision"] == "set_aside"


def test_key_ideas_fall_back_to_the_top_of_the_ranking(reform, facilitator):
    set_decision(reform.workshop, facilitator, "cluster", reform.clusters["A"], None)
    db.session.commit()
    report = build_report(reform.workshop)
    # Nothing selected: the ranking without what was set aside.
    assert [idea["id"] for idea in report["key_ideas"]] == [reform.clusters[key] for key in "ABC"]


# --- Traceability -------------------------------------------------------------------------


def test_every_idea_traces_to_notes_stages_and_prompts(reform):
    report = build_report(reform.workshop)
    notes = {note["id"]: note for note in report["notes"]}
    stages = {stage["index"]: stage for stage in report["stages"]}
    clusters = {cluster["id"]: cluster for cluster in report["clusters"]}
    assert len(report["ideas"]) == 4
    for idea in report["ideas"]:
        assert idea["notes"], idea
        assert idea["notes"] == clusters[idea["id"]]["notes"]
        for note_id in idea["notes"]:
            note = notes[note_id]
            assert note["cluster"] == idea["id"]
            assert not note["deleted"] and not note["hidden"] and note["text"]
            stage = stages[note["stage"]]
            assert stage["kind"] == "write" and stage["id"] == note["stage_id"] == "ideas"
            assert stage["prompt"].startswith("Which change in rules")
            assert note["lane"] in {lane["key"] for lane in stage["lanes"]}
    b1 = notes[reform.notes["b1"].id]
    assert (b1["evidence_id"], b1["source"]) == ("FN-07", "Entrevista, USF Luque")
    assert b1["id"] in clusters[reform.clusters["B"]]["notes"]


def test_findings_sort_visible_notes_by_lane(reform):
    report = build_report(reform.workshop)
    by_lane = {lane["lane"]: lane for lane in report["findings"]}
    assert set(by_lane) == {"usf", "region", "ministry"}
    assert [lane["label"] for lane in report["findings"]] == sorted(
        lane["label"] for lane in report["findings"]
    )
    assert by_lane["ministry"]["loose"] == [reform.notes["loose"].id]
    usf_groups = {group["cluster"]: group["notes"] for group in by_lane["usf"]["groups"]}
    assert usf_groups[reform.clusters["A"]] == [reform.notes["a1"].id, reform.notes["a2"].id]
    listed = [
        note_id
        for lane in report["findings"]
        for note_id in lane["loose"] + [n for g in lane["groups"] for n in g["notes"]]
    ]
    assert len(listed) == len(set(listed)) == 7  # every live, visible note once
    assert reform.notes["hidden"].id not in listed and reform.notes["gone"].id not in listed


def test_votes_and_ratings_records_match_the_ranking(reform):
    report = build_report(reform.workshop)
    (vote,) = report["votes"]
    assert vote["closed"] and vote["voters"] == 4 and vote["dots_per_person"] == 5
    assert len(vote["record"]) == 9
    totals = {(t["type"], t["id"]): t["dots"] for t in vote["totals"]}
    for idea in report["ideas"]:
        assert totals[("cluster", idea["id"])] == idea["dots"]
    (rating,) = report["ratings"]
    assert [axis["key"] for axis in rating["axes"]] == ["impact", "feasibility"]
    assert len(rating["record"]) == 8


# --- Anonymity ----------------------------------------------------------------------------


def test_no_names_and_no_participant_ids_in_the_document(reform):
    report = build_report(reform.workshop)
    assert reform.notes["a1"].author_name == SIGNED_NAME  # the room saw the signature …
    text = json.dumps(report, ensure_ascii=False)
    assert SIGNED_NAME not in text  # … the report does not
    assert "Benítez" not in text
    for participant in reform.participants:
        assert participant.token not in text
    for _path, key, value in walk(report):
        assert key not in {"participant_id", "author_name", "display_name", "token", "author"}
        if key == "participant":
            assert re.fullmatch(r"P[1-9][0-9]*", value), value
    assert report["workshop"]["participants"] == 4


def test_name_appears_in_no_export(reform):
    report = build_report(reform.workshop)
    for output in (formats.to_csv(report), formats.to_json(report), formats.to_markdown(report)):
        assert SIGNED_NAME not in output
        assert "Benítez" not in output


def test_participant_labels_are_consistent_between_votes_and_ratings(reform):
    report = build_report(reform.workshop)
    a, b, d = reform.clusters["A"], reform.clusters["B"], reform.clusters["D"]
    dots_by_label: dict[str, list[int]] = {}
    for dot in report["votes"][0]["record"]:
        dots_by_label.setdefault(dot["participant"], []).append(dot["id"])
    ratings_by_label: dict[str, dict[int, tuple[int, int]]] = {}
    for row in report["ratings"][0]["record"]:
        ratings_by_label.setdefault(row["participant"], {})[row["id"]] = (row["x"], row["y"])
    # Labels follow the order of joining: the signed participant joined first.
    assert set(dots_by_label) == {"P1", "P2", "P3", "P4"}
    assert sorted(dots_by_label["P1"]) == sorted([a, a, b])
    assert ratings_by_label["P1"][a] == (5, 5)
    assert dots_by_label["P4"] == [d] and ratings_by_label["P4"] == {d: (2, 5)}
    assert "P3" not in ratings_by_label  # voted, did not rate


# --- Deleted and hidden notes -------------------------------------------------------------


def test_deleted_notes_keep_a_row_without_text(reform):
    report = build_report(reform.workshop)
    (gone,) = [note for note in report["notes"] if note["id"] == reform.notes["gone"].id]
    assert gone["deleted"] is True and gone["text"] == ""
    assert gone["stage"] == WRITE and gone["lane"] == "usf"
    assert all(gone["id"] not in idea["notes"] for idea in report["ideas"])
    assert all(gone["id"] not in cluster["notes"] for cluster in report["clusters"])
    assert [note["id"] for note in report["notes"] if note["deleted"]] == [gone["id"]]
    for output in (formats.to_csv(report), formats.to_json(report), formats.to_markdown(report)):
        assert DELETED_TEXT not in output


def test_hidden_notes_are_flagged_and_left_out_of_findings_and_ideas(reform):
    report = build_report(reform.workshop)
    (hidden,) = [note for note in report["notes"] if note["id"] == reform.notes["hidden"].id]
    assert hidden["hidden"] is True and not hidden["deleted"]
    assert all(hidden["id"] not in idea["notes"] for idea in report["ideas"])
    assert HIDDEN_TEXT not in formats.to_markdown(report)
