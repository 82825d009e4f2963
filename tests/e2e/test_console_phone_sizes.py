"""The console on a 1366×768 laptop and the phone at 360×740, in Spanish, with a full room.

The room (reform co-design: 60 notes, 8 groups, 12 participants, dots, ratings, decisions)
is built with the shared factories straight into the database of the real server, then
the console is opened at every stage kind: nothing may stick out sideways, the ranking's
decision menus must be readable whole, and the counts must move while phones write. On
the phone, a note just sent shows under the box, marked sent, without scrolling; every
control is a thumb's size; rating buttons carry the plan's words for both ends.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import FACILITATOR, PHONE, SCREENSHOTS, log_in

pytestmark = pytest.mark.e2e

LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "es-PY"}
# reform-codesign: 0 discuss, 1 write, 2 cluster, 3 vote, 4 rate, 5 write, 6 commit
WRITE, CLUSTER, VOTE, RATE, COMMIT = 1, 2, 3, 4, 6
GROUPS = [
    "Turnos y agenda compartida con la comunidad",
    "Insumos y medicamentos según el consumo real",
    "Capacitación en servicio dentro del horario",
    "Reclamos y respuestas a la comunidad",
    "Transporte para visitas domiciliarias",
    "Supervisión que acompaña en lugar de castigar",
    "Datos de la unidad usados para decidir",
    "Reconocimiento al personal que se queda",
]
LANES = ("usf", "region", "ministry")


class Room:
    """The whole room, played through the services straight into the server's own database;
    each step opens its own application context (as a command would)."""

    def __init__(self, server):
        from workshop import create_app

        instance = server["instance"]
        self.app = create_app(
            {
                "INSTANCE_PATH": str(instance),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'workshop.db'}",
                "BASE_URL": server["url"],
            }
        )
        self.id = self.code = None
        self.step(self._build)

    def step(self, change, *args):
        from workshop.accounts.models import Facilitator
        from workshop.core.models import Workshop
        from workshop.database import commit_with_retries
        from workshop.extensions import db

        def work():
            owner = db.session.scalar(db.select(Facilitator).where(Facilitator.email == FACILITATOR[0]))
            workshop = db.session.get(Workshop, self.id) if self.id else None
            change(owner, workshop, *args)

        with self.app.app_context():
            # The server writes to the same SQLite file: wait for its write lock like it does.
            (commit_with_retries if self.id else lambda unit: (unit(), db.session.commit()))(work)
            db.session.remove()

    def _build(self, owner, _workshop):
        from workshop.clustering.services import group_notes
        from workshop.extensions import db
        from workshop.voting.services import cast_dot
        from workshop.workshops.services import change_stage

        workshop = factories.workshop_from_plan(
            owner, "reform-codesign", "USF Itauguá · reformas", stage=WRITE
        )
        self.id, self.code = workshop.id, workshop.code
        people = factories.participants(workshop, 12)
        notes = []
        for number in range(60):
            text = f"{GROUPS[number % 8].split()[0]}: propuesta número {number + 1} de la unidad, con detalle"
            notes.append(factories.note(workshop, people[number % 12], WRITE, text))
            notes[-1].lane = LANES[number % 3]
        db.session.commit()
        change_stage(workshop, owner, CLUSTER)
        groups = [
            group_notes(workshop, owner, [n.id for n in notes[i::8][:6]], title)
            for i, title in enumerate(GROUPS)
        ]
        change_stage(workshop, owner, VOTE)
        for index, person in enumerate(people):
            for offset in (0, 1, 3):
                cast_dot(workshop, person, groups[(index + offset) % 5].id, factories.new_client_id())
        self.people = [person.id for person in people]
        self.groups = [group.id for group in groups]

    def move(self, index: int) -> None:
        from workshop.workshops.services import change_stage

        self.step(lambda owner, workshop: change_stage(workshop, owner, index))

    def close_vote(self) -> None:
        from workshop.voting.services import set_vote_closed
        from workshop.workshops.services import change_stage

        def close(owner, workshop):
            change_stage(workshop, owner, VOTE)
            set_vote_closed(workshop, owner, True)

        self.step(close)

    def rate_all(self) -> None:
        """Eight people rate the short list; one group is selected, one set aside."""
        from workshop.core.models import Participant
        from workshop.extensions import db
        from workshop.ranking.services import set_decision
        from workshop.rating.services import rate
        from workshop.voting.services import candidates
        from workshop.workshops.services import change_stage

        def play(owner, workshop):
            change_stage(workshop, owner, RATE)
            # The plan rates the vote's short list only.
            shortlist = [option["id"] for option in candidates(workshop, RATE)]
            for index, person_id in enumerate(self.people[:8]):
                person = db.session.get(Participant, person_id)
                for number, group in enumerate(shortlist):
                    rate(workshop, person, group, 1 + (index + number) % 5, 1 + (number * 2 + index) % 5)
            set_decision(workshop, owner, "cluster", self.groups[0], "selected")
            set_decision(workshop, owner, "cluster", self.groups[7], "set_aside")

        self.step(play)


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  const page = document.documentElement.scrollWidth;
  if (page > width) out.push(`page ${page} > ${width}`);
  for (const node of document.querySelectorAll("body *")) {
    const box = node.getBoundingClientRect();
    if (!box.width || getComputedStyle(node).visibility === "hidden") continue;
    if (box.right > width + 1) out.push(`${node.tagName}.${node.className} right ${Math.round(box.right)}`);
  }
  // Menus and buttons of a group stay inside its card.
  for (const card of document.querySelectorAll(".cluster-card")) {
    const edge = card.getBoundingClientRect().right;
    for (const inner of card.querySelectorAll("select, button")) {
      const right = inner.getBoundingClientRect().right;
      if (right > edge + 1) out.push(`${inner.tagName} out of its card: ${Math.round(right - edge)} px`);
    }
  }
  return out;
}"""


