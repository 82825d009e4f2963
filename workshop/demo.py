"""`workshop demo`: a whole workshop in about a minute, played by simulated phones.

Training a facilitator, or showing the product to a health region, needs a
room full of people typing. This module stands in for them: it creates a demo
workshop from a plan (the only direct database writes), then drives it
against a *running* server exactly as real devices would — the facilitator
logs in through the login form, each participant opens the join link and
connects a Socket.IO client to `/live` — so a browser on the projector view
sees every note, group, dot and rating arrive live.

The driver walks the plan's stages in order: write stages get 1–3 notes per
participant from a small built-in bank about family health units (USF); the
facilitator groups cluster stages by theme; in vote stages every participant
spends their dots within the budget and cap the server reports, then the
facilitator closes the vote; in rate stages every participant places every
candidate on the two axes. It waits `pace` seconds between steps so people can
follow, prints a line per step, and stops at the last stage.
"""

from __future__ import annotations

import random
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily: the client libraries are not runtime dependencies
    import requests
    import socketio

DEMO_EMAIL = "demo@workshop.invalid"
# The server lets one address join 20 times a minute (and 200 an hour) and one phone
# post 30 notes a minute; 15 phones stay well inside both from a single laptop.
MAX_PARTICIPANTS = 15
NAMESPACE = "/live"
CALL_TIMEOUT = 15.0
CONNECT_TIMEOUT = 15.0
HTTP_TIMEOUT = 10.0
MAX_RATE_LIMIT_WAIT = 75.0  # wait out a per-minute limit; an hourly one is reported instead
NOTES_PER_PARTICIPANT = (1, 3)
SCALE = (1, 5)

Echo = Callable[[str], None]


class DemoError(Exception):
    """The demo cannot go on; the message says why and what to do."""


# --------------------------------------------------------------------------- what the phones say


@dataclass(frozen=True)
class Idea:
    """One note the simulated participants may write, in both languages."""

    theme: str
    lane: str | None
    es: str
    en: str

    def text(self, language: str) -> str:
        return self.es if language == "es" else self.en


THEMES: dict[str, dict[str, str]] = {
    "supplies": {"es": "Insumos y medicamentos", "en": "Supplies and medicines"},
    "visits": {"es": "Visitas domiciliarias y agenda", "en": "Home visits and scheduling"},
    "staff": {"es": "Personal y capacitación", "en": "Staff and training"},
    "community": {"es": "Comunidad y confianza", "en": "Community and trust"},
}

# Lanes `usf`, `region`, `ministry` are the "levels" of reform-codesign's idea stage;
# other plans' lanes get these notes round-robin.
IDEAS: tuple[Idea, ...] = (
    Idea("supplies", "usf", "Falta de insumos para curaciones", "Not enough supplies for wound care"),
    Idea(
        "supplies",
        "region",
        "Pedido de medicamentos según el consumo real de cada USF",
        "Order medicines from each unit's actual use",
    ),
    Idea(
        "supplies",
        "ministry",
        "Stock mínimo garantizado de insumos básicos en cada USF",
        "A guaranteed minimum stock of basic supplies in every unit",
    ),
    Idea(
        "supplies",
        "usf",
        "Registro semanal de faltantes compartido con la región",
        "A weekly shortage log shared with the region",
    ),
    Idea(
        "visits", "usf", "Visitas domiciliarias con agenda compartida", "Home visits with a shared schedule"
    ),
    Idea(
        "visits",
        "usf",
        "Turnos por teléfono para no hacer fila desde la madrugada",
        "Appointments by phone so nobody queues before dawn",
    ),
    Idea(
        "visits",
        "region",
        "Movilidad para llegar a las compañías más alejadas",
        "Transport to reach the most remote communities",
    ),
    Idea(
        "visits",
        "ministry",
        "Tiempo protegido en la agenda para visitas, no solo consultorio",
        "Protected time for home visits, not only clinic hours",
    ),
    Idea(
        "staff",
        "ministry",
        "Completar los equipos: faltan agentes comunitarios en varias USF",
        "Complete the teams: several units lack a community health worker",
    ),
    Idea(
        "staff",
        "region",
        "Capacitación en servicio dentro del horario laboral",
        "On-the-job training within working hours",
    ),
    Idea(
        "staff",
        "region",
        "Reconocer a los equipos que mejoran sus indicadores",
        "Recognise the teams that improve their indicators",
    ),
    Idea(
        "staff",
        "ministry",
        "Menos planillas repetidas: un solo registro digital",
        "Fewer duplicate forms: one digital record",
    ),
    Idea(
        "community",
        "usf",
        "Reuniones mensuales con la comisión vecinal",
        "Monthly meetings with the neighbourhood committee",
    ),
    Idea(
        "community",
        "usf",
        "Buzón y WhatsApp para reclamos y sugerencias",
        "A suggestion box and a WhatsApp line for complaints",
    ),
    Idea(
        "community",
        "region",
        "Promotores de la comunidad en el consejo local de salud",
        "Community promoters on the local health council",
    ),
    Idea(
        "community",
        "ministry",
        "Informar qué servicios ofrece la USF y en qué horario",
        "Tell people which services the unit offers, and when",
    ),
)

