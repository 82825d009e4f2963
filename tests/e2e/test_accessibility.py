"""axe-core (the npm package, node_modules/axe-core; never served to users) on every page:
first-run setup, login, the join page, the workshop list, a new workshop, the console,
phone and projector at every stage kind (discuss, write, cluster, vote open and closed,
rate, commit), the phone's profile questions, the commitments pages, the breakdown by
profile, the report and the delete confirmation. None may have a serious or critical
violation. And the facilitator can run the room from the keyboard alone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import FACILITATOR, PHONE, PROJECTOR, ROOT, log_in, server_app
from tests.factories import (
    REFORM_CLUSTER,
    REFORM_COMMIT,
    REFORM_RATE,
    REFORM_VOTE,
    REFORM_WRITE,
    full_room,
    move,
)
from workshop.extensions import db
from workshop.voting.services import set_vote_closed

pytestmark = pytest.mark.e2e

CREATE_FACILITATOR = False  # the first-run setup page is audited, then creates the account
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "es-PY"}
SERIOUS = {"serious", "critical"}
# The audit reports each rule once per page, with how many elements break it.
RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((rule) => ({
    id: rule.id, impact: rule.impact, count: rule.nodes.length,
    where: rule.nodes.slice(0, 3).map((node) => node.target.join(" ")).join(", "),
  }));
}"""


@pytest.fixture(scope="module")
def findings():
    """Every page's violations, by page name (printed at the end: the figures)."""
    found: dict[str, list[dict]] = {}
    yield found
    total = sum(v["count"] for page in found.values() for v in page)
    print(f"\naxe: {len(found)} pages, {total} elements with violations of any impact")
    for name, violations in found.items():
        for v in violations:
            print(f"  {name}: {v['impact']} {v['id']} ×{v['count']} ({v['where']})")


def audit(page, name: str, findings: dict) -> list[str]:
    """Run axe on the page as it is now; its serious or critical violations, described."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN_AXE)
    findings[name] = violations
    return [
        f"{name}: {v['impact']} {v['id']} ×{v['count']} at {v['where']}"
        for v in violations
        if v["impact"] in SERIOUS
    ]


def context(browser, **options):
    # axe is put in the page as an inline script: the app's CSP rightly forbids that.
    return browser.new_context(bypass_csp=True, **options)


@pytest.fixture(scope="module")
def room(server, browser, findings):
    """First run: the setup page (audited) creates the facilitator; then a full room."""
    page = context(browser, **LAPTOP).new_page()
    page.goto(server["url"] + "/setup")
    assert not audit(page, "setup", findings)
    page.fill("#email", FACILITATOR[0])
    page.fill("#password", FACILITATOR[1])
    page.fill("#confirm", FACILITATOR[1])
    page.click("button[type=submit].primary")
    expect(page).to_have_url(server["url"] + "/w/")
    page.context.close()
    with server_app(server) as owner:
        built = full_room(owner)
        workshop = built.workshop
        found = {
            "id": workshop.id,
            "facilitator": owner.id,
            "console": f"{server['url']}/w/{workshop.id}",
            "screen": f"{server['url']}/s/{workshop.screen_token}",
            "join": f"{server['url']}/j/{workshop.code}",
            "server": server,
        }
    return found


def show(room, stage: int, vote_closed: bool | None = None) -> None:
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
def console(browser, room):
    page = context(browser, **LAPTOP).new_page()
    log_in(page, room["server"]["url"])
    yield page
    page.context.close()


def online(page) -> None:
    expect(page.locator("#conn")).to_have_attribute("data-state", "online")


def test_pages_before_login(browser, room, findings):
    page = context(browser, **LAPTOP).new_page()
    serious = []
    for name, path in (("home (join by code)", "/"), ("login", "/login")):
        page.goto(room["server"]["url"] + path)
        serious += audit(page, name, findings)
    page.context.close()
    assert not serious


def test_facilitator_pages(console, room, findings):
    url, workshop = room["server"]["url"], room["id"]
    serious = []
    for name, path in (
        ("workshop list", "/w/"),
        ("new workshop", "/w/new"),
        ("commitments (all workshops)", "/commitments"),
        ("commitments (workshop)", f"/w/{workshop}/commitments"),
        ("breakdown by profile", f"/workshops/{workshop}/breakdown"),
        ("report (print HTML)", f"/w/{workshop}/export/html"),
        ("delete confirmation", f"/w/{workshop}/delete"),
        ("plan editor", f"/w/{workshop}/plan"),
        ("plan history", f"/w/{workshop}/plan/history"),
    ):
        response = console.goto(url + path)
        assert response is not None and response.status == 200, (name, path)
        serious += audit(console, name, findings)
    assert not serious


STAGES = [
    ("discuss", 0, None),
    ("write", REFORM_WRITE, None),
    ("cluster", REFORM_CLUSTER, None),
    ("vote open", REFORM_VOTE, False),
    ("vote closed", REFORM_VOTE, True),
    ("rate", REFORM_RATE, None),
    ("commit", REFORM_COMMIT, None),
]


def test_every_stage_kind_for_every_audience(browser, console, room, findings):
    phone = context(browser, **PHONE).new_page()
    phone.goto(room["join"])
    online(phone)
    expect(phone.locator(".profile-card")).to_be_visible()
    serious = audit(phone, "phone: profile questions at join", findings)
    projector = context(browser, **PROJECTOR).new_page()
    for kind, stage, closed in STAGES:
        show(room, stage, closed)
        console.goto(room["console"])
        online(console)
        serious += audit(console, f"console: {kind}", findings)
        phone.reload()
        online(phone)
        serious += audit(phone, f"phone: {kind}", findings)
        projector.goto(room["screen"])
        online(projector)
        serious += audit(projector, f"projector: {kind}", findings)
    phone.context.close()
    projector.context.close()
    assert not serious, "\n".join(serious)


def test_keyboard_only_facilitation(console, room):
    """Tab to "Next" and press Enter: the room moves on, no mouse needed."""
    show(room, REFORM_WRITE)
    console.goto(room["console"])
    online(console)
    expect(console.locator("#stage-title")).to_have_text("Ideas de reforma")
    for _ in range(120):
        console.keyboard.press("Tab")
        if console.evaluate("document.activeElement.id") == "next-stage":
            break
    else:
        pytest.fail("Tab never reaches the next-stage button")
    console.keyboard.press("Enter")
    expect(console.locator("#stage-step")).to_contain_text("Etapa 3 de 7")
