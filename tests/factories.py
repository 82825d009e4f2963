"""Shared factories: what tests build again and again, written once.

Plain functions (they need an app context, which the `app` fixture gives); the fixtures in
tests/conftest.py wrap the common ones. Test modules import from here, never from each
other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from workshop.accounts.models import Facilitator
from workshop.board.models import Note
from workshop.board.services import add_note, delete_note
from workshop.clustering.services import group_notes
from workshop.commitments.services import add_commitment, commit_ideas
from workshop.core.models import Participant, Workshop
from workshop.extensions import db
from workshop.facilitation.moderation import set_note_hidden
from workshop.facilitation.stage_controls import reveal_stage
from workshop.plans import Plan, load_plan, load_plan_file
from workshop.ranking.services import set_decision
from workshop.rating.services import rate
from workshop.voting.services import candidates, cast_dot, set_vote_closed
from workshop.workshops.services import change_stage, create_workshop, join_workshop

ROOT = Path(__file__).resolve().parent.parent
PLANS_DIR = ROOT / "sessions"
EMAIL = "ana@example.org"
PASSWORD = "correct horse battery"


def new_client_id() -> str:
    """A fresh client-generated id, as a phone makes for each note, dot or tap."""
    return uuid.uuid4().hex


def facilitator(email: str = EMAIL, password: str = PASSWORD) -> Facilitator:
    """A facilitator account, committed."""
    from workshop.accounts.services import create_facilitator

    account = create_facilitator(email, password)
    db.session.commit()
    return account


def login(client, email: str = EMAIL, password: str = PASSWORD):
    """Log a Flask test client in through the login form; returns the response."""
    return client.post("/login", data={"email": email, "password": password})


def logged_in(client, email: str = EMAIL, password: str = PASSWORD):
    """The client, logged in (the login must succeed)."""
    response = login(client, email, password)
    assert response.status_code == 302, "login failed"
    return client


def workshop_from_plan(
    owner: Facilitator,
    plan: Plan | str = "pd-discovery",
    title: str = "USF San Lorenzo",
    stage: int = 1,
    language: str = "es",
    **details,
) -> Workshop:
    """A workshop of `plan` (a Plan or a slug in sessions/), moved to `stage`, committed."""
    if isinstance(plan, str):
        plan = load_plan(plan, PLANS_DIR)
    workshop = create_workshop(owner, plan, title, language, **details)
    if stage:
        change_stage(workshop, owner, stage)
    db.session.commit()
    return workshop


def participant(workshop: Workshop, name: str | None = None) -> Participant:
    """Someone who joined from a phone (anonymous unless `name`), committed."""
    joined = join_workshop(workshop, name)
    db.session.commit()
    return joined


def participants(workshop: Workshop, count: int) -> list[Participant]:
    return [participant(workshop) for _ in range(count)]


def move(workshop: Workshop, facilitator: Facilitator, stage: int) -> None:
    """The facilitator moves the room to `stage`, committed."""
    change_stage(workshop, facilitator, stage)
    db.session.commit()


# A whole reform-codesign workshop ------------------------------------------------------------

# reform-codesign: 0 question (discuss), 1 ideas (write, lanes usf/region/ministry),
# 2 merge (cluster), 3 shortlist (vote: 5 dots, cap 2), 4 impact-feasibility (rate)
REFORM_WRITE, REFORM_CLUSTER, REFORM_VOTE, REFORM_RATE = 1, 2, 3, 4
SIGNED_NAME = "Rosa Benítez Caballero"
DELETED_TEXT = "Nota retirada por su autora"
HIDDEN_TEXT = "Nota ocultada por la facilitadora"


@dataclass
class ReformRun:
    """What the played workshop contains, to compare a report with."""

    workshop: Workshop
    participants: list[Participant]
    notes: dict[str, Note] = field(default_factory=dict)
    clusters: dict[str, int] = field(default_factory=dict)

    @property
    def named(self) -> Participant:
        return self.participants[0]


def reform_workshop(owner: Facilitator, extra_notes: tuple[str, ...] = (), language: str = "en") -> ReformRun:
    """A reform-codesign workshop played through the services, as a room would.

    Four groups: A gets 4 dots and is selected; B and C get 2 dots each and the
    same ratings (a tie); D gets 1 dot and is set aside. One participant signs
    their notes with a name; one note is deleted by its author, one hidden by
    the facilitator, one carries field evidence, one stays ungrouped.
    `extra_notes` are posted ungrouped too (for escaping tests).
    """
    workshop = workshop_from_plan(
        owner,
        "reform-codesign",
        "Reforma en USF Luque",
        stage=REFORM_WRITE,
        language=language,
        place="Luque, Central",
        held_on=date(2025, 5, 14),
    )
    people = [participant(workshop, SIGNED_NAME)] + participants(workshop, 3)
    named, p2, p3, p4 = people
    run = ReformRun(workshop, people)

    def post(key: str, author: Participant, text: str, lane: str | None) -> None:
        note, created = add_note(workshop, author, text, new_client_id(), REFORM_WRITE, lane)
        assert created
        run.notes[key] = note

    post("a1", named, "Turnos por teléfono para no hacer fila desde la madrugada", "usf")
    post("a2", p2, "Agenda compartida de visitas domiciliarias", "usf")
    post("b1", p3, "Stock mínimo garantizado de insumos básicos", "region")
    post("b2", p4, "Pedido de medicamentos según el consumo real", "region")
    post("c1", p2, "Capacitación en servicio dentro del horario", "ministry")
    post("d1", p3, "Buzón y WhatsApp para reclamos", "usf")
    post("loose", named, "Una idea suelta que nadie agrupó", "ministry")
    post("gone", p4, DELETED_TEXT, "usf")
    post("hidden", p3, HIDDEN_TEXT, "region")
    for number, text in enumerate(extra_notes):
        post(f"extra{number}", p2, text, "usf")
    delete_note(workshop, p4, run.notes["gone"].id)
    # Stand-in for the field-note import: a note that carries its evidence.
    run.notes["b1"].evidence_id = "FN-07"
    run.notes["b1"].source = "Entrevista, USF Luque"
    db.session.commit()

    change_stage(workshop, owner, REFORM_CLUSTER)
    set_note_hidden(workshop, owner, run.notes["hidden"].id, True)
    for key, title, members in (
        ("A", "Turnos y agenda", ["a1", "a2"]),
        ("B", "Insumos y medicamentos", ["b1", "b2"]),
        ("C", "Personal y capacitación", ["c1"]),
        ("D", "Comunidad y confianza", ["d1"]),
    ):
        cluster = group_notes(workshop, owner, [run.notes[m].id for m in members], title)
        run.clusters[key] = cluster.id
    db.session.commit()

    change_stage(workshop, owner, REFORM_VOTE)
    ballots = {named: "AAB", p2: "AAC", p3: "BC", p4: "D"}
    for voter, keys in ballots.items():
        for key in keys:
            cast_dot(workshop, voter, run.clusters[key], new_client_id())
    set_vote_closed(workshop, owner, True)
    db.session.commit()

    change_stage(workshop, owner, REFORM_RATE)
    ratings = {
        named: {"A": (5, 5), "B": (4, 2), "C": (4, 2), "D": (1, 1)},
        p2: {"A": (4, 4), "B": (2, 4), "C": (2, 4)},
        p4: {"D": (2, 5)},
    }
    for rater, scores in ratings.items():
        for key, (x, y) in scores.items():
            rate(workshop, rater, run.clusters[key], x, y)
    set_decision(workshop, owner, "cluster", run.clusters["A"], "selected")
    set_decision(workshop, owner, "cluster", run.clusters["D"], "set_aside")
    db.session.commit()
    return run


# The facilitation toolkit's rooms ------------------------------------------------------------

# pd-discovery: 1 signs, 2 works, 3 barriers, 4 deviants (write); 5 cluster; 6 vote (3 dots, cap 2)
CLUSTER, VOTE = 5, 6


def refused(error: type[Exception], match: str, operation, *args) -> None:
    """Run an operation that must be refused, then roll back like a boundary does."""
    with pytest.raises(error, match=match):
        operation(*args)
    db.session.rollback()


def count(model, *where) -> int:
    """Rows of `model` matching `where`."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def note(workshop: Workshop, author: Participant, stage: int, text: str = "nota") -> Note:
    """A note posted from a phone (flushed, not committed)."""
    created, _ = add_note(workshop, author, text, new_client_id(), stage)
    return created