# reform-codesign's pilot stage: lanes `owner`, `hypothesis`, `indicator`; each note
# starts with the idea's name, as that stage's prompt asks.
PILOT_NOTES: tuple[Idea, ...] = (
    Idea(
        "supplies",
        "owner",
        "Insumos: la licenciada de farmacia de la USF, con la región",
        "Supplies: the unit's pharmacy nurse, with the region",
    ),
    Idea(
        "supplies",
        "hypothesis",
        "Insumos: SI pedimos según el consumo real, ENTONCES no faltarán gasas ni antisépticos",
        "Supplies: IF we order by actual use, THEN gauze and antiseptics will not run out",
    ),
    Idea(
        "supplies",
        "indicator",
        "Insumos: días al mes sin stock de insumos básicos",
        "Supplies: days a month without basic supplies",
    ),
    Idea(
        "visits",
        "owner",
        "Visitas: la médica de familia y los agentes comunitarios",
        "Visits: the family doctor and the community health workers",
    ),
    Idea(
        "visits",
        "hypothesis",
        "Visitas: SI compartimos la agenda, ENTONCES visitamos más familias prioritarias",
        "Visits: IF we share the schedule, THEN we visit more priority families",
    ),
    Idea(
        "visits",
        "indicator",
        "Visitas: % de visitas programadas que se realizaron",
        "Visits: % of planned home visits carried out",
    ),
    Idea(
        "staff",
        "owner",
        "Personal: la coordinación regional de atención primaria",
        "Staff: the regional primary care coordinator",
    ),
    Idea(
        "staff",
        "hypothesis",
        "Personal: SI capacitamos en servicio, ENTONCES bajan las derivaciones innecesarias",
        "Staff: IF we train on the job, THEN unnecessary referrals go down",
    ),
    Idea(
        "staff",
        "indicator",
        "Personal: horas de capacitación por funcionario al trimestre",
        "Staff: training hours per worker per quarter",
    ),
    Idea(
        "community",
        "owner",
        "Comunidad: la jefa de la USF con la comisión vecinal",
        "Community: the unit's head with the neighbourhood committee",
    ),
    Idea(
        "community",
        "hypothesis",
        "Comunidad: SI respondemos cada reclamo, ENTONCES crece la confianza en la USF",
        "Community: IF we answer every complaint, THEN trust in the unit grows",
    ),
    Idea(
        "community",
        "indicator",
        "Comunidad: reclamos respondidos en menos de 30 días",
        "Community: complaints answered within 30 days",
    ),
)

QUADRANTS: dict[str, dict[str, str]] = {  # the matrix's corners, as the console names them
    "quick_win": {"es": "ganancia rápida", "en": "quick win"},
    "major_project": {"es": "gran proyecto", "en": "major project"},
    "fill_in": {"es": "complemento", "en": "fill-in"},
    "thankless": {"es": "tarea ingrata", "en": "thankless task"},
}

# For notes not from the bank (a real phone joined the demo): a theme by keyword.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "supplies": ("insumo", "medicament", "stock", "farmacia", "suppl", "medicine", "pharmac"),
    "visits": ("visita", "agenda", "turno", "movilidad", "visit", "schedul", "appointment"),
    "staff": ("personal", "capacit", "equipo", "planilla", "staff", "training", "team"),
    "community": ("comunidad", "vecin", "reclamo", "communit", "neighbour", "complaint"),
}


