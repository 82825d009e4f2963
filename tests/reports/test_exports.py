"""Every export format of a workshop: CSV, JSON and Markdown round trips, the JSON
Schema, escaping of people's text, `workshop export` and the download views.

PDF and print HTML come from workshop/reports/render.py and pdf.py; here they are
only checked to arrive (a %PDF header, an HTML page with the title).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from flask import render_template_string
from pypdf import PdfReader

from tests.factories import DELETED_TEXT, SIGNED_NAME, ReformRun, logged_in, reform_workshop
from workshop.cli import main
from workshop.core.codes import format_code
from workshop.extensions import db
from workshop.reports import formats
from workshop.reports.data import build_report

SCHEMA_PATH = Path(formats.__file__).with_name("report.schema.json")
EVIL = "[click](http://evil) ![x](file:///etc/passwd) <script>alert(1)</script>"
FORMULAS = (
    '=HYPERLINK("http://evil","ver")',
    "+54 21 555",
    "-3 días sin insumos",
    "@SUM(A1)",
    "'=ya escapada",
    'Dos líneas:\nprimera, "segunda"',
)
TEXT_FORMATS = ("csv", "json", "md", "html")
EXTENSIONS = {"pdf": ".pdf", "csv": ".csv", "json": ".json", "md": ".md", "html": ".html"}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv",
    "json": "application/json",
    "md": "text/markdown",
    "html": "text/html",
}


@pytest.fixture
def reform(facilitator) -> ReformRun:
    return reform_workshop(facilitator, extra_notes=(EVIL, *FORMULAS))


@pytest.fixture
def report(reform):
    return build_report(reform.workshop)


@pytest.fixture(scope="module")
def schema():
    document = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    return document


def validate(document, schema) -> None:
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]
    assert not errors, errors


def live_notes(report) -> dict[int, str]:
    return {note["id"]: note["text"] for note in report["notes"] if not note["deleted"]}


def read_csv(data: bytes, columns: tuple[str, ...] = formats.CSV_COLUMNS) -> list[dict[str, str]]:
    """The rows by stable key: the header is in the workshop's language, the columns in
    the order of `columns`."""
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert len(header) == len(columns)
    return [dict(zip(columns, row, strict=True)) for row in rows]


# --- CSV ----------------------------------------------------------------------------------


def test_csv_has_every_note_once_and_reads_back(report, reform):
    data = formats.to_csv(report).encode("utf-8")
    rows = read_csv(data)
    assert data.decode("utf-8-sig").startswith("Workshop id,Workshop,Note id,Stage number,")
    ids = [int(row["note_id"]) for row in rows]
    assert sorted(ids) == sorted(note["id"] for note in report["notes"])  # deleted ones too
    assert len(ids) == len(set(ids))
    texts = {int(row["note_id"]): formats.csv_cell_text(row["text"]) for row in rows}
    for note_id, text in live_notes(report).items():
        assert texts[note_id] == text
    assert texts[reform.notes["gone"].id] == ""

    by_id = {int(row["note_id"]): row for row in rows}
    a1 = by_id[reform.notes["a1"].id]
    assert a1["workshop"] == "Reforma en USF Luque" and a1["workshop_id"] == str(reform.workshop.id)
    assert (a1["stage_number"], a1["stage_title"]) == ("2", "Reform ideas")
    assert a1["prompt"].startswith("Which change in rules")
    assert (a1["lane"], a1["lane_label"]) == ("usf", "Family health unit (USF)")
    assert (a1["group_id"], a1["group_title"]) == (str(reform.clusters["A"]), "Turnos y agenda")
    assert (a1["group_dots"], a1["idea_rank"], a1["impact_mean"], a1["feasibility_mean"]) == (
        "4",
        "1",
        "4.5",
        "4.5",
    )
    assert (a1["note_dots"], a1["decision"], a1["hidden"], a1["deleted"]) == (
        "0",
        "Selected",
        "no",
        "no",
    )
    b1 = by_id[reform.notes["b1"].id]
    assert (b1["evidence_id"], b1["source"], b1["idea_rank"]) == ("FN-07", "Entrevista, USF Luque", "2")
    d1 = by_id[reform.notes["d1"].id]
    assert d1["decision"] == "Set aside"
    loose = by_id[reform.notes["loose"].id]
    assert loose["group_id"] == loose["group_dots"] == loose["idea_rank"] == ""
    assert by_id[reform.notes["gone"].id]["deleted"] == "yes"
    assert by_id[reform.notes["hidden"].id]["hidden"] == "yes"


def test_csv_defuses_spreadsheet_formulas(report):
    rows = read_csv(formats.to_csv(report).encode("utf-8"))
    cells = {formats.csv_cell_text(row["text"]): row["text"] for row in rows}
    for text in FORMULAS[:5]:
        assert cells[text] == "'" + text  # shown as text, never run
    assert cells["'=ya escapada"] == "''=ya escapada"  # and the rule can be undone exactly
    assert cells[FORMULAS[5]] == FORMULAS[5]  # line breaks and quotes survive the quoting
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_csv_cell_rule():
    assert formats.defuse_cell("=1+1") == "'=1+1"
    assert formats.defuse_cell("\tx") == "'\tx"
    assert formats.defuse_cell("normal") == "normal"
    assert formats.defuse_cell(-3) == -3  # numbers are numbers
    for text in ("=x", "'=x", "''", "'hola", "hola", ""):
        assert formats.csv_cell_text(formats.defuse_cell(text)) == text


# --- JSON ---------------------------------------------------------------------------------


def test_json_is_the_whole_document_and_validates(report, reform, schema):
    text = formats.to_json(report)
    document = json.loads(text)
    assert document == report
    assert list(document) == [
        "version",
        "workshop",
        "stages",
        "ideas",
        "key_ideas",
        "set_aside",
        "clusters",
        "group_mark",
        "notes",
        "findings",
        "votes",
        "ratings",
        "breakdowns",
        "commitments",
        "plan_changes",
    ]
    assert "capacitación" in text  # UTF-8 as is, not \u escapes
    assert formats.to_json(build_report(reform.workshop)) == text  # stable, byte for byte
    validate(document, schema)
    assert live_notes(document) == live_notes(report)


def test_schema_refuses_what_the_export_never_contains(report, schema):
    broken = json.loads(formats.to_json(report))
    broken["votes"][0]["record"][0]["participant"] = "Rosa"
    with pytest.raises(AssertionError):
        validate(broken, schema)
    broken = json.loads(formats.to_json(report))
    gone = next(note for note in broken["notes"] if note["deleted"])
    gone["text"] = DELETED_TEXT
    with pytest.raises(AssertionError):
        validate(broken, schema)


def _undocumented(node, defs, path="#"):
    """Properties of the schema with no description (directly or through their $ref)."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            ref = sub.get("$ref", "")
            target = defs.get(ref.rsplit("/", 1)[-1], {}) if ref.startswith("#/$defs/") else {}
            if "description" not in sub and "description" not in target:
                yield f"{path}/{name}"
        for key, sub in node.items():
            if key in ("properties", "$defs"):
                for name, item in sub.items():
                    yield from _undocumented(item, defs, f"{path}/{key}/{name}")
            elif key == "items":
                yield from _undocumented(sub, defs, f"{path}/{key}")