def dot(workshop: Workshop, voter: Participant, target_id: int):
    """One dot on a group, committed."""
    created, fresh = cast_dot(workshop, voter, target_id, new_client_id())
    db.session.commit()
    assert fresh
    return created


def cluster_room(owner: Facilitator) -> SimpleNamespace:
    """pd-discovery on its cluster stage with notes in every write stage.

    Only stages 2 ("works") and 4 ("deviants") feed the cluster stage.
    """
    workshop = workshop_from_plan(owner, stage=4)
    one, two = participant(workshop), participant(workshop, "Rosa")
    notes = SimpleNamespace(
        sign=note(workshop, one, 1),
        works1=note(workshop, one, 2),
        works2=note(workshop, two, 2),
        works3=note(workshop, two, 2),
        barrier=note(workshop, one, 3),
        deviant=note(workshop, two, 4),
    )
    move(workshop, owner, CLUSTER)
    return SimpleNamespace(workshop=workshop, one=one, two=two, notes=notes, facilitator=owner)


def vote_room(room: SimpleNamespace) -> SimpleNamespace:
    """The cluster room on its vote stage, with groups a (two notes), b and c (one each)."""
    w, f, n = room.workshop, room.facilitator, room.notes
    room.a = group_notes(w, f, [n.works1.id, n.works2.id], "Visitas")
    room.b = group_notes(w, f, [n.works3.id], "Agenda")
    room.c = group_notes(w, f, [n.deviant.id], "Promotoras")
    move(w, f, VOTE)
    return room