def theme_of(text: str, fallback: str) -> str:
    """The theme of a note: the bank's own, else a keyword, else `fallback` (round-robin)."""
    for idea in (*IDEAS, *PILOT_NOTES):
        if text in (idea.es, idea.en):
            return idea.theme
    lowered = text.lower()
    for theme, words in KEYWORDS.items():
        if any(word in lowered for word in words):
            return theme
    return fallback


def note_deck(lane_keys: list[str], rng: random.Random) -> list[tuple[Idea, str | None]]:
    """Notes in the order they will be dealt, each with the lane to post it in.

    Themes alternate, so even a few notes cover every theme and the cluster
    stage has 3–4 groups to make. Notes whose lane the stage has come first
    (the pilot bank for a pilot stage); a stage with other lanes gets the idea
    bank spread over its lanes; a stage without lanes gets no lane.
    """
    fitting = [idea for idea in PILOT_NOTES + IDEAS if idea.lane in lane_keys]
    pool = fitting or list(IDEAS)
    by_theme: dict[str, list[Idea]] = {}
    for idea in pool:
        by_theme.setdefault(idea.theme, []).append(idea)
    for ideas in by_theme.values():
        rng.shuffle(ideas)
    themes = list(by_theme)
    rng.shuffle(themes)
    deck: list[Idea] = []
    while any(by_theme.values()):
        deck.extend(by_theme[theme].pop() for theme in themes if by_theme[theme])
    dealt = []
    for number, idea in enumerate(deck):
        if not lane_keys:
            lane = None
        elif idea.lane in lane_keys:
            lane = idea.lane
        else:
            lane = lane_keys[number % len(lane_keys)]
        dealt.append((idea, lane))
    return dealt


# --------------------------------------------------------------------------- setup (database)


@dataclass(frozen=True)
class DemoWorkshop:
    """What the driver needs from the database, as plain values (no open session)."""

    id: int
    code: str
    join_url: str
    facilitator_url: str
    screen_url: str
    email: str
    password: str
    stages: int

    def links(self) -> dict[str, Any]:
        """The same fields, in the same order, as `workshop new` prints."""
        return {
            "id": self.id,
            "code": self.code,
            "join_url": self.join_url,
            "facilitator_url": self.facilitator_url,
            "screen_url": self.screen_url,
        }


def demo_facilitator(password: str):
    """Create the demo account, or give the existing one this run's password.

    A fresh random password each run means no fixed credential ever exists on
    a server where the demo was once run; the driver is the only one who knows it.
    """
    from werkzeug.security import generate_password_hash

    from workshop.accounts.services import create_facilitator, find_facilitator
    from workshop.extensions import db

    facilitator = find_facilitator(DEMO_EMAIL)
    if facilitator is None:
        return create_facilitator(DEMO_EMAIL, password)
    facilitator.password_hash = generate_password_hash(password)
    db.session.flush()
    return facilitator


def create_demo_workshop(plan_ref: str, language: str, base_url: str) -> DemoWorkshop:
    """Create the account and the workshop, commit, and return plain values.

    Needs an app context. Links are built from `base_url` (the server the demo
    drives), so they open the workshop the phones are in. The session is closed
    afterwards: the server, not this process, writes from here on.
    Raises PlanError or DomainError.
    """
    from flask import current_app

    from workshop.extensions import db
    from workshop.live.state import public_links
    from workshop.plans import load_plan
    from workshop.workshops.services import create_workshop, format_code

    plan = load_plan(plan_ref, Path(current_app.config["PLANS_DIR"]))
    password = secrets.token_urlsafe(24)
    try:
        facilitator = demo_facilitator(password)
        title = f"Demo · {plan.text('title', language)}"[:200]
        workshop = create_workshop(facilitator, plan, title, language, "Demo", date.today())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    configured = current_app.config["BASE_URL"]
    current_app.config["BASE_URL"] = base_url  # only this process's app: links point to --url
    try:
        links = public_links(workshop)
    finally:
        current_app.config["BASE_URL"] = configured
    result = DemoWorkshop(
        id=workshop.id,
        code=format_code(workshop.code),
        email=DEMO_EMAIL,
        password=password,
        stages=len(plan.stages),
        **links,
    )
    db.session.close()
    return result


# --------------------------------------------------------------------------- the network side


def _client_libraries():
    """requests and python-socketio are test extras, not server dependencies."""
    try:
        import requests
        import socketio
    except ImportError as error:
        raise DemoError(
            f"workshop demo needs the Socket.IO client ({error.name} is missing): "
            "pip install 'python-socketio[client]' websocket-client requests "
            "(or pip install -e '.[test]')"
        ) from None
    return requests, socketio


