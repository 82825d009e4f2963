"""Hostile requests to every form and every page that takes a code, an id or a query
(hypothesis, bounded and derandomised).

Bodies are built byte by byte, as a hostile client can send them: NUL, the UTF-8 bytes of
a lone surrogate, bytes that are no UTF-8 at all, huge and negative numbers, digits that
are not ASCII ("²", "١"), fields repeated, missing and extra; JSON bodies with nested
objects; multipart uploads. Whatever comes, the answer is a page or a redirect (a 4xx at
worst), never a 5xx, nothing is logged as an error, and the site keeps serving: a phone's
note is stored afterwards.
"""

from __future__ import annotations

import io
import logging
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.factories import new_client_id
from tests.sockets import LOGIN
from workshop.board.models import Note
from workshop.core.models import Workshop
from workshop.extensions import db
from workshop.workshops.services import change_stage, reopen_workshop

EXAMPLES = 40

PIECES = [
    b"a",
    b"7",
    b"\x00",
    b"\xed\xa0\x80",  # a lone surrogate, as UTF-8 would carry it
    b"\xff\xfe",
    b"\xc3\xa9",
    b"\xf0\x9f\x98\x80",
    b" ",
    b"\r\n",
    b"%",
    b"&",
    b"=",
    b"/",
    b"..",
]
NUMBERS = [
    "0",
    "-1",
    "1",
    "4",
    "2147483648",  # past PostgreSQL's INTEGER ids
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "9" * 5000,
    "1e309",
    "nan",
    "0x10",
    " 3 ",
    "²",
    "١",
    "³³",
    "",
]


def texts(plausible: list[str]) -> st.SearchStrategy[bytes]:
    """One field's value, as raw bytes."""
    return st.one_of(
        st.sampled_from([p.encode() for p in plausible] or [b"x"]),
        st.sampled_from([n.encode() for n in NUMBERS]),
        st.lists(st.sampled_from(PIECES), max_size=12).map(b"".join),
        st.binary(max_size=12),
        st.sampled_from([b"\xc3\xa9" * 3000, b"<script>alert(1)</script>", b"'; DROP TABLE notes; --"]),
    )


def form_body(fields: dict[str, list[str]]) -> st.SearchStrategy[bytes]:
    """application/x-www-form-urlencoded: known fields (some missing, some repeated), extras."""
    pairs = [
        st.lists(st.tuples(st.just(name.encode()), texts(plausible)), max_size=2)
        for name, plausible in fields.items()
    ]
    extra = st.lists(st.tuples(texts([]), texts([])), max_size=2)
    return st.tuples(*pairs, extra).map(
        lambda groups: b"&".join(
            quote_from_bytes(name).encode() + b"=" + quote_from_bytes(value).encode()
            for group in groups
            for name, value in group
        )
    )


def json_values() -> st.SearchStrategy:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.text(max_size=10),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    )


def requests_for(fields: dict[str, list[str]]) -> st.SearchStrategy[dict]:
    """Keyword arguments for the test client: a form body mostly, sometimes JSON or garbage."""
    urlencoded = "application/x-www-form-urlencoded"
    return st.one_of(
        form_body(fields).map(lambda body: {"data": body, "content_type": urlencoded}),
        form_body(fields).map(lambda body: {"data": body, "content_type": urlencoded}),
        form_body(fields).map(lambda body: {"data": body, "content_type": urlencoded}),
        json_values().map(lambda value: {"json": value}),
        st.binary(max_size=40).map(lambda body: {"data": body, "content_type": urlencoded}),
        st.binary(max_size=40).map(lambda body: {"data": body, "content_type": "multipart/form-data"}),
    )


def uploads() -> st.SearchStrategy[dict]:
    """multipart/form-data for the CSV import: a file (or not), hostile contents and names."""
    contents = st.one_of(
        st.sampled_from(
            [
                b"text,stage\nvisitas,1\n",
                "text,stage\nvisitas,\u00b2\n".encode(),  # a digit int() refuses
                b"text,stage\n\x00,1\n",
                b"text,stage,lane\nuna,9223372036854775808,\xff\n",
                b"text\n" + b"a," * 3000 + b"\n",
                b"\xef\xbb\xbftext;etapa\r\n\xed\xa0\x80;-1\r\n",
            ]
        ),
        st.lists(st.sampled_from(PIECES + [b",", b"\n", b'"']), max_size=30).map(b"".join),
    )
    names = st.sampled_from(["notes.csv", "", "\x00.csv", "../../etc/passwd", "a" * 300, "notas.txt"])
    return st.builds(
        lambda content, name, present: (
            {
                "data": {"file": (io.BytesIO(content), name)} if present else {},
                "content_type": "multipart/form-data",
            }
        ),
        contents,
        names,
        st.booleans(),
    )