def test_every_field_of_the_schema_is_described(schema):
    assert list(_undocumented(schema, schema["$defs"])) == []


# --- Markdown -----------------------------------------------------------------------------


def test_markdown_summary_has_title_place_and_ideas_in_rank_order(report, reform):
    text = formats.to_markdown(report)
    assert text.startswith("# Reforma en USF Luque\n")
    assert "Luque, Central · 2025-05-14 · Reform co-design and prioritisation · 4 participants" in text
    table = text.split("## Ranking of ideas", 1)[1].split("##", 1)[0]
    positions = [table.index(f"| {idea['title']} |") for idea in report["ideas"]]
    assert positions == sorted(positions)
    assert "| 2 (tie) | Insumos y medicamentos |" in table
    assert "| 2 (tie) | Personal y capacitación |" in table
    key_ideas = text.split("## Key messages", 1)[1].split("##", 1)[0]
    assert "1. **Turnos y agenda**" in key_ideas and "Comunidad" not in key_ideas
    set_aside = text.split("## Ideas set aside", 1)[1]
    assert "Comunidad y confianza" in set_aside
    findings = text.split("## Findings by lane", 1)[1].split("## Ideas set aside", 1)[0]
    assert "### Family health unit \\(USF\\)" in findings
    assert "- **Turnos y agenda**\n  - Turnos por teléfono" in findings
    assert "Stock mínimo garantizado de insumos básicos (FN-07, Entrevista, USF Luque)" in findings
    assert DELETED_TEXT not in text and SIGNED_NAME not in text