# A decision menu's box against what its words need ("Seleccionada", "Dejada de lado").
SELECT_FITS = """s => {
  const style = getComputedStyle(s);
  const pen = document.createElement("canvas").getContext("2d");
  pen.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const box = s.getBoundingClientRect();
  return {
    box: box.width, needs: s.scrollWidth, right: box.right, width: document.documentElement.clientWidth,
    widest: Math.max(...[...s.options].map((o) => pen.measureText(o.text).width)),
    inner: s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
  };
}"""


def open_console(page, server, room) -> None:
    page.goto(f"{server['url']}/w/{room.id}")
    expect(page.locator("#conn")).to_have_attribute("data-state", "online")


def test_console_at_1366_fits_every_stage_and_shows_the_ranking_whole(server, browser, screenshot):
    room = Room(server)
    page = browser.new_context(**LAPTOP).new_page()
    log_in(page, server["url"])
    for index, name in ((0, "discuss"), (WRITE, "write"), (CLUSTER, "cluster"), (VOTE, "vote")):
        room.move(index)
        open_console(page, server, room)
        assert page.evaluate(OVERFLOW) == [], name
        # Management is folded away: the stage's work has the room.
        expect(page.locator("#manage")).not_to_have_attribute("open", "")
        if name == "cluster":
            expect(page.locator(".cluster-card")).to_have_count(8)
        screenshot(page, f"console-1366-{name}")
    room.close_vote()
    open_console(page, server, room)
    expect(page.locator("#ranking-panel")).to_have_attribute("open", "")
    assert page.evaluate(OVERFLOW) == []
    screenshot(page, "console-1366-vote-closed")
    room.rate_all()
    open_console(page, server, room)
    expect(page.locator("svg.matrix circle.mean").first).to_be_visible()
    expect(page.locator("table.ranking tr.selected")).to_have_count(1)
    assert page.evaluate(OVERFLOW) == []
    selects = page.locator("table.ranking select")
    expect(selects).to_have_count(8)
    for number in range(8):
        fits = selects.nth(number).evaluate(SELECT_FITS)
        assert fits["box"] >= fits["needs"] and fits["right"] <= fits["width"], fits
        assert fits["inner"] >= fits["widest"] + 16, fits  # every choice readable whole, arrow aside
    page.locator("table.ranking select").first.scroll_into_view_if_needed()
    screenshot(page, "console-1366-ranking")
    room.move(COMMIT)
    open_console(page, server, room)
    assert page.evaluate(OVERFLOW) == []
    screenshot(page, "console-1366-commit")