@pytest.fixture
def site(app, workshop, facilitator):
    """A phone that joined `workshop` and a facilitator's browser, logged in."""
    phone = app.test_client()
    phone.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert phone.get(f"/j/{workshop.code}").status_code == 302
    console = app.test_client()
    assert console.post("/login", data=LOGIN).status_code == 302
    return {
        "phone": phone,
        "console": console,
        "anonymous": app.test_client(),
        "workshop": workshop,
        "facilitator": facilitator,
    }


# Every POST route: who sends it, its path, and its fields with plausible values.
FORMS = {
    "login": ("anonymous", "/login", {"email": [LOGIN["email"]], "password": ["x", LOGIN["password"]]}),
    "logout": ("console", "/logout", {}),
    "language": ("anonymous", "/lang/en", {"next": ["/w/", "//evil.example"]}),
    "post_note": (
        "phone",
        "/p/{code}/notes",
        {"text": ["una idea"], "stage": ["1", "2"], "client_id": ["c1"], "lane": ["social", ""]},
    ),
    "set_name": ("phone", "/p/{code}/name", {"display_name": ["Ana"]}),
    "profile": ("phone", "/p/{code}/profile", {"profile-role": ["nurse"], "skip": [""]}),
    "anonymity_floor": ("console", "/workshops/{id}/anonymity-floor", {"floor": ["3", "50"]}),
    "new_workshop": (
        "console",
        "/w/new",
        {
            "plan": ["pd-discovery", "../../etc/passwd"],
            "title": ["Taller"],
            "language": ["es", "en"],
            "place": ["Luque"],
            "held_on": ["2026-05-14", "2026-02-30", "99999-01-01"],
            "second_language": ["", "gn", "en"],
        },
    ),
    "second_language": ("console", "/w/{id}/second-language", {"second_language": ["", "en", "gn"]}),
    "save_plan": ("console", "/w/{id}/save-plan", {"slug": ["mi-plan", "pd-discovery"], "title": ["Mío"]}),
    "duplicate_plan": (
        "console",
        "/plans/pd-discovery/duplicate",
        {"slug": ["copia", "Copia Mala", "reform-codesign"], "title": ["Copia"]},
    ),
    "archive_plan": ("console", "/plans/pd-discovery/archive", {}),
    "unarchive_plan": ("console", "/plans/ghost/unarchive", {}),
    "change_stage": ("console", "/w/{id}/stage", {"stage": ["0", "2", "7"]}),
    "question": ("console", "/w/{id}/question", {"question": ["¿Qué?"]}),
    "release_spotlight": ("console", "/w/{id}/spotlight/release", {}),
    "plan_editor": (
        "console",
        "/w/{id}/plan",
        {
            "row": ["r0", "r1", "r99", "x"],
            "r0-origin": ["picture", "nope", ""],
            "r0-id": ["picture", "Mal Id"],
            "r0-kind": ["discuss", "vote", "rate", "write", "nope"],
            "r0-title-es": ["Hola"],
            "r0-minutes": ["5", "abc", "-1", "99999999999"],
            "r0-dots": ["3", "x"],
            "r0-cap": ["2"],
            "r0-lanes": ["conditions", "nope"],
            "r0-private": ["1"],
            "r0-axis1-label-es": ["Impacto"],
            "plan-title-es": ["Plan"],
            "version": ["1", "x"],
            "new_kind": ["vote", "x"],
            "action": ["save", "add", "up:r0", "down:r1", "remove:r0", "bogus"],
        },
    ),
    "close": ("console", "/w/{id}/close", {}),
    "reopen": ("console", "/w/{id}/reopen", {}),
    "delete": ("console", "/w/{id}/delete", {"code": ["XXX-XXX"]}),
    "commitment_status": (
        "console",
        "/w/{id}/commitments/1/status",
        {
            "status": ["started", "done", "exploded"],
            "noted_on": ["2026-05-14", "2026-02-30"],
            "note": ["ok"],
            "next": ["/commitments", "//evil.example"],
        },
    ),
}


def assert_served(response, what) -> None:
    assert response.status_code < 500, (what, response.status_code)


