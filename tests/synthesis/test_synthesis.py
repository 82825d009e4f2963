"""Synthesis across workshops: services, print HTML, the CLI (a real PDF) and the views.

Three workshops of the reform co-design plan run to the end of the rating stage,
each through the same services the live boundaries call.
"""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from tests.factories import login, new_client_id
from workshop.board import services as board
from workshop.cli import main
from workshop.clustering import services as clustering
from workshop.core.codes import format_code
from workshop.errors import InvalidInput, NotFound
from workshop.extensions import db
from workshop.plans import load_plan
from workshop.rating import services as rating
from workshop.synthesis.services import (
    build_synthesis,
    synthesis_html,
    title_words,
    workshops_for_references,
)
from workshop.voting import services as voting
from workshop.workshops.services import change_stage

# reform-codesign: 0 question (discuss), 1 ideas (write), 2 merge (cluster),
# 3 shortlist (vote: 5 dots, at most 2 per idea), 4 impact-feasibility (rate)
IDEAS, MERGE, SHORTLIST, RATE = 1, 2, 3, 4
DOTS, CAP = 5, 2


@pytest.fixture
def reform_plan(plans_dir):
    return load_plan("reform-codesign", plans_dir)


@pytest.fixture
def run_site(make_workshop, make_participant, facilitator, reform_plan):
    """Run one workshop through writing, grouping, a closed vote and rating.

    `ideas` lists (group title, dots, (impact, feasibility) or None); every one of
    the four participants gives the same rating, so the means are those values.
    """

    def run(
        title: str,
        ideas: list[tuple[str, int, tuple[int, int] | None]],
        *,
        language: str = "es",
        place: str | None = None,
        loose_notes: int = 0,
        held_on: date | None = None,
    ):
        workshop = make_workshop(
            title, stage=IDEAS, language=language, plan=reform_plan, place=place, held_on=held_on
        )
        people = [make_participant(workshop) for _ in range(4)]
        notes = [
            board.add_note(workshop, people[0], f"nota: {idea[0]}", new_client_id(), IDEAS, "usf")[0]
            for idea in ideas
        ]
        for number in range(loose_notes):
            board.add_note(workshop, people[1], f"suelta {number}", new_client_id(), IDEAS)
        change_stage(workshop, facilitator, MERGE)
        groups = [
            clustering.group_notes(workshop, facilitator, [note.id], idea[0])
            for note, idea in zip(notes, ideas, strict=True)
        ]
        change_stage(workshop, facilitator, SHORTLIST)
        budget = {person.id: DOTS for person in people}
        for group, (_title, dots, _rating) in zip(groups, ideas, strict=True):
            for person in people:
                give = min(CAP, budget[person.id], dots)
                for _dot in range(give):
                    voting.cast_dot(workshop, person, group.id, new_client_id())
                budget[person.id] -= give
                dots -= give
            assert dots == 0, "not enough dots in the room for this scenario"
        voting.set_vote_closed(workshop, facilitator, True)
        change_stage(workshop, facilitator, RATE)
        for group, (_title, _dots, scores) in zip(groups, ideas, strict=True):
            if scores is not None:
                for person in people:
                    rating.rate(workshop, person, group.id, *scores)
        db.session.commit()
        return SimpleNamespace(workshop=workshop, groups=groups, people=people)

    return run


@pytest.fixture
def three_sites(run_site):
    """The same plan at three units; "Agenda compartida" comes up at all three."""
    san_lorenzo = run_site(
        "USF San Lorenzo",
        [
            ("Agenda compartida", 5, (4, 4)),
            ("Más promotoras de salud", 3, (5, 2)),
            ("Turnos por teléfono", 1, (2, 4)),
            ("Fichas <b>familiares</b> & más", 0, None),
        ],
        place="San Lorenzo <i>centro</i>",
        loose_notes=2,
        held_on=date(2025, 3, 10),
    )
    luque = run_site(
        "USF Luque",
        [
            ("Reuniones mensuales con la región", 6, (3, 3)),
            ("Agenda compartida", 4, (4, 3)),
            ("Capacitación en servicio", 2, (3, 4)),
        ],
        place="Luque",
        held_on=date(2025, 3, 12),
    )
    itaugua = run_site(
        "USF Itauguá",
        [
            ("Promotoras de salud", 5, (4, 2)),
            ("agendas compartidas", 3, (5, 2)),
            ("Reunión mensual con la región sanitaria", 1, None),
        ],
        place="Itauguá",
        held_on=date(2025, 3, 14),
    )
    return SimpleNamespace(
        a=san_lorenzo, b=luque, c=itaugua, workshops=[san_lorenzo.workshop, luque.workshop, itaugua.workshop]
    )


