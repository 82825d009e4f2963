"""Reports carry the commitments with their status history: the report document, JSON
(valid against the schema), CSV, Markdown, the print HTML and the PDF (pdftotext); the
section is left out when a workshop made none. The synthesis lists them across workshops."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from workshop.commitments import services
from workshop.core.clock import now
from workshop.extensions import db
from workshop.reports import formats
from workshop.reports.data import build_report
from workshop.synthesis.services import build_synthesis, synthesis_html
from workshop.workshops.services import close_workshop

SCHEMA = json.loads(Path(formats.__file__).with_name("report.schema.json").read_text(encoding="utf-8"))
DUE = "2027-03-31"


@pytest.fixture
def followed_up(room, facilitator):
    """A closed workshop with two commitments; one started since (a dated note)."""
    workshop, (ana, beto), shifts = room
    first, _ = services.add_commitment(
        workshop,
        ana,
        "report-commit-1",
        2,
        {"type": "cluster", "id": shifts.id},
        "Publicar los turnos en la puerta",
        "Jefa de enfermería",
        DUE,
        '=HYPERLINK("x")',
    )
    withdrawn, _ = services.add_commitment(
        workshop, beto, "report-commit-2", 2, None, "Algo que se retiró", "Dirección", DUE
    )
    services.delete_commitment(workshop, beto, withdrawn.id)
    close_workshop(workshop, facilitator)
    services.update_status(workshop, facilitator, first.id, "started", now().date(), "Cartel impreso")
    db.session.commit()
    return workshop


def validate(document) -> None:
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, errors


def test_the_report_document_carries_commitments_and_history(followed_up):
    report = build_report(followed_up)
    [commitment] = report["commitments"]  # the withdrawn one is left out
    assert commitment["what"] == "Publicar los turnos en la puerta"
    assert commitment["who"] == "Jefa de enfermería"
    assert commitment["idea"]["title"] == "Turnos"
    assert commitment["status"] == "started" and commitment["status_label"] == "Iniciado"
    assert [(h["status"], h["note"]) for h in commitment["history"]] == [
        ("planned", None),
        ("started", "Cartel impreso"),
    ]
    assert "participant" not in json.dumps(commitment)
    validate(report)
    validate(json.loads(formats.to_json(report)))


def test_csv_lists_commitments_with_history_and_defused_cells(followed_up):
    text = formats.report_commitments_csv(build_report(followed_up))
    assert text.startswith(formats.CSV_BOM)
    header, values = csv.reader(io.StringIO(text[1:]))
    assert header[:3] == ["Id del taller", "Taller", "Id del compromiso"]  # the workshop's language
    row = dict(zip(formats.COMMITMENT_CSV_COLUMNS, values, strict=True))
    assert row["what"] == "Publicar los turnos en la puerta" and row["status"] == "Iniciado"
    assert row["indicator"] == '\'=HYPERLINK("x")'  # never a live formula
    assert row["history"].startswith("2026-11-30 Previsto; ") and row["history"].endswith(
        "Iniciado: Cartel impreso"
    )


def test_the_csv_downloads(client, facilitator, followed_up):
    client.post("/login", data={"email": "ana@example.org", "password": "correct horse battery"})
    one = client.get(f"/w/{followed_up.id}/export/commitments.csv")
    assert one.status_code == 200 and one.mimetype == "text/csv"
    assert "Publicar los turnos" in one.get_data(as_text=True)
    assert "attachment" in one.headers["Content-Disposition"]
    across = client.get("/commitments/export.csv").get_data(as_text=True)
    assert "Publicar los turnos" in across and "Algo que se retiró" not in across


def test_markdown_and_print_html_have_a_section(followed_up):
    report = build_report(followed_up)
    markdown = formats.to_markdown(report)
    assert "## Compromisos" in markdown and "Cartel impreso" in markdown
    html = formats.export_bytes(report, "html").decode()
    assert 'id="commitments"' in html and "Jefa de enfermería" in html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_the_pdf_shows_the_commitments(followed_up, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(formats.export_bytes(build_report(followed_up), "pdf"))
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "Compromisos" in text
    assert "Publicar los turnos en la puerta" in text
    assert "Cartel impreso" in text


def test_no_commitments_no_section(room):
    workshop, _, _ = room
    report = build_report(workshop)
    assert report["commitments"] == []
    validate(report)
    assert "## Compromisos" not in formats.to_markdown(report)
    assert 'id="commitments"' not in formats.export_bytes(report, "html").decode()


def test_the_synthesis_lists_commitments_across_workshops(followed_up, make_room, facilitator):
    other, _, _ = make_room("USF Areguá")
    close_workshop(other, facilitator)
    db.session.commit()
    synthesis = build_synthesis([followed_up, other])
    assert synthesis["commitments"] == 1
    assert [c["what"] for c in synthesis["sites"][0]["commitments"]] == ["Publicar los turnos en la puerta"]
    html = synthesis_html(synthesis)
    assert 'id="commitments"' in html and "Cartel impreso" in html


def test_a_synthesis_without_commitments_has_no_such_section(make_room, facilitator):
    rooms = [make_room(title)[0] for title in ("USF Luque", "USF Areguá")]
    for workshop in rooms:
        close_workshop(workshop, facilitator)
    db.session.commit()
    synthesis = build_synthesis(rooms)
    assert synthesis["commitments"] == 0
    assert 'id="commitments"' not in synthesis_html(synthesis)