def test_markdown_cannot_be_injected_by_a_note(report):
    text = formats.to_markdown(report)
    (line,) = [line for line in text.splitlines() if "click" in line]
    assert "[click](" not in text and "![x](" not in text
    assert re.search(r"(?<!\\)<script", text) is None
    body = line.removeprefix("- ")
    # Every character that could open a link, an image or a tag is escaped.
    assert re.findall(r"(?<!\\)[\[\]()<>!]", body) == []
    assert "\\[click\\]\\(http:\\/\\/evil\\)" in body
    assert "\\<script\\>" in body


def test_markdown_speaks_the_workshop_language(facilitator, make_workshop, make_participant, plans_dir):
    run = reform_workshop(facilitator, language="es")
    text = formats.to_markdown(build_report(run.workshop))
    assert "## Ranking de ideas" in text and "4 participantes" in text
    assert "| 1 | Turnos y agenda | 4 | 4,5 | 4,5 | victoria rápida | Seleccionada |" in text
    assert "### USF" in text and "### Región sanitaria" in text


def test_exports_of_a_workshop_without_notes(make_workshop, schema):
    report = build_report(make_workshop("Taller vacío"))
    validate(json.loads(formats.to_json(report)), schema)
    assert read_csv(formats.to_csv(report).encode("utf-8")) == []
    # A Spanish workshop's CSV speaks Spanish (its JSON keeps the stable keys).
    assert formats.to_csv(report).startswith("\ufeffId del taller,Taller,Id de la nota,")
    markdown = formats.to_markdown(report)
    assert markdown.startswith("# Taller vacío\n")
    assert markdown.count("Todavía no hay notas.") == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# no heading", "\\# no heading"),
        ("- no list", "\\- no list"),
        ("1. no list", "1\\. no list"),
        ("3.5 stays", "3.5 stays"),
        ("a|b", "a\\|b"),
        ("*a* _b_ `c` ~d~", "\\*a\\* \\_b\\_ \\`c\\` \\~d\\~"),
        ("see www.evil.example", "see www\\.evil.example"),
        ("&lt;b&gt;", "\\&lt;b\\&gt;"),
        ("line one\n===", "line one \\==="),
        ("    indented code", "indented code"),
    ],
)
def test_markdown_escaping(text, expected):
    assert formats.md_escape(text) == expected


def test_markdown_keeps_line_breaks_inside_list_items():
    assert formats.md_block("uno\n- dos\n\n  tres", "  ") == "uno\n  \\- dos\n  tres"


# --- Files and names ----------------------------------------------------------------------


def test_export_filename_is_a_slug_of_title_and_date(report):
    assert formats.export_filename(report, "pdf") == "reforma-en-usf-luque-2025-05-14.pdf"
    assert formats.slugify("Co-diseño · Región Sanitaria!") == "co-diseno-region-sanitaria"
    assert formats.slugify("¿¡!?") == "workshop"
    assert len(formats.slugify("palabra " * 30)) <= 60


