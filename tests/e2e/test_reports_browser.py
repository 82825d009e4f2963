"""Reports and data in Chromium, as lab staff use them: import field notes from a
spreadsheet, download the PDF report (with its "preparing" state) and the CSV,
compare workshops in a synthesis, close a workshop, and delete one (asked twice)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import DESKTOP, FACILITATOR, PHONE, log_in, workshop_command

pytestmark = pytest.mark.e2e

FIELD_NOTES = (
    "text;lane;evidence_id;source\n"
    "La enfermera llama a cada embarazada el día antes del control;social;ENT-07;entrevista\n"
    "El director firma las planillas los lunes para no frenar las visitas;"
    "bureaucratic;OBS-02;observación\n"
)


def new_workshop(server, title: str) -> dict:
    created = workshop_command(
        "new",
        "--plan",
        "solutions-mapping",
        "--title",
        title,
        "--owner",
        FACILITATOR[0],
        "--json",
        env=server["env"],
    )
    return json.loads(created.stdout)


def test_import_export_close_delete(server, browser, screenshot, tmp_path):
    created = new_workshop(server, "Hallazgos de campo Cordillera")
    context = browser.new_context(**DESKTOP, accept_downloads=True)
    page = context.new_page()
    log_in(page, server["url"])
    page.goto(created["facilitator_url"])
    # Export, import and close live in a folded panel beside the stages.
    page.locator("#manage > summary").click()

    # Import: a semicolon-separated file in Latin-1, as a spreadsheet often saves it.
    notes_file = tmp_path / "notas.csv"
    notes_file.write_bytes(FIELD_NOTES.encode("latin-1"))
    page.set_input_files("#import-file", str(notes_file))
    page.locator(".import-form button[type=submit]").click()
    expect(page.locator(".flash").first).to_contain_text("2")

    # PDF: the button says it is working, then the file arrives.
    with page.expect_download(timeout=120_000) as download_info:
        page.locator("[data-downloads] button.primary").click()
    pdf_path = tmp_path / "report.pdf"
    download_info.value.save_as(pdf_path)
    reader = PdfReader(pdf_path)
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Hallazgos de campo Cordillera" in text
    assert "ENT-07" in text
    screenshot(page, "reports-console")

    with page.expect_download() as download_info:
        page.locator("a[href$='/export/csv']").click()
    rows = list(csv.DictReader(io.StringIO(download_info.value.path().read_bytes().decode("utf-8-sig"))))
    # The CSV speaks the workshop's language (Spanish here), headers included.
    assert sorted(row["Código de evidencia"] for row in rows) == ["ENT-07", "OBS-02"]

    # Synthesis of two workshops from the list of workshops.
    other = new_workshop(server, "Hallazgos de campo Guairá")
    page.goto(server["url"] + "/w/")
    for workshop in (created, other):
        page.locator(f"input[type=checkbox][value='{workshop['id']}']").check()
    with page.expect_download(timeout=120_000) as download_info:
        page.locator("form#synthesis-form button[type=submit]").click()
    synthesis = PdfReader(download_info.value.path())
    synthesis_text = "\n".join(p.extract_text() for p in synthesis.pages)
    assert "Cordillera" in synthesis_text
    assert "Guairá" in synthesis_text
    screenshot(page, "reports-dashboard")

    # Close: read-only, phones are told, exports still work.
    page.goto(created["facilitator_url"])
    page.locator("#manage > summary").click()
    page.click("#close-workshop")
    expect(page.locator("#workshop-closed")).to_be_visible()
    phone = browser.new_context(**PHONE).new_page()
    response = phone.goto(created["join_url"])
    assert response.status == 403
    assert page.request.get(
        created["facilitator_url"].replace(f"/w/{created['id']}", f"/w/{created['id']}/export/json")
    ).ok

    # Delete: a wrong code deletes nothing; the right one deletes everything.
    page.click("#delete-workshop")
    page.fill("#code", "AAA-AAA")
    page.click("#confirm-delete")
    assert page.request.get(created["facilitator_url"]).status == 200
    page.fill("#code", created["code"].lower())
    page.click("#confirm-delete")
    assert page.request.get(created["facilitator_url"]).status == 404
    context.close()
