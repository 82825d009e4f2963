"""The PDF report: a real workshop run through the services, rendered to a real PDF.

Checks what the PDF says (title, ideas in rank order with ties, every note,
user text printed literally), that user text can never make the renderer read
a file or the network (the URL fetcher records every request), the fetcher's
refusals one by one, the isolated renderer (works; times out with a readable
error), and the SVG charts. Pages 1–4 are also written as PNG to
artifacts/report/ for a person to look at.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from flask import current_app
from pypdf import PdfReader

from tests.factories import ROOT, new_client_id
from workshop.board.services import add_note
from workshop.clustering.services import group_notes
from workshop.extensions import db
from workshop.plans import load_plan
from workshop.ranking.services import set_decision
from workshop.rating.services import rate
from workshop.reports.charts import dots_bar_svg, idea_labels, matrix_svg
from workshop.reports.data import build_report
from workshop.reports.pdf import (
    DEFAULT_BASE_URL,
    RefusedURL,
    ReportError,
    make_url_fetcher,
    render_pdf,
    render_pdf_isolated,
)
from workshop.reports.render import css_string, report_html
from workshop.voting.services import cast_dot, set_vote_closed
from workshop.workshops.services import change_stage

# reform-codesign: 0 question (discuss), 1 ideas (write, lanes usf/region/ministry),
# 2 merge (cluster), 3 shortlist (vote, 5 dots, cap 2), 4 rate, 5 pilot (write), 6 commitments
IDEAS, MERGE, SHORTLIST, RATE, PILOT = 1, 2, 3, 4, 5
ARTIFACTS = ROOT / "artifacts" / "report"
CSS_URL = DEFAULT_BASE_URL + "static/reports/report.css"
DOTS_URL = DEFAULT_BASE_URL + "static/reports/toc-dots.svg"  # the contents' dotted rule, from the CSS
STYLE_URLS = [CSS_URL, DOTS_URL]

MARKUP_NOTE = "<b>HTML</b> & <script>x</script>"
FILE_IMG = '<img src="file:///etc/passwd">'
NET_IMG = '<img src="http://example.com/x.png">'
FILE_CSS = '<link rel=stylesheet href="file:///etc/passwd">'


@pytest.fixture
def reform_plan(plans_dir):
    return load_plan("reform-codesign", plans_dir)


@pytest.fixture
def run_workshop(make_workshop, make_participant, facilitator, reform_plan):
    """A finished reform-codesign workshop: three groups, a vote, ratings, decisions.

    Night staff gets 5 dots; Supplies and Paperwork 3 each with equal ratings, so
    they tie at rank 2. Returns the workshop and the ids of the notes by text.
    """

    def run(
        title: str = "USF San Lorenzo: reform ideas", language: str = "en", extra_notes: tuple[str, ...] = ()
    ):
        w = make_workshop(
            title=title,
            stage=IDEAS,
            language=language,
            plan=reform_plan,
            place="San Lorenzo, Central",
            held_on=date(2025, 3, 14),
        )
        people = [make_participant(w) for _ in range(3)]
        notes = {}

        def write(person, text, lane, stage=IDEAS):
            note, _ = add_note(w, person, text, new_client_id(), stage, lane)
            notes[text] = note.id
            return note.id

        night = [
            write(people[0], "More nurses on night shifts", "usf"),
            write(people[1], "Night cover shared with the region", "region"),
        ]
        supplies = [
            write(people[1], "Order supplies by real monthly consumption", "region"),
            write(people[2], "A shared stock sheet for every USF", "usf"),
        ]
        paperwork = [
            write(people[2], "One digital register instead of five forms", "ministry"),
            write(people[0], MARKUP_NOTE, "ministry"),
        ]
        paperwork += [write(people[i % 3], text, "usf") for i, text in enumerate(extra_notes)]
        db.session.commit()

        change_stage(w, facilitator, MERGE)
        a = group_notes(w, facilitator, night, "Staff at night")
        b = group_notes(w, facilitator, supplies, "Supplies on time")
        c = group_notes(w, facilitator, paperwork, "Less paperwork")
        db.session.commit()

        change_stage(w, facilitator, SHORTLIST)
        for person, targets in zip(people, ([a, a, b, c], [a, a, b, c], [a, b, c]), strict=True):
            for target in targets:
                cast_dot(w, person, target.id, new_client_id())
        set_vote_closed(w, facilitator, True)
        db.session.commit()

        change_stage(w, facilitator, RATE)
        for person in people:
            rate(w, person, a.id, 4, 4)
            rate(w, person, b.id, 3, 2)
            rate(w, person, c.id, 3, 2)
        db.session.commit()

        change_stage(w, facilitator, PILOT)
        write(people[0], "Supplies: IF we order monthly THEN no stock-outs", "hypothesis", PILOT)
        set_decision(w, facilitator, "cluster", a.id, "selected")
        set_decision(w, facilitator, "cluster", c.id, "set_aside")
        db.session.commit()
        return w, notes

    return run


def render(workshop, *, on_request=None):
    """The export path: report → print HTML → PDF, with a fetcher we can inspect."""
    report = build_report(workshop)
    html = report_html(report)
    fetcher = make_url_fetcher(Path(current_app.static_folder), on_request=on_request)
    return report, html, render_pdf(html, url_fetcher=fetcher), fetcher


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, whitespace collapsed (line wraps become spaces)."""
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(BytesIO(pdf)).pages]


