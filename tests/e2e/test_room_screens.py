"""A full room at real sizes, every stage kind: 60 notes, 8 groups, 12 participants (built
with the services, tests/factories.py), seen by the projector at 1920×1080 and 1280×720,
the console at 1366×768 and a phone at 360×740.

The projector must show every note without anyone touching it: each note, group or
option is inside the screen on one of the pages its region turns through (the test
turns them with PageDown, as a presenter's remote does; by themselves they turn every
12 s), nothing scrolls, and no text is under 24 px at 1080 lines (16 px at 720, the same
layout scaled). No page scrolls sideways. Screenshots go to artifacts/screens/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, ROOT, log_in, server_app
from tests.factories import (
    REFORM_CLUSTER,
    REFORM_COMMIT,
    REFORM_RATE,
    REFORM_VOTE,
    REFORM_WRITE,
    ROOM_GROUPS,
    ROOM_NOTES,
    full_room,
    move,
)
from workshop.extensions import db
from workshop.voting.services import set_vote_closed

pytestmark = pytest.mark.e2e

SCREENS = ROOT / "artifacts" / "screens"
PROJECTORS = {"1920x1080": (1920, 1080, 24), "1280x720": (1280, 720, 16)}
CONSOLE = {"viewport": {"width": 1366, "height": 768}, "locale": "es-PY"}

# What one look at a page finds: paged regions, items outside the screen or cut by their
# region, the spot keys ("note:12", "cluster:3") of every item shown.
LOOK = """() => {
  const vw = innerWidth, vh = innerHeight, out = { outside: [], seen: [], pages: {} };
  const root = document.documentElement;
  out.scrollX = root.scrollWidth - root.clientWidth;
  out.scrollY = root.scrollHeight - root.clientHeight;
  const shown = (node) => !node.closest("[hidden]") && node.getClientRects().length > 0;
  for (const list of document.querySelectorAll(".paged")) {
    if (!shown(list)) continue;
    const key = list.closest("[data-region]")?.dataset.region || list.id;
    out.pages[key] = Number(list.dataset.pages || 1);
    const clip = list.getBoundingClientRect();
    const items = [...list.children, ...list.querySelectorAll("[data-spot]")];
    for (const item of items) {
      if (!shown(item)) continue;
      const r = item.getBoundingClientRect();
      const inside = r.left >= -0.5 && r.top >= -0.5 && r.right <= vw + 0.5 && r.bottom <= vh + 0.5
        && r.bottom <= clip.bottom + 0.5 && r.right <= clip.right + 0.5;
      const name = item.dataset.spot || item.className;
      const at = [r.left, r.top, r.right, r.bottom, clip.right, clip.bottom].map(Math.round);
      if (!inside) out.outside.push(`${key}: ${name} at ${at.slice(0, 4)} (region ends ${at.slice(4)})`);
      if (item.dataset.spot) out.seen.push(item.dataset.spot);
    }
  }
  return out;
}"""

# Every piece of text shown, with its size on the screen (an SVG's text scaled as drawn).
SMALL_TEXT = """(minimum) => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode;
    const element = text.parentElement;
    if (!text.data.trim() || !element || element.closest("[hidden], script, style, title")) continue;
    if (!element.getClientRects().length) continue;
    let size = parseFloat(getComputedStyle(element).fontSize);
    const svg = element.closest("svg");
    if (svg) size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    if (size < minimum - 0.01) small.push(`${size.toFixed(1)}px <${element.tagName.toLowerCase()} class="${
      element.getAttribute("class") || ""}">${text.data.trim().slice(0, 40)}`);
  }
  return small;
}"""


@pytest.fixture(scope="module")
def room(server):
    with server_app(server) as owner:
        built = full_room(owner)
        workshop = built.workshop
        found = {
            "id": workshop.id,
            "facilitator": owner.id,
            "note_ids": {f"note:{n.id}" for n in built.notes},
            "group_ids": {f"cluster:{g.id}" for g in built.groups},
            "console": f"{server['url']}/w/{workshop.id}",
            "screen": f"{server['url']}/s/{workshop.screen_token}",
            "join": f"{server['url']}/j/{workshop.code}",
            "server": server,
        }
    return found


def show(room, stage: int, vote_closed: bool | None = None) -> None:
    """Move the room (in the database; the pages load it afterwards)."""
    from workshop.accounts.models import Facilitator
    from workshop.core.models import Workshop

    with server_app(room["server"]):
        workshop = db.session.get(Workshop, room["id"])
        owner = db.session.get(Facilitator, room["facilitator"])
        move(workshop, owner, stage)
        if vote_closed is not None:
            set_vote_closed(workshop, owner, vote_closed)
            db.session.commit()


@pytest.fixture(scope="module")
def pages(browser, room):
    """One page per size, reused for every stage."""
    found = {}
    for name, (width, height, _) in PROJECTORS.items():
        found[f"projector-{name}"] = browser.new_context(
            viewport={"width": width, "height": height}, locale="es-PY"
        ).new_page()
    console = browser.new_context(**CONSOLE).new_page()
    log_in(console, room["server"]["url"])
    found["console-1366x768"] = console
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(room["join"])
    found["phone-360x740"] = phone
    yield found
    for page in found.values():
        page.context.close()


def load(page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#conn")).to_have_attribute("data-state", "online")
    page.evaluate("document.fonts.ready")


def projector_pass(page, name: str, minimum: int) -> tuple[set[str], dict]:
    """Turn every region through its pages; check each page; return what was shown."""
    small = page.evaluate(SMALL_TEXT, minimum)
    assert not small, f"{name}: text under {minimum}px: {small[:8]}"
    first = page.evaluate(LOOK)
    seen: set[str] = set()
    shown = []  # items on each page (the figures printed)
    for turn in range(max([1, *first["pages"].values()])):
        look = page.evaluate(LOOK) if turn else first
        assert look["scrollX"] <= 0 and look["scrollY"] <= 0, f"{name}: the projector scrolls"
        assert not look["outside"], f"{name}, page {turn + 1}: {look['outside'][:6]}"
        seen |= set(look["seen"])
        shown.append(len(set(look["seen"])))
        page.keyboard.press("PageDown")
    return seen, {**first["pages"], "items per page": shown}


def look_at_stage(pages, room, kind: str, expected: set[str]) -> dict:
    """Every page at this stage: screenshots, the projector's checks, no sideways scroll."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    figures = {}
    for name, page in pages.items():
        url = (
            room["screen"]
            if name.startswith("projector")
            else (room["console"] if name.startswith("console") else None)
        )
        if url:
            load(page, url)
        else:
            page.reload()
            expect(page.locator("#conn")).to_have_attribute("data-state", "online")
        page.screenshot(path=str(SCREENS / f"{kind}-{name}.png"), full_page=not name.startswith("projector"))
        width = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        figures[f"{name} sideways"] = width
        assert width <= 0, f"{kind} on {name}: {width}px of sideways scroll"
        if name.startswith("projector"):
            minimum = PROJECTORS[name.split("-", 1)[1]][2]
            seen, regions = projector_pass(page, f"{kind} on {name}", minimum)
            missing = expected - seen
            assert not missing, f"{kind} on {name}: never shown: {sorted(missing)[:8]}"
            figures[name] = regions
    print(kind, figures)
    return figures