def other_workshop(owner: Facilitator) -> SimpleNamespace:
    """Another workshop on its cluster stage, with one note in one group."""
    workshop = workshop_from_plan(owner, title="Otro taller", stage=2)
    stranger = participant(workshop)
    foreign = note(workshop, stranger, 2, "ajena")
    move(workshop, owner, CLUSTER)
    group = group_notes(workshop, owner, [foreign.id], "Ajeno")
    db.session.commit()
    return SimpleNamespace(workshop=workshop, participant=stranger, note=foreign, cluster=group)


def reform_ideas(owner: Facilitator) -> SimpleNamespace:
    """reform-codesign (in English) on its cluster stage: five ideas, one group each (A … E)."""
    workshop = workshop_from_plan(owner, "reform-codesign", stage=REFORM_WRITE, language="en")
    people = participants(workshop, 3)
    ideas = [note(workshop, people[0], REFORM_WRITE, f"idea {i}") for i in range(5)]
    move(workshop, owner, REFORM_CLUSTER)
    groups = [
        group_notes(workshop, owner, [idea.id], title) for idea, title in zip(ideas, "ABCDE", strict=True)
    ]
    db.session.commit()
    return SimpleNamespace(
        workshop=workshop, people=people, ideas=ideas, facilitator=owner, **{c.title: c for c in groups}
    )


def private_workshop(owner: Facilitator, folder: Path) -> Workshop:
    """pd-discovery with its first write stage ("signs") private, on that stage."""
    source = (PLANS_DIR / "pd-discovery.toml").read_text()
    path = folder / "private-plan.toml"
    private = source.replace('id = "signs"\nkind = "write"', 'id = "signs"\nkind = "write"\nprivate = true')
    path.write_text(private)
    return workshop_from_plan(owner, load_plan_file(path))


# A full room for the browser tests at real sizes ------------------------------------------