def test_title_words_ignore_case_accents_stop_words_and_plurals():
    assert title_words("Agenda compartida") == title_words("agendas compartidas")
    assert title_words("Más promotoras de salud") == {"promotora", "salud"}
    assert title_words("Reuniones mensuales") == title_words("reunión mensual")
    assert title_words("Capacitación del personal") == title_words("capacitacion personal")
    assert title_words("Nurses' processes") == title_words("nurse process")
    assert title_words("de la y los") == frozenset()


def test_synthesis_of_three_workshops(three_sites):
    synthesis = build_synthesis(three_sites.workshops)
    assert synthesis["language"] == "es"
    assert synthesis["notices"] == []

    agenda, promotoras, reuniones = synthesis["themes"]
    assert [site["title"] for site in agenda["sites"]] == ["USF San Lorenzo", "USF Luque", "USF Itauguá"]
    assert [item["title"] for item in agenda["items"]] == [
        "Agenda compartida",
        "Agenda compartida",
        "agendas compartidas",
    ]
    assert agenda["title"] == "Agenda compartida"
    assert agenda["dots"] == 5 + 4 + 3
    assert agenda["ratings"] == 12
    assert (agenda["impact"], agenda["feasibility"]) == (4.3, 3.0)  # means of all 12 ratings
    assert agenda["quadrant"] == "quick_win"
    # Two sites each; ties on sites are broken by dots.
    assert [item["title"] for item in promotoras["items"]] == [
        "Más promotoras de salud",
        "Promotoras de salud",
    ]
    assert promotoras["dots"] == 8
    assert [site["number"] for site in reuniones["sites"]] == [2, 3]
    assert reuniones["dots"] == 7
    assert (reuniones["impact"], reuniones["feasibility"]) == (3.0, 3.0)  # Itauguá's is unrated
    assert [theme["number"] for theme in synthesis["themes"]] == [1, 2, 3]

    san_lorenzo, luque, itaugua = synthesis["sites"]
    assert [i["title"] for i in san_lorenzo["ideas"]] == [
        "Agenda compartida",
        "Más promotoras de salud",
        "Turnos por teléfono",
        "Fichas <b>familiares</b> & más",
    ]
    assert [(i["rank"], i["dots"], i["theme"]) for i in san_lorenzo["ideas"]] == [
        (1, 5, 1),
        (2, 3, 2),
        (3, 1, None),
        (4, 0, None),
    ]
    assert [i["title"] for i in luque["ideas"]] == [
        "Reuniones mensuales con la región",
        "Agenda compartida",
        "Capacitación en servicio",
    ]
    assert [i["theme"] for i in luque["ideas"]] == [3, 1, None]
    assert [i["title"] for i in itaugua["ideas"]] == [
        "Promotoras de salud",
        "agendas compartidas",
        "Reunión mensual con la región sanitaria",
    ]
    assert itaugua["ideas"][0]["quadrant_label"] == "proyecto mayor"  # the synthesis language
    assert (san_lorenzo["participants"], san_lorenzo["notes"], san_lorenzo["groups"]) == (4, 6, 4)
    assert (san_lorenzo["place"], san_lorenzo["date"]) == ("San Lorenzo <i>centro</i>", "2025-03-10")

    assert synthesis["totals"] == {
        "sites": 3,
        "participants": 12,
        "notes": 12,
        "groups": 10,
        "ideas": 10,
        "dots": 30,
        "themes": 3,
    }


def test_top_limits_each_ranking_but_not_the_themes(three_sites):
    synthesis = build_synthesis(three_sites.workshops, top=1)
    assert [len(site["ideas"]) for site in synthesis["sites"]] == [1, 1, 1]
    assert len(synthesis["themes"]) == 3
    assert synthesis["totals"]["ideas"] == 10


def test_an_idea_set_aside_stays_in_the_ranking_and_says_so(three_sites, facilitator):
    from workshop.ranking.services import set_decision

    set_decision(three_sites.a.workshop, facilitator, "cluster", three_sites.a.groups[2].id, "set_aside")
    db.session.commit()
    ideas = build_synthesis(three_sites.workshops)["sites"][0]["ideas"]
    assert ideas[2]["decision"] == "set_aside"


