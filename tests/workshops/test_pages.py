"""Pages through the Flask test client: setup, login, joining, the three live pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.factories import login, new_client_id
from workshop.accounts.models import Facilitator
from workshop.board import services as board
from workshop.board.models import Note
from workshop.core.models import Participant, Workshop
from workshop.extensions import db


def test_home_leads_to_setup_when_no_facilitator(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/setup"' in page
    assert client.get("/login").headers["Location"].endswith("/setup")


def test_setup_creates_first_facilitator_once(client):
    response = client.post(
        "/setup", data={"email": "ana@example.org", "password": "long enough pw", "confirm": "long enough pw"}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Facilitator)) == 1
    assert client.get("/w/").status_code == 200  # logged in straight away
    other = client.application.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert other.get("/setup").headers["Location"].endswith("/login")
    other.post(
        "/setup", data={"email": "eve@example.org", "password": "long enough pw", "confirm": "long enough pw"}
    )
    assert db.session.scalar(select(func.count()).select_from(Facilitator)) == 1


def test_login_logout(client, facilitator):
    assert client.get("/w/").status_code == 302
    bad = login(client, password="wrong password")
    assert bad.status_code == 200 and "Wrong email or password" in bad.get_data(as_text=True)
    assert login(client).status_code == 302
    assert client.get("/w/").status_code == 200
    client.post("/logout")
    assert client.get("/w/").status_code == 302


def test_login_ignores_foreign_next(client, facilitator):
    response = client.post(
        "/login?next=//evil.example/x", data={"email": "ana@example.org", "password": "correct horse battery"}
    )
    assert response.headers["Location"] == "/w/"


def test_create_workshop_in_browser(client, facilitator):
    login(client)
    form = client.get("/w/new").get_data(as_text=True)
    assert "pd-discovery" in form and "reform-codesign" in form
    response = client.post(
        "/w/new", data={"plan": "pd-discovery", "title": "USF Itauguá", "language": "es", "place": "Itauguá"}
    )
    workshop = db.session.scalar(select(Workshop))
    assert response.headers["Location"] == f"/w/{workshop.id}"
    page = client.get(f"/w/{workshop.id}").get_data(as_text=True)
    assert "USF Itauguá" in page and workshop.code[:3] in page


def test_join_by_link_goes_straight_to_the_phone(client, workshop):
    response = client.get(f"/j/{workshop.code}")
    assert response.headers["Location"] == f"/p/{workshop.code}"
    page = client.get(f"/p/{workshop.code}").get_data(as_text=True)
    assert workshop.plan.stages[1].prompt["es"] in page
    # Joining twice from the same phone does not create a second participant.
    client.get(f"/j/{workshop.code}")
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 1


def test_join_by_typed_code(client, workshop):
    typed = f"{workshop.code[:3].lower()} {workshop.code[3:].lower()}"
    response = client.get("/join", query_string={"code": typed})
    assert response.headers["Location"] == f"/j/{workshop.code}"


def test_wrong_code_gets_a_friendly_page(client, workshop):
    response = client.get("/join", query_string={"code": "AAA-AAA"})
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'id="code"' in text and "AAA-AAA" in text


def test_closed_workshop_link_says_so(client, workshop):
    workshop.status = "closed"
    db.session.commit()
    response = client.get(f"/j/{workshop.code}")
    assert response.status_code == 403


def test_phone_without_join_is_sent_to_join(client, workshop):
    assert client.get(f"/p/{workshop.code}").headers["Location"] == f"/j/{workshop.code}"


def test_note_without_javascript(client, workshop):
    client.get(f"/j/{workshop.code}")
    client_id = new_client_id()
    for _ in range(2):  # a double submit stores it once
        client.post(
            f"/p/{workshop.code}/notes",
            data={"text": "Agenda compartida", "stage": "1", "client_id": client_id},
        )
    assert db.session.scalar(select(func.count()).select_from(Note)) == 1
    page = client.get(f"/p/{workshop.code}").get_data(as_text=True)
    assert "Agenda compartida" in page


def test_user_text_is_escaped_on_every_page(client, facilitator, workshop, make_participant):
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    author = make_participant(workshop)
    board.add_note(workshop, author, evil, new_client_id(), 1)
    workshop.title = "<b>título</b>"
    db.session.commit()
    client.get(f"/j/{workshop.code}")
    pages = [client.get(f"/p/{workshop.code}"), client.get(f"/s/{workshop.screen_token}")]
    login(client)
    pages.append(client.get(f"/w/{workshop.id}"))
    pages.append(client.get("/w/"))
    for response in pages:
        html = response.get_data(as_text=True)
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        assert "<b>título</b>" not in html
    assert "&lt;b&gt;título&lt;/b&gt;" in pages[0].get_data(as_text=True)


def test_screen_needs_its_token(client, workshop):
    assert client.get("/s/not-the-token").status_code == 404
    page = client.get(f"/s/{workshop.screen_token}").get_data(as_text=True)
    assert workshop.code[:3] in page and "qr.svg" in page


def test_qr_code_is_an_svg_of_the_join_link(client, workshop):
    response = client.get(f"/j/{workshop.code}/qr.svg")
    assert response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).lstrip().startswith("<svg")


def test_facilitator_pages_need_login(client, workshop):
    assert client.get(f"/w/{workshop.id}").status_code == 302
    assert client.post(f"/w/{workshop.id}/stage", data={"stage": "2"}).status_code == 302
    assert db.session.get(Workshop, workshop.id).current_stage == 1


def test_stage_change_without_javascript(client, facilitator, workshop):
    login(client)
    client.post(f"/w/{workshop.id}/stage", data={"stage": "2"})
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).current_stage == 2


def test_unknown_page_is_friendly(client):
    response = client.get("/nowhere")
    assert response.status_code == 404 and "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("accept", "expected"), [("en-US,en;q=0.9", "Join a workshop"), ("es-PY,es;q=0.9", "Unirse a un taller")]
)
def test_language_follows_the_browser(client, accept, expected):
    page = client.get("/", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert expected in page


def test_language_switch_wins(client):
    client.post("/lang/en", data={"next": "/"})
    page = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Join a workshop" in page
    assert client.post("/lang/es", data={"next": "//evil.example"}).headers["Location"] == "/"


def test_phone_follows_the_workshops_language(client, make_workshop):
    english = make_workshop(title="English one", language="en")
    client.get(f"/j/{english.code}")
    page = client.get(f"/p/{english.code}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert english.plan.stages[1].prompt["en"] in page
    assert re.search(r'<html lang="en"', page)


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_forms_without_token_are_refused(self, client, facilitator, workshop):
        response = client.post(
            "/login", data={"email": "ana@example.org", "password": "correct horse battery"}
        )
        assert response.status_code == 400
        assert client.get("/w/").status_code == 302


class TestRateLimits:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True}

    def test_failed_code_lookups_are_throttled_on_every_route_that_takes_a_code(self, client, workshop):
        guesses = ["/join?code=AAA-AAA", "/j/AAAAAC", "/p/AAAAAE", "/j/AAAAAF/qr.svg", "/s/not-a-token"]
        statuses = [client.get(guesses[i % len(guesses)]).status_code for i in range(31)]
        assert statuses[:30] == [404] * 30
        assert statuses[30] == 429
        # Once an address has guessed too much, even a right code waits.
        assert client.get(f"/j/{workshop.code}").status_code == 429

    def test_a_room_behind_one_address_joins_without_limits(self, app, workshop):
        """60 phones behind one Wi-Fi: every join succeeds, and their look-ups cost nothing."""
        for _ in range(60):
            phone = app.test_client()
            assert phone.get(f"/j/{workshop.code}").status_code == 302
            assert phone.get(f"/p/{workshop.code}").status_code == 200
        assert participant_total(workshop) == 60


def test_phone_first_load_stays_under_60_kb_gzip(client, workshop):
    """The phone page, its stylesheet and every module it imports, socket.io-client included."""
    import gzip
    from urllib.parse import urljoin

    client.get(f"/j/{workshop.code}")
    page_url = f"/p/{workshop.code}"
    html = client.get(page_url).get_data()
    pending = re.findall(rb'(?:src|href)="(/(?:static|assets)/[^"]+\.(?:js|css))"', html)
    seen: dict[str, bytes] = {}
    while pending:
        url = pending.pop().decode()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data()
        seen[url] = body
        response.close()
        if url.endswith(".js"):
            for spec in re.findall(rb'(?:import|from)\s*["\'](\.{1,2}/[^"\']+)["\']', body):
                pending.append(urljoin(url, spec.decode()).encode())
    assert any("socket.io" in url for url in seen), seen.keys()
    total = len(gzip.compress(html, 9)) + sum(len(gzip.compress(b, 9)) for b in seen.values())
    assert total <= 60 * 1024, f"phone first load is {total} bytes gzip"


def participant_total(workshop) -> int:
    from sqlalchemy import func, select

    from workshop.core.models import Participant

    return db.session.scalar(select(func.count()).where(Participant.workshop_id == workshop.id))