def _pause(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


def _http(method: Callable[..., requests.Response], url: str, echo: Echo, **kwargs: Any) -> requests.Response:
    """One HTTP request; waits out a per-minute rate limit (429) instead of failing.

    Running the demo twice within a minute can exceed the join limit (20 a
    minute per address); the server's Retry-After says how long to wait.
    """
    requests, _ = _client_libraries()
    while True:
        try:
            answer = method(url, timeout=HTTP_TIMEOUT, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            raise DemoError(
                f"cannot reach {url} ({type(error).__name__}): is `workshop serve` "
                "running there? Start it, or pass its address with --url."
            ) from None
        if answer.status_code != 429:
            return answer
        wait = float(answer.headers.get("Retry-After") or 60)
        if wait > MAX_RATE_LIMIT_WAIT:
            raise DemoError(
                f"the server's rate limit refuses more requests from this address "
                f"for {wait:.0f} s ({url}); try again later or with fewer "
                "--participants"
            )
        echo(f"  rate limit reached; waiting {wait:.0f} s as the server asks")
        time.sleep(wait + 1)


def check_server(url: str) -> None:
    """Fail before creating anything when no server answers at `url`."""
    requests, _ = _client_libraries()
    _http(requests.get, url.rstrip("/") + "/", lambda _line: None)


def cookie_header(jar) -> str:
    """What a browser would send: every cookie the server set, as one Cookie header."""
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def login_facilitator(url: str, email: str, password: str, echo: Echo) -> str:
    """Log in through the real login form (with its CSRF token); return the Cookie header."""
    requests, _ = _client_libraries()
    http = requests.Session()
    page = _http(http.get, url + "/login", echo)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page.text)
    if page.status_code != 200 or token is None:
        raise DemoError(f"GET {url}/login gave HTTP {page.status_code} without a login form")
    answer = _http(
        http.post,
        url + "/login",
        echo,
        data={"email": email, "password": password, "csrf_token": token.group(1)},
    )
    if answer.status_code != 302:
        raise DemoError(
            f"the demo facilitator could not log in at {url} (HTTP "
            f"{answer.status_code}): is that server using the same database as "
            "this command (WORKSHOP_INSTANCE_PATH or WORKSHOP_DATABASE_URL)?"
        )
    return cookie_header(http.cookies)


def join_participant(join_url: str, echo: Echo) -> str:
    """Open the join link as a new phone would; return its Cookie header (the device token)."""
    requests, _ = _client_libraries()
    http = requests.Session()
    answer = _http(http.get, join_url, echo)
    if answer.status_code != 302 or "session" not in http.cookies:
        raise DemoError(f"joining with {join_url} gave HTTP {answer.status_code}")
    return cookie_header(http.cookies)


def connect(url: str, workshop_id: int, audience: str, cookie: str) -> socketio.Client:
    """A Socket.IO client on `/live`, identified by its cookie like a browser tab."""
    _, socketio = _client_libraries()
    client = socketio.Client(reconnection=False)
    try:
        client.connect(
            url,
            headers={"Cookie": cookie},
            namespaces=[NAMESPACE],
            auth={"workshop": workshop_id, "audience": audience},
            wait_timeout=CONNECT_TIMEOUT,
        )
    except socketio.exceptions.ConnectionError as error:
        raise DemoError(f"{audience} could not connect to {url}: {error}") from None
    return client


def call(client: socketio.Client, event: str, payload: dict, who: str) -> dict:
    """Send one command and return its acknowledgement; a refusal stops the demo."""
    _, socketio = _client_libraries()
    try:
        ack = client.call(event, payload, namespace=NAMESPACE, timeout=CALL_TIMEOUT)
    except socketio.exceptions.SocketIOError as error:
        raise DemoError(f"{who}: {event} got no answer ({error or 'timeout'})") from None
    if not isinstance(ack, dict) or not ack.get("ok"):
        message = ack.get("message") if isinstance(ack, dict) else ack
        raise DemoError(f"{who}: the server refused {event}: {message}")
    return ack


def new_client_id() -> str:
    """What a phone generates for each note or dot, so a resend is stored once."""
    return secrets.token_urlsafe(12)


# --------------------------------------------------------------------------- the run


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
            run.command("change_stage", {"stage": stage["index"]})
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
