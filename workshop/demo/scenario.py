"""The run: walk the plan's stages with the simulated phones and the facilitator."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workshop.demo.client import (
    Echo,
    _client_libraries,
    _pause,
    call,
    connect,
    join_participant,
    login_facilitator,
    new_client_id,
)
from workshop.demo.content import NOTES_PER_PARTICIPANT, QUADRANTS, THEMES, note_deck, theme_of
from workshop.demo.setup import DemoWorkshop

if TYPE_CHECKING:
    import socketio

# The server lets one address join 20 times a minute (and 200 an hour) and one phone
# post 30 notes a minute; 15 phones stay well inside both from a single laptop.
MAX_PARTICIPANTS = 15
SCALE = (1, 5)


@dataclass
class Phone:
    """One simulated participant."""

    number: int
    client: socketio.Client

    @property
    def name(self) -> str:
        return f"participant {self.number}"

    def sync(self) -> dict:
        return call(self.client, "sync", {}, self.name)["state"]


@dataclass
class Run:
    """Everything the stage steps share: the connections, the pace, and the tallies."""

    facilitator: socketio.Client
    phones: list[Phone]
    pace: float
    language: str
    echo: Echo
    rng: random.Random
    tally: Counter = field(default_factory=Counter)

    def command(self, event: str, payload: dict) -> dict:
        return call(self.facilitator, event, payload, "facilitator")

    def state(self) -> dict:
        return self.command("sync", {})["state"]

    def step(self, seconds: float | None = None) -> None:
        _pause(self.pace if seconds is None else seconds)


def write_stage(run: Run, state: dict) -> None:
    """Each phone posts 1–3 notes; rounds go phone by phone so notes trickle in."""
    stage = state["stage"]
    lanes = {lane["key"]: lane["label"] for lane in stage["lanes"]}
    deck = note_deck(list(lanes), run.rng)
    plans = {phone.number: run.rng.randint(*NOTES_PER_PARTICIPANT) for phone in run.phones}
    dealt = 0
    for round_number in range(max(plans.values(), default=0)):
        for phone in run.phones:
            if plans[phone.number] <= round_number:
                continue
            idea, lane = deck[dealt % len(deck)]
            dealt += 1
            text = idea.text(run.language)
            call(
                phone.client,
                "add_note",
                {"client_id": new_client_id(), "text": text, "stage": stage["index"], "lane": lane},
                phone.name,
            )
            run.tally["notes"] += 1
            where = f"[{lanes[lane]}] " if lane else ""
            run.echo(f"  {phone.name} wrote {where}{text}")
            run.step(run.pace / max(1, len(run.phones)))
    run.echo(f"  {dealt} notes from {len(run.phones)} participants")


def cluster_stage(run: Run, state: dict) -> None:
    """The facilitator groups the ungrouped notes by theme, one named group at a time.

    A theme whose group already exists (a second cluster stage) is added to it.
    """
    loose = [note for note in state["notes"] if not note.get("cluster")]
    themes = list(THEMES)
    groups: dict[str, list[int]] = {}
    for number, note in enumerate(loose):
        theme = theme_of(note["text"], themes[number % len(themes)])
        groups.setdefault(theme, []).append(note["id"])
    existing = {cluster["title"]: cluster["id"] for cluster in state.get("clusters", [])}
    for theme, note_ids in groups.items():
        title = THEMES[theme][run.language]
        if title in existing:
            run.command("add_to_cluster", {"note_ids": note_ids, "cluster_id": existing[title]})
        else:
            run.command("group_notes", {"note_ids": note_ids, "title": title})
            run.tally["clusters"] += 1
        run.echo(f"  facilitator grouped {_count(len(note_ids), 'note')} as \u201c{title}\u201d")
        run.step()
    if not loose:
        run.echo("  no notes to group")


def spend_dots(vote: dict, weights: dict[int, float], rng: random.Random) -> list[int]:
    """Where one participant puts their dots: by preference, within budget and cap."""
    cap = vote["cap"] or vote["dots"]
    placed = Counter({int(target): count for target, count in (vote.get("mine") or {}).items()})
    left = vote.get("left", vote["dots"])
    choices = []
    for _ in range(left):
        open_ids = [c["id"] for c in vote["candidates"] if placed[c["id"]] < cap]
        if not open_ids:
            break
        target = rng.choices(open_ids, weights=[weights.get(i, 1.0) for i in open_ids])[0]
        placed[target] += 1
        choices.append(target)
    return choices


def vote_stage(run: Run, state: dict) -> None:
    """Every phone spends its dots, then the facilitator closes the vote and shows totals."""
    vote = state["vote"]
    titles = {c["id"]: c["title"] for c in vote["candidates"]}
    if not titles:
        run.echo("  nothing to vote on")
        return
    run.echo(f"  {vote['dots']} dots each, at most {vote['cap']} per item, on {len(titles)} items")
    weights = {target: run.rng.uniform(0.5, 3.0) for target in titles}
    for phone in run.phones:
        mine = phone.sync()["vote"]
        targets = spend_dots(mine, weights, run.rng)
        for target in targets:
            call(phone.client, "cast_dot", {"target_id": target, "client_id": new_client_id()}, phone.name)
        run.tally["dots"] += len(targets)
        run.echo(f"  {phone.name} placed {_count(len(targets), 'dot')}")
        run.step(run.pace / max(1, len(run.phones)))
    if not state["vote"].get("closed"):
        run.command("close_vote", {"closed": True})
    totals = run.state().get("vote", {}).get("totals") or {}
    ranked = sorted(titles, key=lambda target: -totals.get(str(target), 0))
    run.echo(
        "  facilitator closed the vote: "
        + ", ".join(f"{titles[target]} {totals.get(str(target), 0)}" for target in ranked)
    )


def rate_stage(run: Run, state: dict) -> None:
    """Every phone places every candidate on both axes (1–5), around a shared opinion."""
    rating = state["rating"]
    titles = {c["id"]: c["title"] for c in rating["candidates"]}
    if not titles:
        run.echo("  nothing to rate")
        return
    axes = " × ".join(axis["label"] for axis in state["stage"]["axes"]) or "x × y"
    run.echo(f"  rating {len(titles)} items on {axes}")
    consensus = {target: (run.rng.randint(2, 5), run.rng.randint(1, 5)) for target in titles}
    for phone in run.phones:
        for target, (x, y) in consensus.items():
            payload = {"target_id": target, "x": _spread(x, run.rng), "y": _spread(y, run.rng)}
            call(phone.client, "rate", payload, phone.name)
            run.tally["ratings"] += 1
        run.echo(f"  {phone.name} rated {len(titles)} items")
        run.step(run.pace / max(1, len(run.phones)))
    for point in run.state().get("rating", {}).get("matrix", []):
        if point.get("count"):
            corner = QUADRANTS.get(point["quadrant"], {}).get(run.language, point["quadrant"])
            run.echo(f"  {point['title']}: {point['x']} / {point['y']} ({corner})")


def _spread(center: int, rng: random.Random) -> int:
    """A participant's score near the room's view: people agree, but not exactly."""
    return max(SCALE[0], min(SCALE[1], center + rng.choice((-1, 0, 0, 1))))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def other_stage(run: Run, state: dict) -> None:
    """Discussion happens in the room, not on the phones: just give it a moment."""
    run.step()


STEPS: dict[str, Callable[[Run, dict], None]] = {
    "write": write_stage,
    "cluster": cluster_stage,
    "vote": vote_stage,
    "rate": rate_stage,
}


def play(run: Run) -> None:
    """Walk every stage of the plan from the current one, then stop on the last."""
    state = run.state()
    stages = state["stages"]
    for stage in stages[state["stage"]["index"] :]:
        if stage["index"] != state["stage"]["index"]:
            # Private notes are revealed on the way, as the console offers to.
            run.command("change_stage", {"stage": stage["index"], "reveal": True})
            state = run.state()
        run.echo(f"[{stage['index'] + 1}/{len(stages)}] {stage['title']} ({stage['kind']})")
        STEPS.get(stage["kind"], other_stage)(run, state)
        run.step()


def connect_phones(url: str, workshop: DemoWorkshop, count: int, echo: Echo, phones: list[Phone]) -> None:
    """Join and connect `count` phones into `phones`, one after the other like people arriving.

    Filled in place, so the caller can disconnect the ones that did connect if one fails.
    """
    join_url = f"{url}/j/{workshop.code.replace('-', '')}"
    for number in range(1, count + 1):
        cookie = join_participant(join_url, echo)
        phones.append(Phone(number, connect(url, workshop.id, "participant", cookie)))
    echo(f"  {count} participants joined and connected")


def drive(
    url: str,
    workshop: DemoWorkshop,
    participants: int,
    pace: float,
    language: str,
    echo: Echo,
    rng: random.Random | None = None,
) -> Counter:
    """Run the demo against the server at `url`; return the tallies. Raises DemoError.

    Every connection is closed at the end, even when the run fails half-way.
    """
    _client_libraries()
    url = url.rstrip("/")
    started = time.monotonic()
    cookie = login_facilitator(url, workshop.email, workshop.password, echo)
    facilitator = connect(url, workshop.id, "facilitator", cookie)
    echo(f"  facilitator {workshop.email} logged in at {url}")
    phones: list[Phone] = []
    try:
        connect_phones(url, workshop, participants, echo, phones)
        run = Run(facilitator, phones, pace, language, echo, rng or random.Random())  # noqa: S311 (made-up opinions, not secrets)
        _pause(pace)
        play(run)
    finally:
        for client in [facilitator, *(phone.client for phone in phones)]:
            client.disconnect()
    seconds = time.monotonic() - started
    tally = run.tally
    echo(
        f"done in {seconds:.0f} s: {tally['notes']} notes, {tally['clusters']} groups, "
        f"{tally['dots']} dots, {tally['ratings']} ratings"
    )
    return tally