@pytest.mark.parametrize(
    ("choose", "error", "message"),
    [
        (lambda w: [w[0]], InvalidInput, "at least two"),
        (lambda w: [], InvalidInput, "at least two"),
        (lambda w: [w[0], w[1], w[0]], InvalidInput, "“USF San Lorenzo” is chosen twice"),
    ],
)
def test_a_synthesis_needs_two_different_workshops(three_sites, choose, error, message):
    with pytest.raises(error, match=message):
        build_synthesis(choose(three_sites.workshops))


def test_workshops_are_found_by_id_or_code_even_when_closed(three_sites):
    a, b = three_sites.a.workshop, three_sites.b.workshop
    b.status = "closed"  # a synthesis is usually made after the sessions, codes then stop working
    db.session.commit()
    found = workshops_for_references([str(a.id), format_code(b.code).lower()])
    assert found == [a, b]
    with pytest.raises(NotFound, match="“9999”"):
        workshops_for_references([str(a.id), "9999"])
    with pytest.raises(NotFound, match="ZZZ"):
        workshops_for_references(["ZZZ"])


def test_different_languages_use_the_first_and_say_so(run_site):
    english = run_site("USF Areguá", [("Shared agenda", 2, (4, 4))], language="en")
    spanish = run_site("USF Capiatá", [("Agenda compartida", 2, (4, 4))])
    synthesis = build_synthesis([english.workshop, spanish.workshop])
    assert synthesis["language"] == "en"
    assert len(synthesis["notices"]) == 1
    assert "different languages (English, Español)" in synthesis["notices"][0]
    assert "language of the first one, English" in synthesis["notices"][0]
    assert synthesis["sites"][1]["ideas"][0]["quadrant_label"] == "quick win"
    assert synthesis["themes"] == []  # words are matched, not translated
    html = synthesis_html(synthesis)
    assert '<html lang="en">' in html


def test_an_open_vote_and_an_empty_workshop_are_noticed(
    run_site, make_workshop, reform_plan, make_participant, facilitator
):
    done = run_site("USF Limpio", [("Agenda compartida", 2, None)])
    voting_now = make_workshop("USF Ñemby", stage=IDEAS, plan=reform_plan)
    voter = make_participant(voting_now)
    note, _ = board.add_note(voting_now, voter, "una idea", new_client_id(), IDEAS)
    change_stage(voting_now, facilitator, MERGE)
    group = clustering.group_notes(voting_now, facilitator, [note.id], "Agenda compartida")
    change_stage(voting_now, facilitator, SHORTLIST)
    voting.cast_dot(voting_now, voter, group.id, new_client_id())
    empty = make_workshop("USF Vacía", stage=0, plan=reform_plan)
    db.session.commit()
    synthesis = build_synthesis([done.workshop, voting_now, empty])
    notices = " ".join(synthesis["notices"])
    # The workshops are in Spanish, so the synthesis speaks Spanish.
    assert "La votación de «USF Ñemby» sigue abierta" in notices
    assert "«USF Vacía» todavía no tiene ideas para priorizar" in notices
    ñemby = synthesis["sites"][1]
    assert ñemby["dots"] == 0  # hidden until the vote closes, as in the report
    assert synthesis["themes"][0]["dots"] == 2


def test_print_html_escapes_user_text(three_sites):
    html = synthesis_html(build_synthesis(three_sites.workshops))
    assert "Fichas &lt;b&gt;familiares&lt;/b&gt; &amp; más" in html
    assert "San Lorenzo &lt;i&gt;centro&lt;/i&gt;" in html
    assert "<b>familiares" not in html and "<i>centro" not in html
    assert 'href="/static/reports/report.css"' in html
    assert "display: flex" not in html and "display: grid" not in html
    assert "counter(pages)" in html  # A4 and the running header come from report.css
    for title in (
        "USF San Lorenzo",
        "USF Luque",
        "USF Itauguá",
        "Agenda compartida",
        "agendas compartidas",
        "Reunión mensual con la región sanitaria",
    ):
        assert title in html


def test_print_html_is_in_the_synthesis_language(three_sites):
    html = synthesis_html(build_synthesis(three_sites.workshops))
    assert '<html lang="es">' in html
    assert "victoria rápida" in html  # the theme's quadrant, from the Spanish catalogue
    with force_locale("en"):  # whatever the caller's locale
        assert "victoria rápida" in synthesis_html(build_synthesis(three_sites.workshops))


