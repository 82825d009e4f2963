"""Connections the server closes: a deleted workshop's, a removed participant's (tested
with the toolkit), a facilitator's who logged out — and every later event re-checks."""

from __future__ import annotations

from flask import g
from sqlalchemy import func, select

from workshop.core.models import Workshop
from workshop.extensions import db, socketio
from workshop.live import NAMESPACE
from workshop.live.models import LiveConnection

LOGIN = {"email": "ana@example.org", "password": "correct horse battery"}


def live(app, workshop, audience, http=None):
    http = http or app.test_client()
    if audience == "participant":
        http.get(f"/j/{workshop.code}")
    auth = {"workshop": workshop.id, "audience": audience}
    if audience == "screen":
        auth["token"] = workshop.screen_token
    client = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=http, auth=auth)
    if client.is_connected(NAMESPACE):
        client.get_received(NAMESPACE)
    return client


def fresh_request_state() -> None:
    """The test's app context is shared by all its requests; a server gives each request
    its own `g`, where Flask-Login caches who is logged in."""
    g.pop("_login_user", None)


def console_http(app):
    http = app.test_client()
    fresh_request_state()
    assert http.post("/login", data=LOGIN).status_code == 302
    fresh_request_state()
    return http


def test_deleting_a_workshop_closes_every_connection(app, facilitator, workshop):
    admin = console_http(app)
    phone, screen = live(app, workshop, "participant"), live(app, workshop, "screen")
    console = live(app, workshop, "facilitator", console_http(app))
    assert all(c.is_connected(NAMESPACE) for c in (phone, screen, console))
    response = admin.post(f"/w/{workshop.id}/delete", data={"code": workshop.code})
    assert response.status_code == 302
    assert not any(c.is_connected(NAMESPACE) for c in (phone, screen, console))
    assert db.session.scalar(select(func.count()).select_from(LiveConnection)) == 0


def test_a_new_workshop_never_gets_a_deleted_ones_id(app, facilitator, make_workshop):
    old = make_workshop(title="Primero")
    newest = make_workshop(title="Segundo")
    newest_id = newest.id
    admin = console_http(app)
    admin.post(f"/w/{newest_id}/delete", data={"code": newest.code})
    assert db.session.get(Workshop, newest_id) is None
    later = make_workshop(title="Tercero")
    assert later.id > newest_id > old.id


def test_logging_out_closes_the_consoles_connection_and_revokes_the_cookie(app, facilitator, workshop):
    http = console_http(app)
    stolen = dict(http._cookies)  # a copy of the cookie, as someone might keep
    console = live(app, workshop, "facilitator", http)
    assert console.is_connected(NAMESPACE)
    assert http.post("/logout").status_code == 302
    assert not console.is_connected(NAMESPACE)
    thief = app.test_client()
    thief._cookies.update(stolen)
    assert thief.get("/w/").status_code == 302  # to the login page: the session was revoked
    again = live(app, workshop, "facilitator", thief)
    assert not again.is_connected(NAMESPACE)


def test_another_session_of_the_same_facilitator_stays_logged_in(app, facilitator, workshop):
    laptop, tablet = console_http(app), console_http(app)
    on_tablet = live(app, workshop, "facilitator", tablet)
    laptop.post("/logout")
    assert on_tablet.is_connected(NAMESPACE)
    fresh_request_state()
    assert tablet.get("/w/").status_code == 200