def test_unknown_format_is_refused(report):
    with pytest.raises(ValueError, match="unknown export format"):
        formats.export_bytes(report, "xlsx")


# --- Command line -------------------------------------------------------------------------


def export(runner, *args):
    return runner.invoke(main, ["export", *args])


def check_file(fmt: str, data: bytes, schema) -> None:
    if fmt == "pdf":
        assert data.startswith(b"%PDF-")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        assert "Turnos y agenda" in text and "Benítez" not in text
    elif fmt == "csv":
        rows = read_csv(data)
        assert {row["text"] for row in rows} >= {"Una idea suelta que nadie agrupó"}
    elif fmt == "json":
        validate(json.loads(data.decode("utf-8")), schema)
    elif fmt == "md":
        assert data.decode("utf-8").startswith("# Reforma en USF Luque\n")
    else:
        page = data.decode("utf-8")
        assert page.lstrip().lower().startswith("<!doctype html")
        assert "Reforma en USF Luque" in page and "&lt;script&gt;" in page
    assert SIGNED_NAME.encode("utf-8") not in data


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_cli_exports_by_id_to_a_file(runner, reform, schema, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    result = export(runner, str(reform.workshop.id), "--format", fmt, "--output", str(target))
    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.output
    check_file(fmt, target.read_bytes(), schema)


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_cli_exports_by_code(runner, reform, schema, tmp_path, fmt):
    code = format_code(reform.workshop.code).lower()  # as people type it
    if fmt in TEXT_FORMATS:
        result = export(runner, code, "--format", fmt, "--output", "-")
        assert result.exit_code == 0, result.output
        data = result.stdout_bytes
        file_bytes = formats.export_bytes(build_report(reform.workshop), fmt)
        assert data == file_bytes  # standard output gets exactly the file's bytes
    else:
        target = tmp_path / "report.pdf"
        result = export(runner, code, "--format", fmt, "-o", str(target))
        assert result.exit_code == 0, result.output
        data = target.read_bytes()
    check_file(fmt, data, schema)


def test_cli_default_output_is_named_after_the_workshop(runner, reform, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = export(runner, str(reform.workshop.id), "--format", "md")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reforma-en-usf-luque-2025-05-14.md").is_file()


def test_cli_exports_a_closed_workshop_by_code(runner, reform, schema, tmp_path):
    reform.workshop.status = "closed"
    db.session.commit()
    result = export(runner, reform.workshop.code, "--format", "json", "-o", "-")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout_bytes)
    assert document["workshop"]["status"] == "closed"
    validate(document, schema)


@pytest.mark.parametrize("reference", ["999999", "XXX-XXX", "nada"])
def test_cli_unknown_workshop_fails_clearly(runner, reform, reference):
    result = export(runner, reference, "--format", "csv", "-o", "-")
    assert result.exit_code == 1
    assert f"Error: {reference}: " in result.output
    assert "workshop" in result.output.lower()
    assert "Traceback" not in result.output


def test_cli_unwritable_output_fails_before_rendering(runner, reform, tmp_path, monkeypatch):
    def must_not_render(*args, **kwargs):
        raise AssertionError("rendered although the file cannot be written")

    monkeypatch.setattr("workshop.reports.commands.export_bytes", must_not_render)
    missing = tmp_path / "no-such-folder" / "report.pdf"
    result = export(runner, str(reform.workshop.id), "--format", "pdf", "-o", str(missing))
    assert result.exit_code == 1
    assert f"cannot write {missing}: the folder" in result.output
    result = export(runner, str(reform.workshop.id), "--format", "csv", "-o", str(tmp_path))
    assert result.exit_code == 1
    assert "it is a folder" in result.output


def test_cli_pdf_to_standard_output_is_refused(runner, reform):
    result = export(runner, str(reform.workshop.id), "--format", "pdf", "-o", "-")
    assert result.exit_code == 1
    assert "needs a file name" in result.output


def test_cli_unknown_format_is_refused(runner, reform):
    result = export(runner, str(reform.workshop.id), "--format", "xlsx", "-o", "-")
    assert result.exit_code == 2
    assert "xlsx" in result.output


# --- Downloads ----------------------------------------------------------------------------


def test_downloads_need_a_facilitator_login(client, reform):
    for fmt in formats.FORMATS:
        response = client.get(f"/w/{reform.workshop.id}/export/{fmt}")
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_download_has_a_good_filename_and_type(client, reform, schema, fmt):
    logged_in(client)
    response = client.get(f"/w/{reform.workshop.id}/export/{fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == CONTENT_TYPES[fmt]
    disposition = "inline" if fmt == "html" else "attachment"
    assert response.headers["Content-Disposition"] == (
        f'{disposition}; filename="reforma-en-usf-luque-2025-05-14{EXTENSIONS[fmt]}"'
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    check_file(fmt, response.get_data(), schema)


def test_print_html_is_served_with_a_strict_content_security_policy(client, reform):
    logged_in(client)
    response = client.get(f"/w/{reform.workshop.id}/export/html")
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'self'; img-src 'self' data:"
    )
    assert "<script>" not in response.get_data(as_text=True)
    data = client.get(f"/w/{reform.workshop.id}/export/json")
    assert data.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_download_of_another_workshop_or_format_is_not_found(client, reform):
    logged_in(client)
    assert client.get(f"/w/{reform.workshop.id + 1000}/export/csv").status_code == 404
    assert client.get(f"/w/{reform.workshop.id}/export/xlsx").status_code == 404
    assert client.get(f"/w/{reform.workshop.id}/export/").status_code == 404
    page = client.get(f"/w/{reform.workshop.id + 1000}/export/pdf")
    assert page.status_code == 404 and b"There is no such workshop." in page.data


def test_renderer_failure_becomes_a_friendly_answer(client, reform, monkeypatch):
    from workshop.errors import DomainError

    class Broken(DomainError):
        status = 503

    def fail(html, *args, **kwargs):
        raise Broken("The PDF took too long.")

    monkeypatch.setattr("workshop.reports.pdf.render_pdf_isolated", fail)
    logged_in(client)
    page = client.get(f"/w/{reform.workshop.id}/export/pdf")
    assert page.status_code == 503
    assert page.mimetype == "text/html" and b"The PDF took too long." in page.data
    # What downloads.js asks for: the message as JSON.
    answer = client.get(
        f"/w/{reform.workshop.id}/export/pdf", headers={"Accept": "application/json, application/pdf;q=0.9"}
    )
    assert answer.status_code == 503
    assert answer.get_json() == {"ok": False, "message": "The PDF took too long."}


def test_facilitator_page_offers_every_export(client, reform):
    logged_in(client)
    page = client.get(f"/w/{reform.workshop.id}").get_data(as_text=True)
    assert "<h2>Export</h2>" in page
    for fmt in formats.FORMATS:
        assert f'href="/w/{reform.workshop.id}/export/{fmt}"' in page
    assert "data-fetch-download" in page and "Preparing the report…" in page
    assert re.search(r'<script type="module" src="/assets/\w+/js/downloads.js"></script>', page)
    assert Path(client.application.static_folder, "js", "downloads.js").is_file()


def test_compact_download_links_for_a_list_of_workshops(app, reform):
    template = "{% for w in workshops %}<li>{% include 'reports/_download_links.html' %}</li>{% endfor %}"
    with app.test_request_context("/w/", headers={"Accept-Language": "en"}):
        html = render_template_string(template, workshops=[reform.workshop])
        named = render_template_string(
            "{% include 'reports/_download_links.html' %}", workshop=reform.workshop
        )
    for fmt in formats.FORMATS:
        assert f'href="/w/{reform.workshop.id}/export/{fmt}"' in html
        assert f'href="/w/{reform.workshop.id}/export/{fmt}"' in named
    assert 'aria-label="Export Reforma en USF Luque"' in html
