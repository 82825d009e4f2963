"""Who may do what, as a table: every live event and every page or form, for every kind of
actor, in an open, a closed and a deleted workshop. One test per cell.

The workshop (reform-codesign, its idea stage made private) holds a participant's ideas,
two groups, a loose idea and one of the participant's dots; each row puts it on the
stage where its event does something, and names its objects. Then one actor acts:

  anonymous   a browser that never joined nor logged in
  part        a participant of this workshop (the author of its ideas)
  other       a participant of another workshop
  removed     a participant the facilitator removed
  screen      the projector (its link's token)
  fac         the facilitator who created the workshop
  fac2        another facilitator of the lab (every facilitator may run every workshop)
  out         a facilitator whose login ended (logged out in another tab)

Live events: the actor connects while the workshop is open, then the workshop is closed
or deleted (by the service, so open connections stay: every event must check again who
and where it is), then the actor sends the event. `other` sends it on its own workshop's
connection, naming this workshop's objects (its connection to this workshop is refused:
the `connect` row); rows without anything to name are "-" for it. The `connect` row
connects after the change. Answers are the ack's error code:

  ok  success        NA  not_allowed    NF  not_found    IN  invalid
  RF  the connection is refused (nothing reaches the event)    -  not a cell

Pages and forms (the Flask test client, through the real join link and login form):

  ok     200, or a redirect that carries no error message
  err    a redirect back that carries an error message (the form was refused)
  login  a redirect to the login page       join  a redirect to the join link
  403, 404                                  the friendly error page

Besides the answer, nothing of the workshop's private ideas ever reaches the projector
or another workshop's participant, and a refusal changes nothing.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask import g
from sqlalchemy import func, select

from tests.factories import new_client_id
from tests.sockets import LOGIN, join, send
from workshop.accounts.services import LOGIN_KEY, create_facilitator, end_login
from workshop.board import services as board
from workshop.board.models import Note
from workshop.clustering import services as clustering
from workshop.commitments.services import add_commitment
from workshop.core.lookups import participant_for_token
from workshop.core.models import Workshop
from workshop.extensions import db
from workshop.facilitation.participants import remove_participant
from workshop.live import NAMESPACE
from workshop.live.boundary import JOINED_KEY
from workshop.plans import load_plan_file
from workshop.voting import services as voting
from workshop.workshops.services import change_stage, close_workshop, delete_workshop, join_workshop

ACTORS = ("anonymous", "part", "other", "removed", "screen", "fac", "fac2", "out")
STATES = ("open", "closed", "deleted")
ACKS = {"ok": None, "NA": "not_allowed", "NF": "not_found", "IN": "invalid"}

WRITE, CLUSTER, VOTE, RATE = 1, 2, 3, 4  # reform-codesign; the idea stage (1) is private
COMMIT = 6  # its commitments stage
SECRET = "La jefa nunca viene"
OTHER_LOGIN = {"email": "bea@example.org", "password": "otra clave larga 456"}

# The event, the stage the room is on, and the payload (upper-case names are the room's objects).
EVENTS = {
    "connect": (WRITE, None),
    "add_note": (WRITE, {"text": "nueva", "client_id": "CLIENT", "stage": WRITE}),
    "edit_note": (WRITE, {"note_id": "NOTE", "text": "cambiada"}),
    "delete_note": (WRITE, {"note_id": "NOTE"}),
    "cast_dot": (VOTE, {"target_id": "CLUSTER", "client_id": "CLIENT"}),
    "retract_dot": (VOTE, {"target_id": "CLUSTER"}),
    "rate": (RATE, {"target_id": "CLUSTER", "x": 4, "y": 2}),
    "group_notes": (CLUSTER, {"note_ids": ["LOOSE"], "title": "Nuevo"}),
    "add_to_cluster": (CLUSTER, {"note_ids": ["LOOSE"], "cluster_id": "CLUSTER"}),
    "ungroup_notes": (CLUSTER, {"note_ids": ["NOTE"]}),
    "rename_cluster": (CLUSTER, {"cluster_id": "CLUSTER", "title": "Otro nombre"}),
    "mark_cluster": (CLUSTER, {"cluster_id": "CLUSTER", "marked": True}),
    "merge_clusters": (CLUSTER, {"source_id": "SECOND", "target_id": "CLUSTER"}),
    "dissolve_cluster": (CLUSTER, {"cluster_id": "CLUSTER"}),
    "suggest_groups": (CLUSTER, {}),
    "spotlight": (CLUSTER, {"type": "cluster", "id": "CLUSTER"}),
    "release_spotlight": (CLUSTER, {}),
    "set_question": (WRITE, {"question": "¿Cómo podríamos…?"}),
    "change_stage": (WRITE, {"stage": CLUSTER, "reveal": True}),
    "lock_stage": (WRITE, {"locked": True}),
    "reveal_stage": (WRITE, {}),
    "close_vote": (VOTE, {"closed": True}),
    "allow_review": (RATE, {"allowed": True}),
    "timer": (WRITE, {"action": "start", "seconds": 60}),
    "hide_note": (CLUSTER, {"note_id": "NOTE", "hidden": True}),
    "moderate_note": (CLUSTER, {"note_id": "NOTE", "text": "moderada"}),
    "set_decision": (RATE, {"type": "cluster", "id": "CLUSTER", "decision": "selected"}),
    "remove_participant": (WRITE, {"participant_id": "BYSTANDER"}),
    "participants": (WRITE, {}),
    "sync": (WRITE, {}),
    "view_stage": (RATE, {"stage": RATE}),
    "notes": (CLUSTER, {"stage": CLUSTER, "ids": ["NOTE"]}),
    "mine": (WRITE, {}),
    "heartbeat": (WRITE, {}),
    "add_commitment": (
        COMMIT,
        {
            "client_id": "CLIENT",
            "stage": COMMIT,
            "idea": None,
            "what": "Agenda única",
            "who": "Enfermería",
            "due": "DUE",
        },
    ),
    "edit_commitment": (
        COMMIT,
        {"commitment_id": "COMMITMENT", "what": "Agenda revisada", "who": "Enfermería", "due": "DUE"},
    ),
    "delete_commitment": (COMMIT, {"commitment_id": "COMMITMENT"}),
}

EVENT_TABLE = """
event              state    anonymous part  other removed screen fac  fac2 out
connect            open     RF        ok    RF    RF      ok     ok   ok   RF
connect            closed   RF        ok    RF    RF      ok     ok   ok   RF
connect            deleted  RF        RF    RF    RF      RF     RF   RF   RF
add_note           open     RF        ok    -     NA      NA     ok   ok   NA
add_note           closed   RF        NA    -     NA      NA     NA   NA   NA
add_note           deleted  RF        NF    -     NF      NF     NF   NF   NF
edit_note          open     RF        ok    NF    NA      NA     ok   ok   NA
edit_note          closed   RF        NA    NF    NA      NA     NA   NA   NA
edit_note          deleted  RF        NF    NF    NF      NF     NF   NF   NF
delete_note        open     RF        ok    NF    NA      NA     ok   ok   NA
delete_note        closed   RF        NA    NF    NA      NA     NA   NA   NA
delete_note        deleted  RF        NF    NF    NF      NF     NF   NF   NF
cast_dot           open     RF        ok    NF    NA      NA     NA   NA   NA
cast_dot           closed   RF        NA    NF    NA      NA     NA   NA   NA
cast_dot           deleted  RF        NF    NF    NF      NF     NF   NF   NF
retract_dot        open     RF        ok    NF    NA      NA     NA   NA   NA
retract_dot        closed   RF        NA    NF    NA      NA     NA   NA   NA
retract_dot        deleted  RF        NF    NF    NF      NF     NF   NF   NF
rate               open     RF        ok    NF    NA      NA     NA   NA   NA
rate               closed   RF        NA    NF    NA      NA     NA   NA   NA
rate               deleted  RF        NF    NF    NF      NF     NF   NF   NF
group_notes        open     RF        NA    NA    NA      NA     ok   ok   NA
group_notes        closed   RF        NA    NA    NA      NA     NA   NA   NA
group_notes        deleted  RF        NF    NA    NF      NF     NF   NF   NF
add_to_cluster     open     RF        NA    NA    NA      NA     ok   ok   NA
add_to_cluster     closed   RF        NA    NA    NA      NA     NA   NA   NA
add_to_cluster     deleted  RF        NF    NA    NF      NF     NF   NF   NF
ungroup_notes      open     RF        NA    NA    NA      NA     ok   ok   NA
ungroup_notes      closed   RF        NA    NA    NA      NA     NA   NA   NA
ungroup_notes      deleted  RF        NF    NA    NF      NF     NF   NF   NF
rename_cluster     open     RF        NA    NA    NA      NA     ok   ok   NA
rename_cluster     closed   RF        NA    NA    NA      NA     NA   NA   NA
rename_cluster     deleted  RF        NF    NA    NF      NF     NF   NF   NF
mark_cluster       open     RF        NA    NA    NA      NA     ok   ok   NA
mark_cluster       closed   RF        NA    NA    NA      NA     NA   NA   NA
mark_cluster       deleted  RF        NF    NA    NF      NF     NF   NF   NF
merge_clusters     open     RF        NA    NA    NA      NA     ok   ok   NA
merge_clusters     closed   RF        NA    NA    NA      NA     NA   NA   NA
merge_clusters     deleted  RF        NF    NA    NF      NF     NF   NF   NF
dissolve_cluster   open     RF        NA    NA    NA      NA     ok   ok   NA
dissolve_cluster   closed   RF        NA    NA    NA      NA     NA   NA   NA
dissolve_cluster   deleted  RF        NF    NA    NF      NF     NF   NF   NF
suggest_groups     open     RF        NA    -     NA      NA     ok   ok   NA
suggest_groups     closed   RF        NA    -     NA      NA     ok   ok   NA
suggest_groups     deleted  RF        NF    -     NF      NF     NF   NF   NF
spotlight          open     RF        NA    NA    NA      NA     ok   ok   NA
spotlight          closed   RF        NA    NA    NA      NA     NA   NA   NA
spotlight          deleted  RF        NF    NA    NF      NF     NF   NF   NF
release_spotlight  open     RF        NA    -     NA      NA     ok   ok   NA
release_spotlight  closed   RF        NA    -     NA      NA     ok   ok   NA
release_spotlight  deleted  RF        NF    -     NF      NF     NF   NF   NF
set_question       open     RF        NA    -     NA      NA     ok   ok   NA
set_question       closed   RF        NA    -     NA      NA     NA   NA   NA
set_question       deleted  RF        NF    -     NF      NF     NF   NF   NF
change_stage       open     RF        NA    -     NA      NA     ok   ok   NA
change_stage       closed   RF        NA    -     NA      NA     NA   NA   NA
change_stage       deleted  RF        NF    -     NF      NF     NF   NF   NF
lock_stage         open     RF        NA    -     NA      NA     ok   ok   NA
lock_stage         closed   RF        NA    -     NA      NA     NA   NA   NA
lock_stage         deleted  RF        NF    -     NF      NF     NF   NF   NF
reveal_stage       open     RF        NA    -     NA      NA     ok   ok   NA
reveal_stage       closed   RF        NA    -     NA      NA     NA   NA   NA
reveal_stage       deleted  RF        NF    -     NF      NF     NF   NF   NF
close_vote         open     RF        NA    -     NA      NA     ok   ok   NA
close_vote         closed   RF        NA    -     NA      NA     NA   NA   NA
close_vote         deleted  RF        NF    -     NF      NF     NF   NF   NF
allow_review       open     RF        NA    -     NA      NA     ok   ok   NA
allow_review       closed   RF        NA    -     NA      NA     NA   NA   NA
allow_review       deleted  RF        NF    -     NF      NF     NF   NF   NF
timer              open     RF        NA    -     NA      NA     ok   ok   NA
timer              closed   RF        NA    -     NA      NA     NA   NA   NA
timer              deleted  RF        NF    -     NF      NF     NF   NF   NF
hide_note          open     RF        NA    NA    NA      NA     ok   ok   NA
hide_note          closed   RF        NA    NA    NA      NA     NA   NA   NA
hide_note          deleted  RF        NF    NA    NF      NF     NF   NF   NF
moderate_note      open     RF        NA    NA    NA      NA     ok   ok   NA
moderate_note      closed   RF        NA    NA    NA      NA     NA   NA   NA
moderate_note      deleted  RF        NF    NA    NF      NF     NF   NF   NF
set_decision       open     RF        NA    NA    NA      NA     ok   ok   NA
set_decision       closed   RF        NA    NA    NA      NA     NA   NA   NA
set_decision       deleted  RF        NF    NA    NF      NF     NF   NF   NF
remove_participant open     RF        NA    NA    NA      NA     ok   ok   NA
remove_participant closed   RF        NA    NA    NA      NA     NA   NA   NA
remove_participant deleted  RF        NF    NA    NF      NF     NF   NF   NF
participants       open     RF        NA    -     NA      NA     ok   ok   NA
participants       closed   RF        NA    -     NA      NA     ok   ok   NA
participants       deleted  RF        NF    -     NF      NF     NF   NF   NF
sync               open     RF        ok    -     NA      ok     ok   ok   NA
sync               closed   RF        ok    -     NA      ok     ok   ok   NA
sync               deleted  RF        NF    -     NF      NF     NF   NF   NF
view_stage         open     RF        ok    -     NA      ok     ok   ok   NA
view_stage         closed   RF        ok    -     NA      ok     ok   ok   NA
view_stage         deleted  RF        NF    -     NF      NF     NF   NF   NF
notes              open     RF        ok    ok    NA      ok     ok   ok   NA
notes              closed   RF        ok    ok    NA      ok     ok   ok   NA
notes              deleted  RF        NF    ok    NF      NF     NF   NF   NF
mine               open     RF        ok    -     NA      NA     NA   NA   NA
mine               closed   RF        ok    -     NA      NA     NA   NA   NA
mine               deleted  RF        NF    -     NF      NF     NF   NF   NF
heartbeat          open     RF        ok    -     NA      ok     ok   ok   NA
heartbeat          closed   RF        ok    -     NA      ok     ok   ok   NA
heartbeat          deleted  RF        NF    -     NF      NF     NF   NF   NF
add_commitment     open     RF        ok    -     NA      NA     ok   ok   NA
add_commitment     closed   RF        NA    -     NA      NA     NA   NA   NA
add_commitment     deleted  RF        NF    -     NF      NF     NF   NF   NF
edit_commitment    open     RF        ok    NF    NA      NA     ok   ok   NA
edit_commitment    closed   RF        NA    NF    NA      NA     NA   NA   NA
edit_commitment    deleted  RF        NF    NF    NF      NF     NF   NF   NF
delete_commitment  open     RF        ok    NF    NA      NA     ok   ok   NA
delete_commitment  closed   RF        NA    NF    NA      NA     NA   NA   NA
delete_commitment  deleted  RF        NF    NF    NF      NF     NF   NF   NF
"""

# The page or form: method, URL (the workshop's code, token and id; another workshop's id)
# and the form it posts (CODE is the workshop's code).
PAGES = {
    "GET /j/<code>": ("GET", "/j/{code}", None),
    "GET /p/<code>": ("GET", "/p/{code}", None),
    "POST /p/<code>/notes": (
        "POST",
        "/p/{code}/notes",
        {"text": "por el formulario", "stage": "1", "client_id": "C"},
    ),
    "POST /p/<code>/name": ("POST", "/p/{code}/name", {"display_name": "Ana"}),
    "POST /p/<code>/profile": ("POST", "/p/{code}/profile", {"skip": "1"}),
    "GET /j/<code>/qr.svg": ("GET", "/j/{code}/qr.svg", None),
    "GET /s/<token>": ("GET", "/s/{token}", None),
    "GET /w/": ("GET", "/w/", None),
    "GET /w/new": ("GET", "/w/new", None),
    "POST /w/new": ("POST", "/w/new", {"plan": "pd-discovery", "title": "Nuevo", "language": "es"}),
    "GET /w/<id>": ("GET", "/w/{id}", None),
    "POST /w/<id>/stage": ("POST", "/w/{id}/stage", {"stage": "2"}),
    "POST /w/<id>/question": ("POST", "/w/{id}/question", {"question": "¿Cómo podríamos…?"}),
    "POST /w/<id>/spotlight/release": ("POST", "/w/{id}/spotlight/release", {}),
    "GET /w/<id>/plan": ("GET", "/w/{id}/plan", None),
    # Adding a stage on the page saves nothing (Save does): the page comes back, 200.
    "POST /w/<id>/plan": ("POST", "/w/{id}/plan", {"action": "add", "new_kind": "discuss"}),
    "GET /w/<id>/plan/history": ("GET", "/w/{id}/plan/history", None),
    "POST /w/<id>/close": ("POST", "/w/{id}/close", {}),
    "POST /w/<id>/reopen": ("POST", "/w/{id}/reopen", {}),
    "GET /w/<id>/delete": ("GET", "/w/{id}/delete", None),
    "POST /w/<id>/delete": ("POST", "/w/{id}/delete", {"code": "CODE"}),
    "POST /w/<id>/import": ("POST", "/w/{id}/import", "CSV"),
    "GET /w/<id>/export/json": ("GET", "/w/{id}/export/json", None),
    "GET /synthesis?w=<id>": ("GET", "/synthesis?w={id}&w={other}", None),
    "GET /workshops/<id>/breakdown": ("GET", "/workshops/{id}/breakdown", None),
    "POST /workshops/<id>/anonymity-floor": ("POST", "/workshops/{id}/anonymity-floor", {"floor": "5"}),
    "POST /w/<id>/second-language": ("POST", "/w/{id}/second-language", {"second_language": "en"}),
    "GET /w/<id>/save-plan": ("GET", "/w/{id}/save-plan", None),
    "POST /w/<id>/save-plan": ("POST", "/w/{id}/save-plan", {"slug": "guardado"}),
    "GET /plans/": ("GET", "/plans/", None),
    "GET /plans/<slug>.toml": ("GET", "/plans/pd-discovery.toml", None),
}

PAGE_TABLE = """
page                      state    anonymous part  other removed screen fac   fac2  out
GET /j/<code>             open     ok        ok    ok    ok      ok     ok    ok    ok
GET /j/<code>             closed   403       403   403   403     403    403   403   403
GET /j/<code>             deleted  404       404   404   404     404    404   404   404
GET /p/<code>             open     join      ok    join  403     join   join  join  join
GET /p/<code>             closed   403       403   403   403     403    403   403   403
GET /p/<code>             deleted  404       404   404   404     404    404   404   404
POST /p/<code>/notes      open     join      ok    join  403     join   join  join  join
POST /p/<code>/notes      closed   403       403   403   403     403    403   403   403
POST /p/<code>/notes      deleted  404       404   404   404     404    404   404   404
POST /p/<code>/name       open     join      ok    join  403     join   join  join  join
POST /p/<code>/name       closed   403       403   403   403     403    403   403   403
POST /p/<code>/name       deleted  404       404   404   404     404    404   404   404
POST /p/<code>/profile    open     join      ok    join  403     join   join  join  join
POST /p/<code>/profile    closed   403       403   403   403     403    403   403   403
POST /p/<code>/profile    deleted  404       404   404   404     404    404   404   404
GET /j/<code>/qr.svg      open     ok        ok    ok    ok      ok     ok    ok    ok
GET /j/<code>/qr.svg      closed   403       403   403   403     403    403   403   403
GET /j/<code>/qr.svg      deleted  404       404   404   404     404    404   404   404
GET /s/<token>            open     ok        ok    ok    ok      ok     ok    ok    ok
GET /s/<token>            closed   ok        ok    ok    ok      ok     ok    ok    ok
GET /s/<token>            deleted  404       404   404   404     404    404   404   404
GET /w/                   open     login     login login login   login  ok    ok    login
GET /w/                   closed   login     login login login   login  ok    ok    login
GET /w/                   deleted  login     login login login   login  ok    ok    login
GET /w/new                open     login     login login login   login  ok    ok    login
GET /w/new                closed   login     login login login   login  ok    ok    login
GET /w/new                deleted  login     login login login   login  ok    ok    login
POST /w/new               open     login     login login login   login  ok    ok    login
POST /w/new               closed   login     login login login   login  ok    ok    login
POST /w/new               deleted  login     login login login   login  ok    ok    login
GET /w/<id>               open     login     login login login   login  ok    ok    login
GET /w/<id>               closed   login     login login login   login  ok    ok    login
GET /w/<id>               deleted  login     login login login   login  404   404   login
POST /w/<id>/stage        open     login     login login login   login  ok    ok    login
POST /w/<id>/stage        closed   login     login login login   login  err   err   login
POST /w/<id>/stage        deleted  login     login login login   login  404   404   login
POST /w/<id>/question                   open     login login login login login ok  ok  login
POST /w/<id>/question                   closed   login login login login login err err login
POST /w/<id>/question                   deleted  login login login login login 404 404 login
POST /w/<id>/spotlight/release          open     login login login login login ok  ok  login
POST /w/<id>/spotlight/release          closed   login login login login login ok  ok  login
POST /w/<id>/spotlight/release          deleted  login login login login login 404 404 login
GET /w/<id>/plan                        open     login login login login login ok  ok  login
GET /w/<id>/plan                        closed   login login login login login ok  ok  login
GET /w/<id>/plan                        deleted  login login login login login 404 404 login
POST /w/<id>/plan                       open     login login login login login ok  ok  login
POST /w/<id>/plan                       closed   login login login login login ok  ok  login
POST /w/<id>/plan                       deleted  login login login login login 404 404 login
GET /w/<id>/plan/history                open     login login login login login ok  ok  login
GET /w/<id>/plan/history                closed   login login login login login ok  ok  login
GET /w/<id>/plan/history                deleted  login login login login login 404 404 login
POST /w/<id>/close        open     login     login login login   login  ok    ok    login
POST /w/<id>/close        closed   login     login login login   login  ok    ok    login
POST /w/<id>/close        deleted  login     login login login   login  404   404   login
POST /w/<id>/reopen       open     login     login login login   login  ok    ok    login
POST /w/<id>/reopen       closed   login     login login login   login  ok    ok    login
POST /w/<id>/reopen       deleted  login     login login login   login  404   404   login
GET /w/<id>/delete        open     login     login login login   login  ok    ok    login
GET /w/<id>/delete        closed   login     login login login   login  ok    ok    login
GET /w/<id>/delete        deleted  login     login login login   login  404   404   login
POST /w/<id>/delete       open     login     login login login   login  ok    ok    login
POST /w/<id>/delete       closed   login     login login login   login  ok    ok    login
POST /w/<id>/delete       deleted  login     login login login   login  404   404   login
POST /w/<id>/import       open     login     login login login   login  ok    ok    login
POST /w/<id>/import       closed   login     login login login   login  err   err   login
POST /w/<id>/import       deleted  login     login login login   login  404   404   login
GET /w/<id>/export/json   open     login     login login login   login  ok    ok    login
GET /w/<id>/export/json   closed   login     login login login   login  ok    ok    login
GET /w/<id>/export/json   deleted  login     login login login   login  404   404   login
GET /synthesis?w=<id>     open     login     login login login   login  ok    ok    login
GET /synthesis?w=<id>     closed   login     login login login   login  ok    ok    login
GET /synthesis?w=<id>     deleted  login     login login login   login  err   err   login
GET /workshops/<id>/breakdown           open     login login login login login ok  ok  login
GET /workshops/<id>/breakdown           closed   login login login login login ok  ok  login
GET /workshops/<id>/breakdown           deleted  login login login login login 404 404 login
POST /workshops/<id>/anonymity-floor    open     login login login login login ok  ok  login
POST /workshops/<id>/anonymity-floor    closed   login login login login login ok  ok  login
POST /workshops/<id>/anonymity-floor    deleted  login login login login login 404 404 login
POST /w/<id>/second-language            open     login login login login login ok  ok  login
POST /w/<id>/second-language            closed   login login login login login err err login
POST /w/<id>/second-language            deleted  login login login login login 404 404 login
GET /w/<id>/save-plan                   open     login login login login login ok  ok  login
GET /w/<id>/save-plan                   closed   login login login login login ok  ok  login
GET /w/<id>/save-plan                   deleted  login login login login login 404 404 login
POST /w/<id>/save-plan                  open     login login login login login ok  ok  login
POST /w/<id>/save-plan                  closed   login login login login login ok  ok  login
POST /w/<id>/save-plan                  deleted  login login login login login 404 404 login
GET /plans/                             open     login login login login login ok  ok  login
GET /plans/                             closed   login login login login login ok  ok  login
GET /plans/                             deleted  login login login login login ok  ok  login
GET /plans/<slug>.toml                  open     login login login login login ok  ok  login
GET /plans/<slug>.toml                  closed   login login login login login ok  ok  login
GET /plans/<slug>.toml                  deleted  login login login login login ok  ok  login
"""


def read_table(table: str, width: int) -> list[tuple[str, str, str, str]]:
    """(row, state, actor, answer) for every cell but "-"; rows named by their first `width` words."""
    lines = [line.split() for line in table.strip().splitlines()[1:]]
    cells = []
    for words in lines:
        row, state, answers = " ".join(words[:width]), words[width], words[width + 1 :]
        assert len(answers) == len(ACTORS), row
        cells += [
            (row, state, actor, answer)
            for actor, answer in zip(ACTORS, answers, strict=True)
            if answer != "-"
        ]
    return cells


EVENT_CELLS = read_table(EVENT_TABLE, 1)
PAGE_CELLS = read_table(PAGE_TABLE, 2)


def test_the_tables_cover_every_row_actor_and_state(app):
    from workshop.extensions import socketio

    handled = set(socketio.server.handlers[NAMESPACE]) - {"disconnect"}
    assert {row for row, *_ in EVENT_CELLS} == handled == set(EVENTS)
    assert {row for row, *_ in PAGE_CELLS} == set(PAGES)
    for cells, rows in ((EVENT_CELLS, EVENTS), (PAGE_CELLS, PAGES)):
        states = {(row, state) for row, state, *_ in cells}
        assert states == {(row, state) for row in rows for state in STATES}


@pytest.fixture
def plan(plans_dir, tmp_path):
    """reform-codesign (its idea stage is private) with a mark for groups."""
    source = (plans_dir / "reform-codesign.toml").read_text()
    marker = 'id = "merge"\nkind = "cluster"'
    assert marker in source and "private = true" in source
    path = tmp_path / "reform-marked.toml"
    path.write_text(source.replace(marker, marker + '\nmark = "Cualquier unidad"'))
    return load_plan_file(path)


@pytest.fixture
def room(app, make_workshop, make_participant, facilitator, plan):
    """The workshop and its objects; `make_other` opens a second workshop (same plan)."""
    workshop = make_workshop(plan=plan, stage=WRITE)
    author_http = app.test_client()
    author_http.get(f"/j/{workshop.code}")
    with author_http.session_transaction() as cookie:
        token = cookie[JOINED_KEY][str(workshop.id)]
    author = participant_for_token(workshop, token)
    notes = [
        board.add_note(workshop, author, text, new_client_id(), WRITE)[0] for text in (SECRET, "b", "c", "d")
    ]
    change_stage(workshop, facilitator, CLUSTER)
    first = clustering.group_notes(workshop, facilitator, [notes[0].id, notes[1].id], "Uno")
    second = clustering.group_notes(workshop, facilitator, [notes[2].id], "Dos")
    change_stage(workshop, facilitator, VOTE)
    voting.cast_dot(workshop, author, first.id, new_client_id())
    bystander = join_workshop(workshop)
    change_stage(workshop, facilitator, COMMIT)
    due = (date.today() + timedelta(days=60)).isoformat()
    commitment, _new = add_commitment(
        workshop, author, new_client_id(), COMMIT, None, "Agenda", "Enfermería", due
    )
    db.session.commit()
    names = {
        "NOTE": notes[0].id,
        "LOOSE": notes[3].id,
        "CLUSTER": first.id,
        "SECOND": second.id,
        "BYSTANDER": bystander.id,
        "COMMITMENT": commitment.id,
        "DUE": due,
        "CODE": workshop.code,
        "TOKEN": workshop.screen_token,
        "ID": workshop.id,
    }
    return SimpleNamespace(
        workshop=workshop,
        id=workshop.id,
        other=None,
        make_other=lambda: make_workshop(title="Otro taller", plan=plan, stage=WRITE),
        author=author,
        author_http=author_http,
        facilitator=facilitator,
        names=names,
    )


def resolve(value, names):
    if isinstance(value, list):
        return [resolve(item, names) for item in value]
    if value == "CLIENT":
        return new_client_id()
    return names.get(value, value) if isinstance(value, str) else value


def browser(app, room, actor):
    """The actor's browser, through the real doors (join link, login form)."""
    if actor == "part":
        return room.author_http
    http = app.test_client()
    http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if actor == "other":
        room.other = room.make_other()
        http.get(f"/j/{room.other.code}")
    elif actor == "removed":
        http.get(f"/j/{room.workshop.code}")
    elif actor in ("fac", "out"):
        assert http.post("/login", data=LOGIN).status_code == 302
    elif actor == "fac2":
        create_facilitator(OTHER_LOGIN["email"], OTHER_LOGIN["password"])
        db.session.commit()
        assert http.post("/login", data=OTHER_LOGIN).status_code == 302
    elif actor == "screen":
        assert http.get(f"/s/{room.workshop.screen_token}").status_code == 200
    return http