def test_console_counts_move_while_a_phone_writes(server, browser):
    room = Room(server)
    room.move(WRITE)
    console = browser.new_context(**LAPTOP).new_page()
    log_in(console, server["url"])
    open_console(console, server, room)
    badge = console.locator(f"[data-count-for='{WRITE}']")
    expect(badge).to_have_text("60")
    current = console.locator("#participation li.current")
    expect(current).to_contain_text("12 participantes escribieron notas")
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{server['url']}/j/{room.code}")
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    phone.fill("#note-text", "Una idea nueva desde el celular")
    phone.locator("#send").tap()
    # Without reloading: the stage's count, its badge and who took part all move.
    expect(console.locator("#note-count")).to_have_text("61 notas")
    expect(badge).to_have_text("61")
    expect(current).to_contain_text("13 participantes escribieron notas")
    expect(console.locator("#participant-count")).to_have_text("13 participantes")

    # Grouping: the ticked notes leave the selection, and their boxes say so.
    room.move(CLUSTER)
    open_console(console, server, room)
    loose = console.locator(".loose .note")
    expect(loose).to_have_count(13)  # twelve loose, and the phone's
    for number in (0, 1):
        loose.nth(number).locator("input").check()
    console.fill("#group-name", "Ideas sueltas")
    console.keyboard.press("Enter")
    card = console.locator(".cluster-card").filter(has=console.locator("h3", has_text="Ideas sueltas"))
    expect(card.locator(".note")).to_have_count(2)
    expect(console.locator(".note.pickable input:checked")).to_have_count(0)
    expect(console.locator(".note.picked")).to_have_count(0)
    # Nothing is still selected: grouping again asks for notes first.
    console.once("dialog", lambda dialog: dialog.accept())
    console.locator(".cluster-tools button.primary").click()
    expect(card.locator(".note")).to_have_count(2)


def touch_targets_too_small(page) -> list[str]:
    return page.evaluate("""() => {
      const small = [];
      const visible = (node) => {
        const box = node.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && getComputedStyle(node).visibility !== "hidden";
      };
      for (const node of document.querySelectorAll("a, button, input, select, textarea, summary")) {
        if (!visible(node) || node.type === "hidden") continue;
        // A box or radio is hit through its label: the label is the target.
        const target = ["checkbox", "radio"].includes(node.type) ? node.closest("label") || node : node;
        const box = target.getBoundingClientRect();
        if (box.width < 44 || box.height < 44) {
          small.push(`${node.tagName} "${(target.textContent || node.name || "").trim().slice(0, 30)}" `
            + `${Math.round(box.width)}×${Math.round(box.height)}`);
        }
      }
      return small;
    }""")


def test_phone_sees_its_note_sent_under_the_box_and_rates_with_anchors(server, browser, screenshot):
    room = Room(server)
    room.move(WRITE)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{server['url']}/j/{room.code}")
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    assert touch_targets_too_small(phone) == []
    phone.locator("#lanes label.chip").first.tap()
    phone.fill("#note-text", "Turnos por mensaje de texto para no hacer fila")
    phone.locator("#send").tap()
    mine = phone.locator("#my-notes .note", has_text="Turnos por mensaje de texto")
    expect(mine).to_have_class(re.compile(r"\bsent\b"))
    expect(mine.locator(".note-status.sent")).to_have_text("✓ Enviada")
    expect(phone.locator("#mine-title")).to_have_text("Tus notas")
    expect(mine).to_be_in_viewport(ratio=1)
    box, send = mine.bounding_box(), phone.locator("#send").bounding_box()
    assert box["y"] + box["height"] <= 740 and box["y"] > send["y"], (box, send)
    # Not hidden under the sticky header either: its text is what a person sees there.
    uncovered = mine.evaluate(
        """item => { const text = item.querySelector('.note-text').getBoundingClientRect();
          const hit = document.elementFromPoint(text.left + 5, text.top + 3);
          return Boolean(hit && item.contains(hit)); }"""
    )
    assert uncovered, "the sent note is under the header"
    phone.screenshot(path=str(SCREENSHOTS / "phone-360-write-sent-viewport.png"))  # what the thumb sees
    screenshot(phone, "phone-360-write-sent")
    assert touch_targets_too_small(phone) == []

    room.move(CLUSTER)
    phone.reload()
    expect(phone.locator(".watch-hint")).to_be_visible()
    assert touch_targets_too_small(phone) == []
    room.move(0)
    phone.reload()
    expect(phone.locator("#stage-hint")).to_be_visible()
    room.move(VOTE)
    phone.reload()
    expect(phone.locator(".dots-left")).to_be_visible()
    assert touch_targets_too_small(phone) == []
    room.close_vote()
    room.rate_all()
    phone.reload()
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    card = phone.locator(".group-card").first
    anchors = card.locator(".rate-anchors").first
    expect(anchors).to_be_visible()
    expect(anchors).to_contain_text("1 = bajo")
    expect(anchors).to_contain_text("5 = alto")
    expect(card.locator(".rate-row button.scale").first).to_have_attribute("aria-label", "1 (bajo)")
    assert touch_targets_too_small(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    card.scroll_into_view_if_needed()
    phone.screenshot(path=str(SCREENSHOTS / "phone-360-rate-viewport.png"))
    screenshot(phone, "phone-360-rate")
    assert json.loads(phone.locator("#live-state").text_content())["stage"]["axes"][0]["low"] == "bajo"
