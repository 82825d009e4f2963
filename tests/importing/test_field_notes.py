"""Importing field notes from a CSV file: the service, the command and the upload form.

solutions-mapping: 1 findings (write, lanes social … barriers), 2 insights (cluster),
3 missing-voices (discuss), 4 best-insight (vote), 5 how-might-we (write, no lanes),
6 to-codesign (vote). Numbers in files are 1-based; indexes in the database 0-based.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import login, new_client_id
from workshop.board import services as board
from workshop.board.models import Note
from workshop.cli import main
from workshop.config import NOTE_MAX_LENGTH
from workshop.errors import InvalidInput, NotAllowed
from workshop.extensions import db, socketio
from workshop.importing import services as importing
from workshop.importing.services import ImportProblems, import_field_notes
from workshop.live import NAMESPACE
from workshop.plans import load_plan
from workshop.workshops.services import change_stage, close_workshop

FINDINGS, INSIGHTS, HOW_MIGHT_WE = 0, 1, 4

GOOD = """text,lane,stage,evidence_id,source
La enfermera visita a las embarazadas en su casa,social,,E-12,Entrevista USF Luque
"Los insumos llegan tarde, pero la jefa los pide antes",bureaucratic,findings,E-13,
Nadie supervisa la agenda,,1,,Observación
¿Cómo podríamos premiar las visitas?,,5,,
"""


def notes(workshop, *where) -> list[Note]:
    return list(
        db.session.scalars(select(Note).where(Note.workshop_id == workshop.id, *where).order_by(Note.id))
    )


def note_count(workshop=None) -> int:
    query = select(func.count()).select_from(Note)
    if workshop is not None:
        query = query.where(Note.workshop_id == workshop.id)
    return db.session.scalar(query)


def run_import(workshop, actor, text: str | bytes, filename="notas.csv"):
    data = text.encode() if isinstance(text, str) else text
    result = import_field_notes(workshop, actor, data, filename)
    db.session.commit()
    return result


def refused(error, match, workshop, actor, text):
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(error, match=match) as caught:
        import_field_notes(workshop, actor, data, "notas.csv")
    db.session.rollback()
    return caught.value


@pytest.fixture
def mapping(make_workshop, plans_dir):
    """A solutions-mapping workshop in English, on its findings stage."""
    return make_workshop(
        plan=load_plan("solutions-mapping", plans_dir), stage=0, language="en", title="Síntesis Cordillera"
    )


# The service ---------------------------------------------------------------------------------


def test_good_file_imports_every_row(mapping, facilitator):
    result = run_import(mapping, facilitator, GOOD)
    assert result.imported == 4
    assert result.with_evidence == 2
    assert result.by_stage == {FINDINGS: 3, HOW_MIGHT_WE: 1}
    assert result.by_lane == {"social": 1, "bureaucratic": 1, None: 2}
    stored = notes(mapping)
    assert [n.text for n in stored] == [
        "La enfermera visita a las embarazadas en su casa",
        "Los insumos llegan tarde, pero la jefa los pide antes",
        "Nadie supervisa la agenda",
        "¿Cómo podríamos premiar las visitas?",
    ]
    assert [n.stage_index for n in stored] == [FINDINGS, FINDINGS, FINDINGS, HOW_MIGHT_WE]
    assert [n.lane for n in stored] == ["social", "bureaucratic", None, None]
    assert [n.evidence_id for n in stored] == ["E-12", "E-13", None, None]
    assert [n.source for n in stored] == ["Entrevista USF Luque", None, "Observación", None]
    assert all(n.participant_id is None and n.author_name is None for n in stored)
    assert all(n.client_id.startswith("import-") and len(n.client_id) <= 64 for n in stored)
    assert len({n.client_id for n in stored}) == 4
    assert "Imported 4 notes from notas.csv" in result.summary()
    assert "2 have an evidence id" in result.summary()


def test_imported_notes_show_up_like_any_other(mapping, facilitator, make_participant):
    phone_note, _ = board.add_note(
        mapping, make_participant(mapping), "de un teléfono", new_client_id(), FINDINGS
    )
    db.session.commit()
    run_import(mapping, facilitator, "text\nimportada\n")
    assert [n.text for n in board.stage_notes(mapping, FINDINGS)] == ["de un teléfono", "importada"]


def test_spanish_headers_lane_labels_and_stage_titles(mapping, facilitator):
    data = (
        "Texto;Categoría;Etapa;Evidencia;Fuente\n"
        "Promotora conoce a cada familia;Confianza;Hallazgos de campo;E-1;Visita\n"
        "Reglas de viáticos;burocrático;1;E 2;\n"
        "Pregunta;;How might we…?;;\n"
    )
    result = run_import(mapping, facilitator, data)
    assert result.imported == 3
    assert [(n.lane, n.stage_index, n.evidence_id) for n in notes(mapping)] == [
        ("trust", FINDINGS, "E-1"),
        ("bureaucratic", FINDINGS, "E 2"),
        (None, HOW_MIGHT_WE, None),
    ]


@pytest.mark.parametrize("header", ["evidence", "Evidence ID", "evidence-id", "EVIDENCE_ID"])
def test_evidence_column_aliases(mapping, facilitator, header):
    run_import(mapping, facilitator, f"TEXT,{header}\nhallazgo,E-7\n")
    [note] = notes(mapping)
    assert note.evidence_id == "E-7"


def test_default_stage_is_the_first_write_stage(make_workshop, facilitator):
    """pd-discovery starts with a discussion; its first write stage is "signs" (index 1)."""
    workshop = make_workshop(stage=0)
    run_import(workshop, facilitator, "text\nse nota en la fila de espera\n")
    [note] = notes(workshop)
    assert note.stage_index == 1


def test_stage_the_room_has_passed_or_not_reached_is_accepted(mapping, facilitator):
    change_stage(mapping, facilitator, INSIGHTS)
    db.session.commit()
    run_import(mapping, facilitator, "text,stage\ntarde,findings\nantes,how-might-we\n")
    assert [n.stage_index for n in notes(mapping)] == [FINDINGS, HOW_MIGHT_WE]
    db.session.refresh(mapping)
    assert mapping.current_stage == INSIGHTS


def test_malformed_file_imports_nothing_and_names_every_line(mapping, facilitator):
    data = (
        "text,lane,stage,evidence_id,source\n"
        "bien,social,,E-1,\n"  # line 2: fine
        ",social,,E-2,\n"  # line 3: no text
        "carril raro,economic,,,\n"  # line 4: no such lane
        "en la etapa de grupos,,insights,,\n"  # line 5: not a write stage
        "etapa nueve,,9,,\n"  # line 6: no stage 9
        f"{'x' * (NOTE_MAX_LENGTH + 1)},,,,\n"  # line 7: too long
        f"evidencia larga,,,{'E' * 65},\n"  # line 8: evidence id too long
        f"fuente larga,,,,{'f' * 121}\n"  # line 9: source too long
        "carril en etapa sin carriles,social,5,,\n"  # line 10: stage 5 has no lanes
        ",economic,2,,\n"
    )  # line 11: two problems
    error = refused(ImportProblems, "Nothing was imported", mapping, facilitator, data)
    assert note_count() == 0
    assert [line for line, _ in error.problems] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    message = error.message
    assert "9 lines of the file have a problem" in message
    assert "Line 2:" not in message
    assert "Line 3: The note is empty." in message
    assert 'Line 4: The stage "Field findings" has no lane "economic"' in message
    assert "social, bureaucratic, professional, trust, barriers" in message
    assert "Line 5: Stage 2 (From findings to insights) does not take notes" in message
    assert "1 findings, 5 how-might-we" in message
    assert "Line 6: There is no stage 9; the plan has 6 stages." in message
    assert f"Line 7: A note can have at most {NOTE_MAX_LENGTH} characters" in message
    assert "Line 8: An evidence id can have at most 64 characters." in message
    assert "Line 9: A source can have at most 120 characters." in message
    assert 'Line 10: The stage "How might we…?" has no lanes' in message
    assert "Line 11: The note is empty. Stage 2" in message


def test_line_numbers_count_spreadsheet_rows(mapping, facilitator):
    """A note spread over several lines in quotes is still one spreadsheet row."""
    data = 'text,lane\n"una nota\nen dos líneas",social\n"otra\n\n",social\nmala,nope\n'
    error = refused(ImportProblems, "Line 4:", mapping, facilitator, data)
    assert error.problems[0][0] == 4
    assert note_count() == 0


def test_long_error_lists_are_cut(mapping, facilitator):
    data = "text,lane\n" + "".join(f"n{i},nope\n" for i in range(30))
    error = refused(ImportProblems, "30 lines", mapping, facilitator, data)
    assert "Line 21:" in error.message and "Line 22:" not in error.message
    assert "… and 10 more lines." in error.message


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "The file is empty"),
        (b"\n\n", "The file is empty"),
        (b"lane,stage\nsocial,1\n", 'one of them "text".*lane, stage'),
        (b"text,texto\na,b\n", "the columns text and texto say the same thing"),
        (b"text\n", "The file has no notes"),
        (b"text\n\n ,\n", "The file has no notes"),
        (b"PK\x03\x04\x14\x00rest-of-a-workbook", "not a CSV file.*Save as"),
        (b"text\nfine\x00\n", "not a CSV file"),
    ],
)
def test_unusable_files_are_refused_clearly(mapping, facilitator, data, match):
    refused(InvalidInput, match, mapping, facilitator, data)
    assert note_count() == 0


def test_blank_rows_and_unknown_columns_are_skipped(mapping, facilitator):
    result = run_import(mapping, facilitator, "text,comentario,\nuno,x,\n,,\n\ndos,y,\n")
    assert result.imported == 2
    assert result.blank_rows == 2
    assert result.ignored_columns == ["comentario"]
    assert "Columns not used: comentario." in result.summary()


def test_a_row_with_more_cells_than_columns_is_a_problem(mapping, facilitator):
    error = refused(
        ImportProblems,
        "Line 3: This row has more cells",
        mapping,
        facilitator,
        "text,lane\nbien,social\nsin comillas, con coma,social\nfin,social,,\n",
    )
    assert [line for line, _ in error.problems] == [3]  # line 4's extra cells are empty


def test_latin1_file(mapping, facilitator):
    data = (
        "texto;carril;evidencia\n"
        "Ñandutí: la promotora habla guaraní con las familias;social;E-ñ1\n"
        "“Información” a tiempo – sin papeleo;bureaucratic;E-2\n"
    ).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    run_import(mapping, facilitator, data)
    assert [(n.text, n.evidence_id) for n in notes(mapping)] == [
        ("Ñandutí: la promotora habla guaraní con las familias", "E-ñ1"),
        ("“Información” a tiempo – sin papeleo", "E-2"),
    ]


def test_plain_latin1_bytes_outside_cp1252(mapping, facilitator):
    run_import(mapping, facilitator, b"text\ncaf\xe9 \x81\n")
    assert notes(mapping)[0].text == "café \x81"


def test_utf8_with_bom(mapping, facilitator):
    data = "\ufefftext,lane\nconfianza en el barrio,trust\n".encode()
    assert data.startswith(b"\xef\xbb\xbf")
    result = run_import(mapping, facilitator, data)
    assert result.ignored_columns == []
    [note] = notes(mapping)
    assert (note.text, note.lane) == ("confianza en el barrio", "trust")


def test_utf16_from_a_spreadsheet(mapping, facilitator):
    run_import(mapping, facilitator, "text\tlane\nvisita, casa\tsocial\n".encode("utf-16"))
    [note] = notes(mapping)
    assert (note.text, note.lane) == ("visita, casa", "social")


def test_semicolon_delimiter(mapping, facilitator):
    data = (
        "text;lane;evidence_id\n"
        "Llegan tarde, pero llegan;bureaucratic;E-3\n"
        '"Con ""comillas""; y punto y coma";social;\n'
    )
    result = run_import(mapping, facilitator, data)
    assert result.imported == 2
    assert [(n.text, n.lane, n.evidence_id) for n in notes(mapping)] == [
        ("Llegan tarde, pero llegan", "bureaucratic", "E-3"),
        ('Con "comillas"; y punto y coma', "social", None),
    ]


def test_too_large_a_file(mapping, facilitator):
    data = b"text\n" + b"x" * importing.MAX_IMPORT_BYTES
    refused(InvalidInput, "too large: at most 2 MB", mapping, facilitator, data)
    assert note_count() == 0


def test_too_many_rows(mapping, facilitator):
    data = "text\n" + "".join(f"nota {i}\n" for i in range(importing.MAX_IMPORT_ROWS + 1))
    refused(InvalidInput, "more than 5,000 notes", mapping, facilitator, data)
    assert note_count() == 0


def test_the_maximum_number_of_rows_is_fine(mapping, facilitator):
    data = "text\n" + "".join(f"nota {i}\n" for i in range(importing.MAX_IMPORT_ROWS))
    assert run_import(mapping, facilitator, data).imported == importing.MAX_IMPORT_ROWS


def test_importing_the_same_file_again_adds_nothing_twice(mapping, facilitator):
    run_import(mapping, facilitator, GOOD)
    again = run_import(mapping, facilitator, GOOD + "una nueva,,,,\n")
    assert (again.imported, again.already_there) == (1, 4)
    assert "4 rows were already imported" in again.summary()
    assert note_count(mapping) == 5


def test_repeated_rows_in_one_file_are_kept(mapping, facilitator):
    assert run_import(mapping, facilitator, "text\nigual\nigual\n").imported == 2


def test_participants_cannot_import(mapping, facilitator, make_participant, make_workshop):
    own = make_participant(mapping)
    other_workshop = make_workshop(title="Otro taller")
    stranger = make_participant(other_workshop)
    for actor in (own, stranger, None):
        refused(NotAllowed, "Only a facilitator", mapping, actor, GOOD)
    assert note_count() == 0


def test_closed_workshop_refuses_imports(mapping, facilitator):
    close_workshop(mapping, facilitator)
    db.session.commit()
    refused(NotAllowed, "This workshop is closed.", mapping, facilitator, GOOD)
    assert note_count() == 0


def test_import_changes_the_revision(mapping, facilitator):
    before = mapping.revision
    run_import(mapping, facilitator, GOOD)
    assert mapping.revision > before


# The command ---------------------------------------------------------------------------------


def test_cli_import_by_id_and_by_code(runner, mapping, tmp_path):
    path = tmp_path / "hallazgos.csv"
    path.write_bytes(GOOD.encode())
    result = runner.invoke(main, ["import", str(mapping.id), str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 4 notes from hallazgos.csv" in result.output
    second = tmp_path / "mas.csv"
    second.write_text("texto\notro hallazgo\n", encoding="utf-8")
    result = runner.invoke(main, ["import", mapping.code.lower(), str(second)])
    assert result.exit_code == 0, result.output
    assert note_count(mapping) == 5


def test_cli_import_reports_problems(runner, mapping, tmp_path):
    path = tmp_path / "malo.csv"
    path.write_text("text,lane\nbien,social\n,social\n", encoding="utf-8")
    result = runner.invoke(main, ["import", str(mapping.id), str(path)])
    assert result.exit_code != 0
    assert "Nothing was imported" in result.output and "Line 3: The note is empty." in result.output
    assert note_count() == 0


def test_cli_import_unknown_workshop_or_file(runner, mapping, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text("text\nuno\n", encoding="utf-8")
    result = runner.invoke(main, ["import", "AAA-AAA", str(path)])
    assert result.exit_code != 0 and "No workshop has this code" in result.output
    result = runner.invoke(main, ["import", str(mapping.id), str(tmp_path / "nope.csv")])
    assert result.exit_code != 0 and "does not exist" in result.output
    assert note_count() == 0


# The upload form -----------------------------------------------------------------------------


def upload(client, workshop, data: bytes, filename="notas.csv", **kwargs):
    """Post the file as a browser does; the body is built in memory (the test client would
    spool a large one to a temporary file that a refused request leaves open)."""
    boundary = "----workshop-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return client.post(
        f"/w/{workshop.id}/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        **kwargs,
    )


def test_facilitator_page_has_the_upload_form(client, facilitator, mapping):
    login(client)
    page = client.get(f"/w/{mapping.id}").get_data(as_text=True)
    assert f'action="/w/{mapping.id}/import"' in page
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page


def test_upload_imports_and_says_so(app, client, facilitator, mapping):
    login(client)
    phone_http = app.test_client()
    phone_http.get(f"/j/{mapping.code}")
    phone = socketio.test_client(
        app,
        namespace=NAMESPACE,
        flask_test_client=phone_http,
        auth={"workshop": mapping.id, "audience": "participant"},
    )
    phone.get_received(NAMESPACE)
    response = upload(client, mapping, GOOD.encode())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/w/{mapping.id}#lifecycle")
    page = client.get(f"/w/{mapping.id}").get_data(as_text=True)
    assert "Imported 4 notes from notas.csv." in page
    assert note_count(mapping) == 4
    states = [event["args"][0] for event in phone.get_received(NAMESPACE) if event["name"] == "state"]
    assert states and len(states[-1]["notes"]) == 3  # the findings stage's notes
    phone.disconnect(namespace=NAMESPACE)


def test_upload_of_a_bad_file_flashes_the_lines(client, facilitator, mapping):
    login(client)
    response = upload(client, mapping, b"text,lane\nbien,social\nmal,nope\n", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page and "Line 3:" in page
    assert note_count() == 0


def test_upload_without_a_file(client, facilitator, mapping):
    login(client)
    response = client.post(
        f"/w/{mapping.id}/import", data={}, content_type="multipart/form-data", follow_redirects=True
    )
    assert "Choose a CSV file to import." in response.get_data(as_text=True)


def test_upload_over_the_request_limit(client, facilitator, mapping):
    login(client)
    response = upload(client, mapping, b"text\n" + b"x" * (2 * 1024 * 1024 + 10))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/w/{mapping.id}#lifecycle")
    assert "The file is too large" in client.get(f"/w/{mapping.id}").get_data(as_text=True)
    assert note_count() == 0


def test_upload_needs_login(client, facilitator, mapping):
    response = upload(client, mapping, GOOD.encode())
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert note_count() == 0


def test_closed_workshop_page_has_no_upload_form(client, facilitator, mapping):
    close_workshop(mapping, facilitator)
    db.session.commit()
    login(client)
    page = client.get(f"/w/{mapping.id}").get_data(as_text=True)
    assert f'action="/w/{mapping.id}/import"' not in page
    response = upload(client, mapping, GOOD.encode(), follow_redirects=True)
    assert "This workshop is closed." in response.get_data(as_text=True)
    assert note_count() == 0


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_upload_without_token_is_refused(self, client, facilitator, mapping):
        with client.session_transaction() as session:
            session["_user_id"] = str(facilitator.id)
            session["_fresh"] = True
        response = upload(client, mapping, GOOD.encode())
        assert response.status_code == 400
        assert note_count() == 0

    def test_too_large_with_csrf_on_still_says_so(self, client, facilitator, mapping):
        with client.session_transaction() as session:
            session["_user_id"] = str(facilitator.id)
        response = upload(client, mapping, b"text\n" + b"x" * (2 * 1024 * 1024 + 10))
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/w/{mapping.id}#lifecycle")