def revoke(room, actor, http) -> None:
    """What makes the removed participant removed and the logged-out facilitator logged out,
    done by the services (open connections stay open: events must check for themselves)."""
    if actor == "removed":
        with http.session_transaction() as cookie:
            token = cookie[JOINED_KEY][str(room.id)]
        remove_participant(room.workshop, room.facilitator, participant_for_token(room.workshop, token).id)
    elif actor == "out":
        with http.session_transaction() as cookie:
            end_login(cookie[LOGIN_KEY])
    db.session.commit()


def change_state(room, state: str) -> None:
    if state == "closed":
        close_workshop(room.workshop, room.facilitator)
    elif state == "deleted":
        delete_workshop(room.workshop, room.facilitator)
    db.session.commit()


def as_a_new_request() -> None:
    """The tests share one application context, hence one `g`, where Flask-Login keeps the
    user it loaded; the server gives each request and each event a context of its own, so
    forget that user, as the next request or event on the server would."""
    g.pop("_login_user", None)


def connect(app, room, actor, http):
    as_a_new_request()
    if actor == "anonymous":
        return join(app, room.workshop, "participant", http=http, connected=False)
    if actor == "other":
        return join(app, room.other, "participant", http=http)
    audience = {"screen": "screen", "fac": "facilitator", "fac2": "facilitator", "out": "facilitator"}
    return join(app, room.workshop, audience.get(actor, "participant"), http=http, connected=False)