def errors_logged(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


def assert_still_serving(app, site) -> None:
    """A newcomer's note, through the plain form, is stored (on an open write stage)."""
    db.session.rollback()
    workshop = db.session.get(Workshop, site["workshop"].id)
    reopen_workshop(workshop, site["facilitator"])
    change_stage(workshop, site["facilitator"], 1)
    db.session.commit()
    phone = app.test_client()
    assert phone.get(f"/j/{workshop.code}").status_code == 302
    client_id = new_client_id()
    response = phone.post(
        f"/p/{workshop.code}/notes", data={"text": "sigue", "stage": "1", "client_id": client_id}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Note).where(Note.client_id == client_id)) == 1


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_hostile_forms_never_get_a_server_error(app, site, form, caplog):
    sender, path, fields = FORMS[form]
    workshop = site["workshop"]
    url = path.format(code=workshop.code, id=workshop.id)

    @SETTINGS
    @given(request=requests_for(fields))
    @example(request={"json": False})  # found: a JSON body that is no object
    @example(request={"json": {"stage": {"a": 1}, "text": [1, 2]}})
    @example(request={"data": b"stage=%C2%B2&text=a", "content_type": "application/x-www-form-urlencoded"})
    def fuzz(request):
        assert_served(site[sender].post(url, **request), (form, request))

    with caplog.at_level(logging.WARNING):
        fuzz()
    assert errors_logged(caplog) == []
    assert_still_serving(app, site)


def test_hostile_uploads_never_get_a_server_error(app, site, caplog):
    url = f"/w/{site['workshop'].id}/import"

    @SETTINGS
    @given(request=uploads())
    def fuzz(request):
        assert_served(site["console"].post(url, **request), request)

    with caplog.at_level(logging.WARNING):
        fuzz()
    assert errors_logged(caplog) == []
    assert_still_serving(app, site)


def test_hostile_setup_forms_never_get_a_server_error(app, client, caplog):
    """The first facilitator's form, while there is none (the first valid one creates it)."""

    @SETTINGS
    @given(request=requests_for({"email": ["ana@example.org"], "password": ["una clave larga 123"]}))
    def fuzz(request):
        assert_served(client.post("/setup", **request), request)

    with caplog.at_level(logging.WARNING):
        fuzz()
    assert errors_logged(caplog) == []


def segment() -> st.SearchStrategy[str]:
    """A path segment or query value, percent-encoded from hostile bytes."""
    return st.one_of(
        st.sampled_from(NUMBERS),
        st.lists(st.sampled_from(PIECES), min_size=1, max_size=10).map(
            lambda b: quote_from_bytes(b"".join(b))
        ),
        st.binary(min_size=1, max_size=10).map(quote_from_bytes),
    ).filter(bool)


# Pages that take a code, a token, an id or a query: who asks, and the URL ({} is fuzzed).
PAGES = {
    "join_by_code": ("anonymous", "/join?code={}"),
    "join_link": ("anonymous", "/j/{}"),
    "qr": ("anonymous", "/j/{}/qr.svg"),
    "phone": ("phone", "/p/{}"),
    "projector": ("anonymous", "/s/{}"),
    "console": ("console", "/w/{}"),
    "export": ("console", "/w/{id}/export/{}"),
    "export_id": ("console", "/w/{}/export/json"),
    "synthesis": ("console", "/synthesis?w={}&w={}"),
    "delete_page": ("console", "/w/{}/delete"),
    "breakdown": ("console", "/workshops/{}/breakdown"),
    "login_next": ("anonymous", "/login?next={}"),
    "assets": ("anonymous", "/assets/{}/{}"),
    "plan_export": ("console", "/plans/{}.toml"),
    "plan_duplicate": ("console", "/plans/{}/duplicate"),
    "plan_library": ("console", "/plans/?archived={}"),
    "save_plan": ("console", "/w/{}/save-plan"),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_hostile_codes_ids_and_queries_never_get_a_server_error(app, site, page, caplog):
    sender, template = PAGES[page]
    holes = template.count("{}")

    @SETTINGS
    @given(values=st.lists(segment(), min_size=holes, max_size=holes))
    def fuzz(values):
        url = template.replace("{id}", str(site["workshop"].id)).format(*values)
        assert_served(site[sender].get(url), url)

    with caplog.at_level(logging.WARNING):
        fuzz()
    assert errors_logged(caplog) == []
    assert_still_serving(app, site)
