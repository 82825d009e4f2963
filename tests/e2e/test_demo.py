"""`workshop demo` against a real server: the simulated room leaves notes, groups,
closed dots and ratings in the database the server and the command share."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest
import requests

pytestmark = pytest.mark.e2e

PARTICIPANTS = 4


def run_demo(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workshop.cli", "demo", *args],
        env=server["env"],
        text=True,
        capture_output=True,
        timeout=180,
        check=False,
    )


def printed_links(output: str) -> dict[str, str]:
    return dict(re.findall(r"^(id|code|join_url|facilitator_url|screen_url) +(\S+)$", output, re.MULTILINE))


def query(server, sql: str, *params) -> list[tuple]:
    path = server["instance"] / "workshop.db"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return connection.execute(sql, params).fetchall()


def test_demo_plays_a_whole_workshop(server):
    done = run_demo(server, "--participants", str(PARTICIPANTS), "--pace", "0", "--url", server["url"])
    assert done.returncode == 0, done.stdout + done.stderr
    links = printed_links(done.stdout)
    workshop_id, url = int(links["id"]), server["url"]
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", links["code"])
    assert links["join_url"] == f"{url}/j/{links['code'].replace('-', '')}"
    assert links["facilitator_url"] == f"{url}/w/{workshop_id}"
    assert links["screen_url"].startswith(f"{url}/s/")
    assert requests.get(links["screen_url"], timeout=10).status_code == 200
    assert "[7/7]" in done.stdout and "done in" in done.stdout

    # reform-codesign: 0 question, 1 ideas (write), 2 merge, 3 shortlist (vote),
    # 4 impact-feasibility (rate), 5 pilot (write), 6 commitments.
    ((stage,),) = query(server, "SELECT current_stage FROM workshop WHERE id = ?", workshop_id)
    assert stage == 6
    ((participants,),) = query(server, "SELECT count(*) FROM participant WHERE workshop_id = ?", workshop_id)
    assert participants == PARTICIPANTS
    notes = dict(
        query(
            server,
            "SELECT stage_index, count(*) FROM note WHERE workshop_id = ? GROUP BY stage_index",
            workshop_id,
        )
    )
    assert set(notes) == {1, 5}
    assert PARTICIPANTS <= notes[1] <= 3 * PARTICIPANTS
    ((ungrouped,),) = query(
        server,
        "SELECT count(*) FROM note WHERE workshop_id = ? AND stage_index = 1 AND cluster_id IS NULL",
        workshop_id,
    )
    assert ungrouped == 0
    clusters = [
        title for (title,) in query(server, "SELECT title FROM cluster WHERE workshop_id = ?", workshop_id)
    ]
    # Themes alternate in the deck, so the first round of notes already covers all four.
    assert sorted(clusters) == [
        "Comunidad y confianza",
        "Insumos y medicamentos",
        "Personal y capacitación",
        "Visitas domiciliarias y agenda",
    ]

    dots = query(
        server,
        "SELECT participant_id, target_id, count(*) FROM dot "
        "WHERE workshop_id = ? AND stage_index = 3 "
        "GROUP BY participant_id, target_id",
        workshop_id,
    )
    per_voter: dict[int, int] = {}
    for voter, _target, count in dots:
        assert count <= 2  # the plan's cap
        per_voter[voter] = per_voter.get(voter, 0) + count
    assert len(per_voter) == PARTICIPANTS
    assert all(spent == 5 for spent in per_voter.values())  # the plan's budget, all spent
    ((closed,),) = query(
        server, "SELECT votes_closed FROM stage_state WHERE workshop_id = ? AND stage_index = 3", workshop_id
    )
    assert closed

    ratings = query(server, "SELECT x, y FROM rating WHERE workshop_id = ? AND stage_index = 4", workshop_id)
    assert len(ratings) == PARTICIPANTS * len(clusters)
    assert all(1 <= x <= 5 and 1 <= y <= 5 for x, y in ratings)


def test_demo_runs_again_with_a_new_password_in_english(server):
    """The demo account is reused; its password is replaced, so the second login works."""
    ((before,),) = query(
        server, "SELECT password_hash FROM facilitator WHERE email = 'demo@workshop.invalid'"
    )
    done = run_demo(server, "--participants", "2", "--pace", "0", "--url", server["url"], "--lang", "en")
    assert done.returncode == 0, done.stdout + done.stderr
    ((after,),) = query(server, "SELECT password_hash FROM facilitator WHERE email = 'demo@workshop.invalid'")
    assert after != before
    workshop_id = int(printed_links(done.stdout)["id"])
    ((language,),) = query(server, "SELECT language FROM workshop WHERE id = ?", workshop_id)
    assert language == "en"
    titles = {
        title for (title,) in query(server, "SELECT title FROM cluster WHERE workshop_id = ?", workshop_id)
    }
    assert titles <= {
        "Supplies and medicines",
        "Home visits and scheduling",
        "Staff and training",
        "Community and trust",
    }


def test_demo_caps_the_participants(server):
    done = run_demo(server, "--participants", "16", "--url", server["url"])
    assert done.returncode != 0
    assert "between 1 and 15" in done.stderr


def test_dots_respect_the_budget_and_the_cap():
    import random

    from workshop.demo.scenario import spend_dots

    vote = {"dots": 5, "cap": 2, "left": 4, "mine": {"1": 1}, "candidates": [{"id": 1}, {"id": 2}, {"id": 3}]}
    for seed in range(50):
        placed = spend_dots(vote, {1: 100.0, 2: 1.0, 3: 1.0}, random.Random(seed))
        assert len(placed) == 4
        assert placed.count(1) <= 1 and placed.count(2) <= 2 and placed.count(3) <= 2
    assert spend_dots({**vote, "candidates": [{"id": 1}]}, {}, random.Random(0)) == [1]


def test_the_note_deck_alternates_themes_and_uses_the_stage_lanes():
    import random

    from workshop.demo.content import note_deck

    deck = note_deck(["usf", "region", "ministry"], random.Random(1))
    assert len({idea.theme for idea, _lane in deck[:4]}) == 4
    assert all(lane == idea.lane for idea, lane in deck)
    pilot = note_deck(["owner", "hypothesis", "indicator"], random.Random(1))
    assert {lane for _idea, lane in pilot} == {"owner", "hypothesis", "indicator"}
    assert all(lane is None for _idea, lane in note_deck([], random.Random(1)))
    other = note_deck(["social", "individual"], random.Random(1))
    assert {lane for _idea, lane in other} == {"social", "individual"}