def outline(pdf: bytes) -> list[tuple[str, int]]:
    """Top-level bookmarks as (title, page number)."""
    reader = PdfReader(BytesIO(pdf))
    return [
        (item.title, reader.get_destination_page_number(item) + 1)
        for item in reader.outline
        if not isinstance(item, list)
    ]


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise AssertionError(f"network connection attempted: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_pdf_tells_the_workshop_in_order(run_workshop, no_network, caplog):
    w, notes = run_workshop()
    with caplog.at_level(logging.INFO, logger="weasyprint"):
        report, _html, pdf, fetcher = render(w)
    # WeasyPrint understood every rule of the print CSS and loaded everything it asked for.
    assert [
        r.getMessage() for r in caplog.records if r.name == "weasyprint" and r.levelno >= logging.WARNING
    ] == []
    assert pdf.startswith(b"%PDF")
    pages = pdf_pages(pdf)
    text = " ".join(pages)

    cover = pages[0]
    for expected in (
        "USF San Lorenzo: reform ideas",
        "San Lorenzo, Central",
        "March 14, 2025",
        "Reform co-design and prioritisation",
        "ana@example.org",
        "Contents",
    ):
        assert expected in cover

    # Sections in the order DOMAIN.md asks for, as bookmarks, each on the page the contents say.
    sections = outline(pdf)
    titles = [title for title, _page in sections]
    assert titles == [
        "Key messages",
        "The question and the method",
        "Ranked reform ideas",
        "Findings by lane",
        "Ideas set aside",
        "Limitations",
        "Appendix: traceability",
        "Appendix: voting and rating records",
    ]
    for title, page in sections:
        assert title in pages[page - 1]
        assert f"{title} {page}" in cover  # the table of contents (target-counter)
    count = len(pages)
    assert f"Page 2 of {count}" in pages[1]
    assert "USF San Lorenzo: reform ideas" in pages[1]  # running header

    # Key messages: the selected idea only, with its dots and a quote.
    key_page = pages[dict(sections)["Key messages"] - 1]
    assert "Staff at night" in key_page and "5 dots" in key_page
    assert "More nurses on night shifts" in key_page
    assert "Less paperwork" not in key_page

    # Method: every stage's prompt as run, and the anonymity statement.
    method = pages[dict(sections)["The question and the method"] - 1]
    for stage in report["stages"]:
        assert stage["prompt"][:40] in method
    assert "P1, P2" in method

    # Ranked table: rank order, the tie shown as =2, means with spread, decisions.
    ranking = pages[dict(sections)["Ranked reform ideas"] - 1]
    positions = [ranking.index(title) for title in ("Staff at night", "Supplies on time", "Less paperwork")]
    assert positions == sorted(positions)
    assert "=2" in ranking and "4.0 ± 0.0" in ranking and "quick win" in ranking
    assert "Selected" in ranking and "Set aside" in ranking
    assert [idea["title"] for idea in report["ideas"]] == [
        "Staff at night",
        "Supplies on time",
        "Less paperwork",
    ]

    set_aside = pages[dict(sections)["Ideas set aside"] - 1]
    assert "Less paperwork" in set_aside

    # Every note is in the PDF (findings and appendix), markup printed literally.
    for note_text in notes:
        assert note_text in text
    assert text.count(MARKUP_NOTE) >= 2
    appendix = " ".join(pages[dict(sections)["Appendix: traceability"] - 1 :])
    assert "Stage 2 · Reform ideas" in appendix
    assert "Stage 6 · From plan to pilot" in appendix  # the loose pilot note, with its prompt
    records = " ".join(pages[dict(sections)["Appendix: voting and rating records"] - 1 :])
    assert "P1" in records and "P3" in records and "1 ×2" in records

    # Only our stylesheet (and the image it names) was asked for and served; no network.
    assert [(r.url, r.served) for r in fetcher.requests] == [(url, True) for url in STYLE_URLS]
    assert no_network == []


def test_user_text_cannot_fetch_files_or_network(run_workshop, no_network, caplog, tmp_path):
    hostile_title = f"Taller {FILE_IMG} {FILE_CSS}"[:120]
    w, _notes = run_workshop(title=hostile_title, extra_notes=(NET_IMG, FILE_CSS, FILE_IMG))
    seen = []
    _report, html, pdf, fetcher = render(w, on_request=seen.append)

    # Escaped in the HTML: not a tag, so the renderer never even asks.
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "<img" not in html
    assert "<script>" not in html
    assert "<link rel=stylesheet" not in html
    assert seen == fetcher.requests
    assert [r.url for r in fetcher.requests] == STYLE_URLS
    static = Path(current_app.static_folder).resolve() / "reports"
    assert all(r.served and Path(r.path).is_relative_to(static) for r in fetcher.requests)
    assert no_network == []

    text = " ".join(pdf_pages(pdf))
    for literal in (NET_IMG, FILE_CSS, FILE_IMG):
        assert literal in text
    assert "root:" not in text  # nothing of /etc/passwd
    assert not [r for r in caplog.records if r.name == "workshop.reports.pdf"]


def test_markup_that_reaches_the_renderer_is_refused(app, no_network, caplog, tmp_path):
    """Second line of defence: even real tags in the HTML load nothing but static files."""
    secret = tmp_path / "secret.css"
    secret.write_text("body { background: red }")
    html = (
        f'<html><head><link rel="stylesheet" href="file://{secret}">'
        '<link rel="stylesheet" href="/static/reports/report.css">'
        '<link rel="stylesheet" href="http://example.com/evil.css"></head><body>'
        '<p>Hello</p><img src="file:///etc/passwd"><img src="http://example.com/x.png">'
        '<img src="https://workshop.local.example.com/static/reports/report.css">'
        '<img src="data:image/svg+xml;base64,PHN2Zy8+">'
        '<img src="/static/reports/../../pyproject.toml"><img src="/static/%2e%2e/wsgi.py">'
        "</body></html>"
    )
    fetcher = make_url_fetcher(app.static_folder)
    with caplog.at_level(logging.WARNING, logger="workshop.reports.pdf"):
        pdf = render_pdf(html, url_fetcher=fetcher)
    assert "Hello" in " ".join(pdf_pages(pdf))
    served = [r.url for r in fetcher.requests if r.served]
    refused = {r.url: r.reason for r in fetcher.requests if not r.served}
    assert served == [CSS_URL]
    assert refused[f"file://{secret}"] == "file URLs are not loaded"
    assert refused["file:///etc/passwd"] == "file URLs are not loaded"
    assert refused["http://example.com/evil.css"] == "network URLs are not loaded"
    assert refused["http://example.com/x.png"] == "network URLs are not loaded"
    assert (
        refused["https://workshop.local.example.com/static/reports/report.css"]
        == "network URLs are not loaded"
    )
    assert refused["data:image/svg+xml;base64,PHN2Zy8+"] == "data URLs are not loaded"
    assert "path traversal" in refused.values() or "only static files are served" in refused.values()
    assert len(refused) == 8
    warnings = [r.getMessage() for r in caplog.records if r.name == "workshop.reports.pdf"]
    assert len(warnings) == 8 and all("refused" in message for message in warnings)
    assert no_network == []


def test_fetcher_serves_only_files_inside_the_static_folder(tmp_path, caplog):
    static = tmp_path / "static"
    (static / "reports").mkdir(parents=True)
    (static / "reports" / "report.css").write_text("p { color: black }")
    (static / "reports" / "tool.py").write_text("print('no')")
    outside = tmp_path / "outside.css"
    outside.write_text("secret")
    (static / "reports" / "link.css").symlink_to(outside)
    (static / "reports" / "inside-link.css").symlink_to(static / "reports" / "report.css")
    fetcher = make_url_fetcher(static)

    response = fetcher.fetch(CSS_URL)
    assert response.read() == b"p { color: black }"
    assert response.content_type == "text/css"
    assert fetcher.fetch(DEFAULT_BASE_URL + "static/reports/inside-link.css").read() == b"p { color: black }"

    refused = {
        f"file://{outside}": "file URLs are not loaded",
        "file:///etc/passwd": "file URLs are not loaded",
        "FILE:///etc/passwd": "file URLs are not loaded",
        "http://example.com/static/reports/report.css": "network URLs are not loaded",
        "https://workshop.local/static/reports/report.css": "network URLs are not loaded",
        "http://workshop.local:8080/static/reports/report.css": "network URLs are not loaded",
        "ftp://workshop.local/static/reports/report.css": "ftp URLs are not loaded",
        "data:text/css,p{color:red}": "data URLs are not loaded",
        "data:image/png;base64,iVBORw0KGgo=": "data URLs are not loaded",
        "data:image/svg+xml,<svg/>": "data URLs are not loaded",
        DEFAULT_BASE_URL + "static/../outside.css": "path traversal",
        DEFAULT_BASE_URL + "static/reports/../../outside.css": "path traversal",
        DEFAULT_BASE_URL + "static/reports/%2e%2e/%2E%2E/outside.css": "path traversal",
        DEFAULT_BASE_URL + "static/reports/..%2f..%2foutside.css": "path traversal",
        DEFAULT_BASE_URL + "static/reports/..\\..\\outside.css": "path traversal",
        DEFAULT_BASE_URL + "static//etc/passwd": "path traversal",
        DEFAULT_BASE_URL + "static/reports/link.css": "leads outside the static folder",
        DEFAULT_BASE_URL + "static/reports/missing.css": "no such static file",
        DEFAULT_BASE_URL + "static/reports": "not a file",
        DEFAULT_BASE_URL + "static/reports/tool.py": "file type not served",
        DEFAULT_BASE_URL + "etc/passwd": "only static files are served",
        DEFAULT_BASE_URL + "outside.css": "only static files are served",
    }
    with caplog.at_level(logging.WARNING, logger="workshop.reports.pdf"):
        for url, reason in refused.items():
            with pytest.raises(RefusedURL, match="^" + reason.split()[0]):
                fetcher.fetch(url)
    records = fetcher.requests
    assert [r.url for r in records if r.served] == [
        CSS_URL,
        DEFAULT_BASE_URL + "static/reports/inside-link.css",
    ]
    assert {r.url: r.reason for r in records if not r.served} == refused
    assert len([r for r in caplog.records if r.name == "workshop.reports.pdf"]) == len(refused)


def test_spanish_report_uses_the_workshop_language(run_workshop):
    w, _notes = run_workshop(title="Taller de la USF", language="es")
    _report, html, pdf, _fetcher = render(w)
    assert '<html lang="es">' in html
    text = " ".join(pdf_pages(pdf))
    assert "14 de marzo de 2025" in text  # dates in Spanish
    assert "4,0 ± 0,0" in text  # decimal comma
    assert "¿Qué cambio en reglas, procesos o incentivos" in text  # the plan's Spanish prompts
    assert "victoria rápida" in text  # quadrant, from the existing catalogue


def test_report_html_is_a_function_of_the_report(run_workshop):
    w, _notes = run_workshop()
    report = build_report(w)
    first = report_html(report)
    assert report_html(report) == first
    assert build_report(w) == report  # rendering did not change the document
    assert "&lt;b&gt;HTML&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;" in first
    assert 'href="/static/reports/report.css"' in first
    assert "display: flex" not in first and "display:grid" not in first


def test_render_pdf_is_pure(app):
    html = (
        '<html lang="en"><head><title>Same</title>'
        '<link rel="stylesheet" href="/static/reports/report.css"></head>'
        "<body><h1>Same input</h1><p>Same bytes.</p></body></html>"
    )
    assert render_pdf(html) == render_pdf(html)


def test_report_of_an_empty_workshop(make_workshop, no_network):
    """A plan without a rating stage, nothing written yet: every section still says so."""
    w = make_workshop(title="Nothing yet", language="en")
    report, html, pdf, fetcher = render(w)
    text = " ".join(pdf_pages(pdf))
    assert "Nothing yet" in text
    assert "No idea has been grouped, voted or rated yet." in text
    assert "No notes yet." in text and "No idea was set aside." in text
    assert "<svg" not in html  # no chart without ratings or closed votes
    assert [r.url for r in fetcher.requests] == STYLE_URLS


def test_single_notes_voted_on_are_ideas(make_workshop, make_participant, facilitator, plans_dir):
    """solutions-mapping votes on "How might we…?" notes (4 write, 5 vote on notes)."""
    w = make_workshop(title="Mapping", language="en", stage=4, plan=load_plan("solutions-mapping", plans_dir))
    one, two = make_participant(w), make_participant(w)
    first, _ = add_note(w, one, "How might we keep nurses at night?", new_client_id(), 4)
    second, _ = add_note(w, two, "How might we <em>never</em> run out of gauze?", new_client_id(), 4)
    change_stage(w, facilitator, 5)
    for person, target in ((one, first), (one, first), (two, second)):
        cast_dot(w, person, target.id, new_client_id())
    set_vote_closed(w, facilitator, True)
    db.session.commit()
    report, html, pdf, _fetcher = render(w)
    assert [(i["type"], i["title"]) for i in report["ideas"]] == [
        ("note", "How might we keep nurses at night?"),
        ("note", "How might we <em>never</em> run out of gauze?"),
    ]
    text = " ".join(pdf_pages(pdf))
    assert "How might we <em>never</em> run out of gauze?" in text
    assert "<em>never" not in html
    assert "P1 2 1 ×2" in text and "P2 1 2" in text  # voting record: label, dots, ideas


def test_pages_as_images_for_a_person_to_check(run_workshop):
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing; .ci/run installs poppler-utils")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    w, _notes = run_workshop(
        extra_notes=tuple(
            f"Idea {n}: a longer note about what front-line staff need to do their work well"
            for n in range(12)
        )
    )
    _report, _html, pdf, _fetcher = render(w)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.pdf").write_bytes(pdf)
    for old in ARTIFACTS.glob("page-*.png"):
        old.unlink()
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "4",
            str(ARTIFACTS / "report.pdf"),
            str(ARTIFACTS / "page"),
        ],
        check=True,
    )
    images = sorted(ARTIFACTS.glob("page-*.png"))
    assert len(images) == 4
    assert all(image.stat().st_size > 5000 for image in images)