# reform-codesign: 0 discuss, 1 write, 2 cluster, 3 vote, 4 rate, 5 write (pilot), 6 commit
REFORM_COMMIT = 6
ROOM_NOTES, ROOM_GROUPS, ROOM_PEOPLE = 60, 8, 12
_SUBJECTS = (
    "Turnos por teléfono",
    "Agenda compartida de visitas domiciliarias",
    "Stock mínimo de insumos básicos",
    "Reuniones cortas del equipo cada lunes",
    "Promotoras que avisan de las embarazadas nuevas",
    "Capacitación en servicio dentro del horario",
    "Buzón y WhatsApp para reclamos",
    "Pedido de medicamentos según el consumo real",
    "Reconocimiento público al personal",
    "Supervisión que acompaña en lugar de castigar",
)
_DETAILS = (
    "",
    " para no hacer fila desde la madrugada",
    " con la comisión vecinal y la escuela del barrio, para que nadie quede sin atención",
    " aunque falte personal: lo hacemos así desde hace dos años y la gente vuelve",
    " en la USF de Capiatá",
    " con una planilla sencilla que cualquiera puede llenar",
)
ROOM_GROUP_TITLES = (
    "Turnos y agenda",
    "Insumos y medicamentos",
    "Personal y capacitación",
    "Comunidad y confianza",
    "Supervisión",
    "Reconocimiento",
    "Información para actuar",
    "Reclamos y respuestas",
)


def room_note_text(number: int) -> str:
    """The text of note `number` of a full room: 20 to 150 characters, all different."""
    return f"{_SUBJECTS[number % len(_SUBJECTS)]}{_DETAILS[(number * 7) % len(_DETAILS)]} ({number + 1})"


def full_room(owner: Facilitator) -> SimpleNamespace:
    """A reform-codesign room (Spanish) as the tests at real sizes need it: 12 participants,
    60 notes in the private write stage (three lanes; revealed), 8 groups of 6 and 12 notes
    left ungrouped, every participant's 5 dots cast (the vote closed), the short list rated by
    everyone, and
    a commitment for each of the top ideas. The workshop is left on its first stage;
    `move` it (and `set_vote_closed`) to show another."""
    workshop = workshop_from_plan(owner, "reform-codesign", "USF Capiatá", stage=REFORM_WRITE, language="es")
    people = participants(workshop, ROOM_PEOPLE)
    lanes = ("usf", "region", "ministry")
    notes = []
    for number in range(ROOM_NOTES):
        author = people[number % ROOM_PEOPLE]
        created, _ = add_note(
            workshop, author, room_note_text(number), new_client_id(), REFORM_WRITE, lanes[number % 3]
        )
        notes.append(created)
    reveal_stage(workshop, owner)  # the ideas stage is private: the room sees them now
    db.session.commit()
    move(workshop, owner, REFORM_CLUSTER)
    groups = [
        group_notes(workshop, owner, [n.id for n in notes[index * 6 : index * 6 + 6]], title)
        for index, title in enumerate(ROOM_GROUP_TITLES)
    ]
    db.session.commit()
    move(workshop, owner, REFORM_VOTE)
    for number, person in enumerate(people):
        for step in (0, 0, 1, 3, 5):
            cast_dot(workshop, person, groups[(number + step) % ROOM_GROUPS].id, new_client_id())
    set_vote_closed(workshop, owner, True)
    db.session.commit()
    move(workshop, owner, REFORM_RATE)
    shortlist = [idea["id"] for idea in candidates(workshop, REFORM_RATE)]
    for number, person in enumerate(people):
        for index, group_id in enumerate(shortlist):
            rate(workshop, person, group_id, 1 + (index + number % 2) % 5, 1 + (index * 3 + number % 3) % 5)
    db.session.commit()
    move(workshop, owner, REFORM_COMMIT)
    for number, idea in enumerate(commit_ideas(workshop)):
        add_commitment(
            workshop,
            people[number],
            new_client_id(),
            REFORM_COMMIT,
            {"type": idea["type"], "id": idea["id"]},
            f"Probar «{idea['title']}» durante un mes en dos unidades",
            "Jefa de enfermería de la USF",
            "2027-03-31",
            "Cuántas personas esperan más de una hora",
        )
    db.session.commit()
    move(workshop, owner, 0)
    return SimpleNamespace(workshop=workshop, people=people, notes=notes, groups=groups, facilitator=owner)