def test_discuss(pages, room):
    show(room, 0)
    look_at_stage(pages, room, "discuss", set())
    assert pages["projector-1920x1080"].locator("#notes-region").is_hidden()


def test_write_sixty_notes(pages, room):
    show(room, REFORM_WRITE)
    figures = look_at_stage(pages, room, "write", room["note_ids"])
    assert len(room["note_ids"]) == ROOM_NOTES
    # The newest note is on the first page, in front.
    projector = pages["projector-1920x1080"]
    first = projector.locator("#notes .note").first
    expect(first).to_contain_text(f"({ROOM_NOTES})")
    assert figures["projector-1920x1080"]["notes"] >= 1


def test_cluster_ungrouped_and_groups_side_by_side(pages, room):
    show(room, REFORM_CLUSTER)
    look_at_stage(pages, room, "cluster", room["note_ids"] | room["group_ids"])
    projector = pages["projector-1920x1080"]
    expect(projector.locator(".region-loose")).to_be_visible()
    expect(projector.locator(".region-groups")).to_be_visible()
    expect(projector.locator(".region-groups .cluster-card")).to_have_count(ROOM_GROUPS)


def test_vote_open(pages, room):
    show(room, REFORM_VOTE, vote_closed=False)
    look_at_stage(pages, room, "vote-open", room["group_ids"])
    expect(pages["projector-1920x1080"].locator(".total")).to_have_count(0)  # totals hidden


def test_vote_closed(pages, room):
    show(room, REFORM_VOTE, vote_closed=True)
    look_at_stage(pages, room, "vote-closed", room["group_ids"])
    expect(pages["projector-1920x1080"].locator(".result .total")).to_have_count(ROOM_GROUPS)


def test_rate_matrix_fits(pages, room):
    show(room, REFORM_RATE)
    look_at_stage(pages, room, "rate", set())
    for name in PROJECTORS:
        page = pages[f"projector-{name}"]
        load(page, room["screen"])
        # The rate stage takes the vote's short list (6, and any tied with the sixth).
        expect(page.locator(".legend-item").nth(5)).to_be_visible()
        assert page.locator(".legend-item").count() == page.locator(".matrix .idea").count()
        width, height = PROJECTORS[name][:2]
        for selector in (".matrix", ".matrix .axis-label >> nth=0", ".matrix .axis-label >> nth=1"):
            box = page.locator(selector).bounding_box()
            assert box and box["x"] >= 0 and box["y"] >= 0, (name, selector, box)
            right, bottom = box["x"] + box["width"], box["y"] + box["height"]
            assert right <= width and bottom <= height, (name, selector, box)


def test_commit(pages, room):
    show(room, REFORM_COMMIT)
    look_at_stage(pages, room, "commit", set())
    expect(pages["projector-1920x1080"].locator(".commit-card").first).to_be_visible()
    # The console counts commitments here, not notes (it said "0 notas" beside them).
    expect(pages["console-1366x768"].locator("#note-count")).to_be_hidden()


def test_pages_turn_by_themselves_and_a_new_note_comes_first(browser, pages, room):
    """Every 12 s the next page, with nobody touching anything; a note sent from a phone
    brings the first page back with the note at its head."""
    show(room, REFORM_WRITE)
    projector = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="es-PY").new_page()
    projector.clock.install()
    load(projector, room["screen"])
    notes = projector.locator("#notes")
    expect(notes).to_have_attribute("data-page", "1")
    expect(projector.locator("#notes-page")).to_have_text(f"Página 1 de {notes.get_attribute('data-pages')}")
    projector.clock.run_for(12_500)
    expect(notes).to_have_attribute("data-page", "2")
    expect(projector.locator("#notes-page")).to_contain_text("Página 2 de")

    phone = pages["phone-360x740"]
    phone.reload()
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")
    phone.fill("#note-text", "Una nota nueva, recién llegada")
    phone.locator("#send").tap()
    expect(projector.locator("#notes .note").first).to_contain_text("Una nota nueva, recién llegada")
    expect(notes).to_have_attribute("data-page", "1")
    expect(projector.locator("#notes-count")).to_have_text(f"{ROOM_NOTES + 1} notas")
    projector.context.close()