@pytest.mark.parametrize(("event", "state", "actor", "expected"), EVENT_CELLS)
def test_event(app, room, event, state, actor, expected):
    stage, payload = EVENTS[event]
    change_stage(room.workshop, room.facilitator, stage)
    db.session.commit()
    http = browser(app, room, actor)
    if actor == "other":
        change_stage(room.other, room.facilitator, stage)
        db.session.commit()
    if event == "connect":
        revoke(room, actor, http)
        change_state(room, state)
        if actor == "other":  # the other workshop's participant, on this workshop
            client = join(app, room.workshop, "participant", http=http, connected=False)
        else:
            client = connect(app, room, actor, http)
        answer = "ok" if client.is_connected(NAMESPACE) else "RF"
        assert answer == expected
        return
    client = connect(app, room, actor, http)
    if not client.is_connected(NAMESPACE):
        assert expected == "RF"
        return
    revoke(room, actor, http)
    change_state(room, state)
    before = _fingerprint(room)
    as_a_new_request()
    ack = send(client, event, {k: resolve(v, room.names) for k, v in payload.items()})
    answer = "ok" if ack.get("ok") else next((k for k, v in ACKS.items() if v == ack.get("error")), ack)
    assert answer == expected, ack
    if actor in ("screen", "other"):
        assert SECRET not in repr(ack)  # private ideas, not revealed
    if expected != "ok" or actor == "other":
        assert _fingerprint(room) == before  # a refusal changes nothing here