def test_isolated_rendering_works_and_stops_on_timeout(app):
    html = (
        '<html><head><link rel="stylesheet" href="/static/reports/report.css"></head>'
        "<body><h1>Aislado</h1><p>Un proceso aparte.</p></body></html>"
    )
    pdf = render_pdf_isolated(html, timeout=60)
    assert pdf.startswith(b"%PDF")
    assert "Un proceso aparte." in " ".join(pdf_pages(pdf))

    with pytest.raises(ReportError, match="longer than 0.01 seconds") as raised:
        render_pdf_isolated(html, timeout=0.01)
    assert raised.value.code == "report_failed"


def test_isolated_rendering_reports_running_out_of_memory(app):
    # The renderer is warm (WeasyPrint loaded) before the ceiling is set, so the ceiling bounds
    # what the report itself needs: a report of a few thousand notes cannot grow within 80 MB.
    html = "".join(f"<p>Nota {number}: hola</p>" for number in range(3000))
    with pytest.raises(ReportError, match="memory|could not be made"):
        render_pdf_isolated(html, timeout=60, memory_mb=80)


def test_charts_escape_text_and_place_ideas():
    ideas = [
        {
            "rank": 1,
            "tied": False,
            "type": "cluster",
            "id": 7,
            "title": "<b>Staff</b>",
            "dots": 5,
            "impact": 4.0,
            "feasibility": 4.0,
            "impact_spread": 0.5,
            "feasibility_spread": 0.0,
        },
        {
            "rank": 2,
            "tied": True,
            "type": "cluster",
            "id": 8,
            "title": "A & B",
            "dots": 3,
            "impact": 4.0,
            "feasibility": 4.0,
            "impact_spread": 0,
            "feasibility_spread": 0,
        },
        {
            "rank": 2,
            "tied": True,
            "type": "note",
            "id": 9,
            "title": "<script>x</script>",
            "dots": 3,
            "impact": None,
            "feasibility": None,
            "impact_spread": 0,
            "feasibility_spread": 0,
        },
    ]
    assert idea_labels(ideas) == {("cluster", 7): "1", ("cluster", 8): "2a", ("note", 9): "2b"}
    quadrants = {
        "quick_win": "<i>quick</i>",
        "major_project": "major",
        "fill_in": "fill",
        "thankless": "thankless",
    }
    matrix = str(matrix_svg(ideas, ["Impact <x>", "Feasibility & co"], quadrants))
    dots = str(dots_bar_svg(ideas, title="Dots <per> idea"))
    for svg in (matrix, dots):
        root = ET.fromstring(svg)  # well-formed: nothing user-typed broke out
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "<b>" not in svg and "<script>" not in svg and "<i>" not in svg
    assert "Impact &lt;x&gt; →" in matrix and "Feasibility &amp; co →" in matrix
    assert "&lt;i&gt;quick&lt;/i&gt;" in matrix
    texts = [node.text for node in ET.fromstring(matrix).iter("{http://www.w3.org/2000/svg}text")]
    assert "1" in texts and "2a" in texts and "2b" not in texts  # unrated ideas are not placed
    # Two ideas at the same means: the second is moved aside and joined by a leader line.
    circles = [
        (c.get("cx"), c.get("cy"))
        for c in ET.fromstring(matrix).iter("{http://www.w3.org/2000/svg}circle")
        if c.get("r") == "8"
    ]
    assert len(circles) == 2 and circles[0] != circles[1]
    assert "&lt;b&gt;Staff&lt;/b&gt;" in dots and "&lt;script&gt;x&lt;/script&gt;" in dots
    assert "Dots &lt;per&gt; idea" in dots


def test_css_strings_cannot_break_out():
    assert str(css_string('Página "1" de 2; } @import url(x)')) == (
        '"P\\e1 gina \\22 1\\22  de 2\\3b  \\7d  \\40 import url\\28 x\\29 "'
    )


def test_the_spare_renderer_renders_once_and_a_new_one_waits(app):
    from workshop.reports import pdf as renderer

    renderer.prepare_renderer()
    spare = renderer._spare
    assert spare is not None and spare.poll() is None  # warm, waiting for its request
    output = render_pdf_isolated("<p>Con el de reserva.</p>", timeout=60)
    assert "Con el de reserva." in " ".join(pdf_pages(output))
    assert spare.wait(timeout=10) == 0  # that child rendered this report and exited
    assert renderer._spare is not None and renderer._spare is not spare
    waiting = renderer._spare
    renderer._stop_spare()  # what happens at exit: end-of-file on its stdin
    assert waiting.wait(timeout=10) == 0
    assert renderer._spare is None
