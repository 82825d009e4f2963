"""In-process live clients: Flask-SocketIO's test client on `/live`, carrying the session
cookie of a Flask test client that went through the real door first (the join link, the
login form), as a phone, a console or a projector does."""

from __future__ import annotations

from sqlalchemy import select

from workshop.core.models import Participant
from workshop.extensions import db, socketio
from workshop.live import NAMESPACE

LOGIN = {"email": "ana@example.org", "password": "correct horse battery"}  # the `facilitator` fixture


def received(client, name):
    return [event["args"][0] for event in client.get_received(NAMESPACE) if event["name"] == name]


def join(app, workshop, audience="participant", login=LOGIN, http=None, connected=True):
    """A live client of `workshop`; a phone also carries its participant id, and every
    client its HTTP client (`client.http`). `http` reuses a browser that already joined or
    logged in; `connected=False` allows a refused connection (check `is_connected`)."""
    if http is None:
        http = app.test_client()
        if audience == "participant":
            http.get(f"/j/{workshop.code}")
        elif audience == "facilitator":
            http.post("/login", data=login)
    auth = {"workshop": workshop.id, "audience": audience}
    if audience == "screen":
        auth["token"] = workshop.screen_token
    client = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=http, auth=auth)
    assert client.is_connected(NAMESPACE) or not connected
    client.http = http
    if audience == "participant":
        client.participant_id = db.session.scalar(
            select(Participant.id).order_by(Participant.id.desc()).limit(1)
        )
    return client


def send(client, event, payload=None):
    return client.emit(event, {} if payload is None else payload, namespace=NAMESPACE, callback=True)