def _fingerprint(room) -> tuple:
    """What this workshop holds, to see that a refusal changed nothing."""
    db.session.expire_all()
    workshop = db.session.get(Workshop, room.id)
    if workshop is None:
        return (None,)
    notes = db.session.execute(
        select(Note.id, Note.text, Note.deleted_at, Note.hidden_at, Note.cluster_id).where(
            Note.workshop_id == room.id
        )
    ).all()
    return (workshop.revision, workshop.current_stage, workshop.status, tuple(sorted(notes)))


def page_request(room, page):
    method, url, form = PAGES[page]
    other = room.make_other().id if "{other}" in url else None
    names = room.names
    url = url.format(code=names["CODE"], token=names["TOKEN"], id=names["ID"], other=other)
    kwargs = {}
    if form == "CSV":
        kwargs["data"] = {"file": (io.BytesIO(b"text,stage\nvisitas,2\n"), "notas.csv")}
        kwargs["content_type"] = "multipart/form-data"
    elif form is not None:
        kwargs["data"] = {
            k: str(room.names.get(v, v)) if v != "C" else new_client_id() for k, v in form.items()
        }
    return method, url, kwargs


@pytest.mark.parametrize(("page", "state", "actor", "expected"), PAGE_CELLS)
def test_page(app, room, page, state, actor, expected, monkeypatch):
    monkeypatch.setattr("workshop.synthesis.views.render_pdf_isolated", lambda html: b"%PDF-1.7 test")
    http = browser(app, room, actor)
    if actor == "out":
        assert http.post("/logout").status_code == 302  # the real door this time
    elif actor == "removed":
        revoke(room, actor, http)
    change_state(room, state)
    before = _fingerprint(room)
    method, url, kwargs = page_request(room, page)
    as_a_new_request()
    response = http.open(url, method=method, **kwargs)
    assert _answer(http, response) == expected, (response.status_code, response.headers.get("Location"))
    if actor == "screen" or actor == "other":
        assert SECRET not in response.get_data(as_text=True)
    if expected != "ok":
        assert _fingerprint(room) == before


def _answer(http, response) -> str:
    if response.status_code in (301, 302, 303):
        location = response.headers["Location"]
        if "/login" in location:
            return "login"
        if "/j/" in location:
            return "join"
        with http.session_transaction() as cookie:
            flashes = cookie.get("_flashes", [])
        return "err" if any(category == "error" for category, _ in flashes) else "ok"
    if response.status_code == 200:
        return "ok"
    return str(response.status_code)


def test_logging_out_closes_the_facilitators_connections(app, room):
    """The real door: /logout closes the live connections of that login at once."""
    console = join(app, room.workshop, "facilitator")
    assert console.http.post("/logout").status_code == 302
    assert not console.is_connected(NAMESPACE)


def test_a_participant_of_another_workshop_cannot_connect_to_this_one(app, room):
    http = browser(app, room, "other")
    assert not join(app, room.workshop, "participant", http=http, connected=False).is_connected(NAMESPACE)
    assert db.session.scalar(select(func.count()).select_from(Note).where(Note.workshop_id == room.id)) == 4