# Command line ---------------------------------------------------------------------------------


def test_cli_writes_the_print_html(three_sites, runner, tmp_path):
    a, b, c = three_sites.workshops
    output = tmp_path / "synthesis.html"
    result = runner.invoke(
        main,
        [
            "export-synthesis",
            str(a.id),
            format_code(b.code),
            str(c.id),
            "--output",
            str(output),
            "--format",
            "html",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 workshops, 3 recurring themes" in result.output
    html = output.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert "USF Itauguá" in html and "Fichas &lt;b&gt;" in html
    result = runner.invoke(
        main, ["export-synthesis", str(c.id), str(a.id), "-o", "-", "--format", "html", "--top", "1"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!doctype html>")
    assert "Turnos por teléfono" not in result.stdout  # third at San Lorenzo: beyond --top 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1"], "at least two"),
        (["1", "1"], "chosen twice"),
        (["1", "424242"], "No workshop has the id or code “424242”"),
    ],
)
def test_cli_refuses_a_bad_choice(three_sites, runner, tmp_path, args, message):
    a = three_sites.a.workshop
    args = [str(a.id) if arg == "1" else arg for arg in args]
    output = tmp_path / "never.pdf"
    result = runner.invoke(main, ["export-synthesis", *args, "--output", str(output)])
    assert result.exit_code != 0
    assert message in result.output
    assert not output.exists()


def test_cli_writes_a_real_pdf(three_sites, runner, tmp_path):
    """Needs the report renderer (workshop.reports.pdf) to exist."""
    from pypdf import PdfReader

    a, b, c = three_sites.workshops
    output = tmp_path / "synthesis.pdf"
    result = runner.invoke(
        main, ["export-synthesis", str(a.id), str(b.id), str(c.id), "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    data = output.read_bytes()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    for title in ("USF San Lorenzo", "USF Luque", "USF Itauguá", "Agenda compartida", "Promotoras de salud"):
        assert title in text
    assert len(reader.outline) >= 1  # bookmarks from the headings


# Pages ----------------------------------------------------------------------------------------


@pytest.fixture
def fake_renderer(monkeypatch):
    """Stands in for the PDF renderer: the view only has to hand it the print HTML."""
    received: list[str] = []

    def render_pdf_isolated(html: str, timeout: float = 120, memory_mb: int = 1536) -> bytes:
        received.append(html)
        return b"%PDF-1.7 fake"

    monkeypatch.setattr("workshop.synthesis.views.render_pdf_isolated", render_pdf_isolated)
    return received


def test_dashboard_offers_the_synthesis(three_sites, client):
    login(client)
    page = client.get("/w/").get_data(as_text=True)
    assert '<form method="get" action="/synthesis" id="synthesis-form"' in page
    for workshop in three_sites.workshops:
        assert f'<input type="checkbox" name="w" value="{workshop.id}" form="synthesis-form"' in page
        assert f'href="/w/{workshop.id}"' in page
        assert f'href="/w/{workshop.id}/export/pdf"' in page  # reports/_download_links.html
    assert "Synthesis PDF" in page
    for column in ("Title", "Plan", "Code", "Date"):
        assert f"<th>{column}</th>" in page


def test_synthesis_view_needs_a_login(three_sites, client, fake_renderer):
    a, b, _c = three_sites.workshops
    response = client.get(f"/synthesis?w={a.id}&w={b.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert fake_renderer == []


def test_synthesis_view_downloads_a_pdf(three_sites, client, fake_renderer):
    login(client)
    a, b, c = three_sites.workshops
    response = client.get(f"/synthesis?w={a.id}&w={b.id}&w={c.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="synthesis-{date.today().isoformat()}.pdf"'
    )
    assert "USF Itauguá" in fake_renderer[0] and "Agenda compartida" in fake_renderer[0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (lambda a, b: f"w={a}", "Choose at least two workshops"),
        (lambda a, b: "", "Choose at least two workshops"),
        (lambda a, b: f"w={a}&w=987654", "No workshop has the id or code “987654”"),
        (lambda a, b: f"w={a}&w={b}&w={a}", "is chosen twice"),
    ],
)
def test_synthesis_view_sends_a_bad_choice_back(three_sites, client, fake_renderer, query, message):
    login(client)
    a, b, _c = three_sites.workshops
    response = client.get(f"/synthesis?{query(a.id, b.id)}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/w/")
    page = client.get("/w/").get_data(as_text=True)
    assert message in page
    assert fake_renderer == []
