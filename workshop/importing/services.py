"""Importing field notes from a spreadsheet (CSV) into a workshop, ready to cluster.

Solutions mapping starts from fieldwork: findings written up in a spreadsheet,
one per row, each with the evidence id that ties it to an interview or an
observation. `import_field_notes` turns such a file into notes of a write
stage, keeping the evidence id and the source for the report's traceability
appendix.

The whole file is checked before anything is stored: if one row is wrong,
nothing is imported and the error names every wrong row (numbered as the
spreadsheet shows them, the header being row 1), so the lab fixes the file and
imports it again instead of cleaning up half an import. A file already
imported is recognised row by row, so a second upload of the same file (a
double click on a slow network) adds nothing twice.
"""

from __future__ import annotations

import codecs
import csv
import io
import secrets
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from workshop.board.models import Note
from workshop.board.services import clean_note_text
from workshop.core.actors import Actor, ensure_facilitator, ensure_open
from workshop.core.checks import typed_number
from workshop.core.models import Workshop
from workshop.errors import InvalidInput
from workshop.extensions import db
from workshop.plans import Stage

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
MAX_LISTED_PROBLEMS = 20
EVIDENCE_ID_MAX_LENGTH = 64  # Note.evidence_id
SOURCE_MAX_LENGTH = 120  # Note.source
IMPORT_CLIENT_ID_PREFIX = "import-"
DELIMITERS = (",", ";", "\t")

# Header names as people write them, compared without case, accents, "_" or "-".
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "texto", "note", "nota", "finding", "hallazgo"),
    "lane": ("lane", "carril", "categoria", "category", "condicion", "condition"),
    "stage": ("stage", "etapa"),
    "evidence_id": (
        "evidence id",
        "evidence",
        "evidencia",
        "id evidencia",
        "id de evidencia",
        "codigo de evidencia",
        "evidence code",
    ),
    "source": ("source", "fuente", "origen"),
}


class ImportProblems(InvalidInput):
    """A file with wrong rows; `problems` lists (row number, reason) in file order."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        lines = [
            _("Line %(line)d: %(reason)s", line=line, reason=_sentence(reason))
            for line, reason in problems[:MAX_LISTED_PROBLEMS]
        ]
        if len(problems) > MAX_LISTED_PROBLEMS:
            more = len(problems) - MAX_LISTED_PROBLEMS
            lines.append(ngettext("… and %(num)d more line.", "… and %(num)d more lines.", more))
        header = ngettext(
            "Nothing was imported: %(num)d line of the file has a problem. Fix it and import the file again.",
            "Nothing was imported: %(num)d lines of the file have a problem. "
            "Fix them and import the file again.",
            len(problems),
        )
        super().__init__("\n".join([header, *lines]))


@dataclass
class ImportResult:
    """What an import did, in counts (stage index and lane key → notes)."""

    filename: str
    imported: int = 0
    already_there: int = 0
    blank_rows: int = 0
    with_evidence: int = 0
    by_stage: dict[int, int] = field(default_factory=dict)
    by_lane: dict[str | None, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list, repr=False)

    def summary(self) -> str:
        """One paragraph for a person: how many notes, and anything left out."""
        parts = [
            ngettext(
                "Imported %(num)d note from %(file)s.",
                "Imported %(num)d notes from %(file)s.",
                self.imported,
                file=self.filename,
            )
        ]
        if self.with_evidence:
            parts.append(
                ngettext("%(num)d has an evidence id.", "%(num)d have an evidence id.", self.with_evidence)
            )
        if self.already_there:
            parts.append(
                ngettext(
                    "%(num)d row was already imported and was left out.",
                    "%(num)d rows were already imported and were left out.",
                    self.already_there,
                )
            )
        if self.ignored_columns:
            parts.append(_("Columns not used: %(columns)s.", columns=", ".join(self.ignored_columns)))
        return " ".join(parts)


@dataclass(frozen=True)
class _Row:
    line: int
    stage_index: int
    lane: str | None
    text: str
    evidence_id: str | None
    source: str | None


def import_field_notes(
    workshop: Workshop, actor: Actor, data: bytes, filename: str = "notes.csv"
) -> ImportResult:
    """Add the notes of a CSV file of field notes to a workshop; all of them or none.

    Columns (header row, any case, Spanish names too): `text` (required),
    `lane`, `stage` (a stage id or its number, 1 for the first stage; default:
    the plan's first write stage), `evidence_id`, `source`. UTF-8 with or
    without BOM, else Windows-1252/Latin-1; comma, semicolon or tab separated.
    The notes belong to no participant; any write stage may receive them,
    reached or not, locked or not (a facilitator preparing or completing the
    record), but the workshop must be open.

    Raises NotAllowed (not a facilitator, workshop closed) and InvalidInput
    (unreadable or too large file; `ImportProblems` when rows are wrong).
    """
    ensure_facilitator(workshop, actor)
    ensure_open(workshop)
    filename = (filename or "notes.csv").replace("\\", "/").rsplit("/", 1)[-1][:120]
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            _(
                "The file is too large: at most %(size)s MB and %(rows)s rows can be imported at once. "
                "Split it into several files.",
                size=MAX_IMPORT_BYTES // (1024 * 1024),
                rows=format_number(MAX_IMPORT_ROWS),
            )
        )
    rows, result = _read_rows(workshop, _decode(data), filename)
    fresh = _leave_out_already_imported(workshop, rows, result)
    for row in fresh:
        note = Note(
            workshop_id=workshop.id,
            participant_id=None,
            client_id=IMPORT_CLIENT_ID_PREFIX + secrets.token_hex(16),
            stage_index=row.stage_index,
            lane=row.lane,
            text=row.text,
            evidence_id=row.evidence_id,
            source=row.source,
        )
        result.notes.append(note)
    db.session.add_all(result.notes)
    result.imported = len(fresh)
    result.with_evidence = sum(1 for row in fresh if row.evidence_id)
    result.by_stage = dict(Counter(row.stage_index for row in fresh))
    result.by_lane = dict(Counter(row.lane for row in fresh))
    if fresh:
        workshop.bump()
    db.session.flush()
    return result


def _decode(data: bytes) -> str:
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise InvalidInput(
            _(
                "This is a spreadsheet workbook, not a CSV file. In the spreadsheet, "
                "use Save as… and choose CSV, then import that file."
            )
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Spreadsheets on Windows save "CSV" in the ANSI code page; cp1252 leaves five
            # bytes undefined, which Latin-1 still reads.
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    if "\x00" in text:
        raise InvalidInput(_("This file is not a CSV file of text."))
    return text


def _delimiter(text: str) -> str:
    """The separator of the header row: the one it uses most (outside quotes)."""
    header, in_quotes = [], False
    for char in text:
        if char == '"':
            in_quotes = not in_quotes
        elif char in "\r\n" and not in_quotes:
            break
        elif not in_quotes:
            header.append(char)
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _simplify(name: str) -> str:
    """Lower case, no accents, `_`/`-` as spaces: "Categoría" → "categoria"."""
    name = unicodedata.normalize("NFKD", name.strip().casefold())
    name = "".join(char for char in name if not unicodedata.combining(char))
    return " ".join(name.replace("_", " ").replace("-", " ").split())


_ALIASES = {alias: column for column, aliases in COLUMN_ALIASES.items() for alias in aliases}


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Which cell holds which column; raises InvalidInput without `text` or with a repeat."""
    positions: dict[str, int] = {}
    ignored = []
    for position, name in enumerate(header):
        column = _ALIASES.get(_simplify(name))
        if column is None:
            if name.strip():
                ignored.append(name.strip())
            continue
        if column in positions:
            raise InvalidInput(
                _(
                    "Line 1: the columns %(first)s and %(second)s say the same thing; keep one.",
                    first=header[positions[column]].strip(),
                    second=name.strip(),
                )
            )
        positions[column] = position
    if "text" not in positions:
        found = ", ".join(name.strip() for name in header if name.strip()) or _("none")
        raise InvalidInput(
            _(
                'The first line must name the columns, one of them "text" (or '
                '"texto") with the notes. The columns found are: %(columns)s.',
                columns=found,
            )
        )
    return positions, ignored


class _Stages:
    """Resolves what a row says in its stage cell to a write stage of the plan."""

    def __init__(self, workshop: Workshop):
        self.workshop = workshop
        self.stages = workshop.plan.stages
        self.default = next((i for i, s in enumerate(self.stages) if s.accepts_notes), None)
        self.names: dict[str, int] = {}
        for index, stage in enumerate(self.stages):
            for title in stage.title.values():
                self.names.setdefault(_simplify(title), index)
        for index, stage in enumerate(self.stages):  # ids win over titles
            self.names[_simplify(stage.id)] = index

    def resolve(self, value: str) -> int:
        """The stage index; raises InvalidInput with the reason."""
        value = value.strip()
        if not value:
            if self.default is None:
                raise InvalidInput(_("This plan has no stage that takes notes."))
            return self.default
        number = typed_number(value)
        if number is not None:
            index = number - 1
            if not 0 <= index < len(self.stages):
                raise InvalidInput(
                    _(
                        "there is no stage %(number)s; the plan has %(count)d stages.",
                        number=value,
                        count=len(self.stages),
                    )
                )
        else:
            index = self.names.get(_simplify(value), -1)
            if index < 0:
                raise InvalidInput(
                    _(
                        'there is no stage "%(stage)s"; use a stage number or one of: %(ids)s.',
                        stage=value,
                        ids=self._write_ids(),
                    )
                )
        stage = self.stages[index]
        if not stage.accepts_notes:
            raise InvalidInput(
                _(
                    "stage %(number)d (%(title)s) does not take notes; use one of: %(ids)s.",
                    number=index + 1,
                    title=stage.text("title", self.workshop.language),
                    ids=self._write_ids(),
                )
            )
        return index

    def _write_ids(self) -> str:
        return ", ".join(f"{i + 1} {s.id}" for i, s in enumerate(self.stages) if s.accepts_notes)


def _lane(stage: Stage, value: str, language: str) -> str | None:
    """The lane key a cell names (its key or its label in any language); raises InvalidInput."""
    value = value.strip()
    if not value:
        return None
    wanted = _simplify(value)
    for lane in stage.lanes:
        if wanted == _simplify(lane.key) or any(wanted == _simplify(label) for label in lane.label.values()):
            return lane.key
    if not stage.lanes:
        raise InvalidInput(
            _(
                'the stage "%(stage)s" has no lanes, but this row names "%(lane)s".',
                stage=stage.text("title", language),
                lane=value,
            )
        )
    raise InvalidInput(
        _(
            'the stage "%(stage)s" has no lane "%(lane)s"; its lanes are: %(lanes)s.',
            stage=stage.text("title", language),
            lane=value,
            lanes=", ".join(lane.key for lane in stage.lanes),
        )
    )


def _optional(value: str, limit: int, too_long: str) -> str | None:
    value = " ".join(value.split())
    if len(value) > limit:
        raise InvalidInput(too_long)
    return value or None


def _read_rows(workshop: Workshop, text: str, filename: str) -> tuple[list[_Row], ImportResult]:
    """Parse and check every row; raises ImportProblems listing all wrong rows."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    result = ImportResult(filename=filename)
    stages = _Stages(workshop)
    rows: list[_Row] = []
    problems: list[tuple[int, str]] = []
    line = 0
    try:
        header = next(reader, None)
        line = 1
        if header is None or not any(cell.strip() for cell in header):
            raise InvalidInput(
                _(
                    "The file is empty: its first line must name the columns "
                    '("text", and optionally "lane", "stage", "evidence_id", '
                    '"source").'
                )
            )
        columns, result.ignored_columns = _columns(header)
        for line, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                result.blank_rows += 1
                continue
            if len(rows) + len(problems) >= MAX_IMPORT_ROWS:
                raise InvalidInput(
                    _(
                        "The file has more than %(rows)s notes; at most %(rows)s can be imported at "
                        "once. Split it into several files.",
                        rows=format_number(MAX_IMPORT_ROWS),
                    )
                )
            if any(cell.strip() for cell in cells[len(header) :]):
                problems.append(
                    (
                        line,
                        _(
                            "this row has more cells than the first line has columns (a note with a "
                            "comma or semicolon must be in quotes)."
                        ),
                    )
                )
                continue
            try:
                rows.append(_row(workshop, stages, columns, cells, line))
            except InvalidInput as error:
                problems.append((line, error.message))
    except csv.Error as error:
        raise InvalidInput(
            _(
                "Line %(line)d cannot be read as CSV (%(error)s). Nothing was imported.",
                line=line + 1,
                error=str(error),
            )
        ) from None
    if problems:
        raise ImportProblems(problems)
    if not rows:
        raise InvalidInput(_("The file has no notes: only its first line (the column names)."))
    return rows, result


def _row(workshop: Workshop, stages: _Stages, columns: dict[str, int], cells: list[str], line: int) -> _Row:
    def cell(column: str) -> str:
        position = columns.get(column)
        return cells[position] if position is not None and position < len(cells) else ""

    reasons = []
    try:
        text = clean_note_text(cell("text"))
    except InvalidInput as error:
        reasons.append(error.message)
        text = ""
    stage_index = lane = evidence_id = source = None
    try:
        stage_index = stages.resolve(cell("stage"))
        lane = _lane(stages.stages[stage_index], cell("lane"), workshop.language)
    except InvalidInput as error:
        reasons.append(error.message)
    try:
        evidence_id = _optional(
            cell("evidence_id"),
            EVIDENCE_ID_MAX_LENGTH,
            _("an evidence id can have at most %(count)d characters.", count=EVIDENCE_ID_MAX_LENGTH),
        )
    except InvalidInput as error:
        reasons.append(error.message)
    try:
        source = _optional(
            cell("source"),
            SOURCE_MAX_LENGTH,
            _("a source can have at most %(count)d characters.", count=SOURCE_MAX_LENGTH),
        )
    except InvalidInput as error:
        reasons.append(error.message)
    if reasons:
        raise InvalidInput(" ".join(_sentence(reason) for reason in reasons))
    assert stage_index is not None  # resolved, or its reason was raised above
    return _Row(
        line=line, stage_index=stage_index, lane=lane, text=text, evidence_id=evidence_id, source=source
    )


def _sentence(reason: str) -> str:
    reason = reason.strip()
    return reason[:1].upper() + reason[1:]


def _leave_out_already_imported(workshop: Workshop, rows: list[_Row], result: ImportResult) -> list[_Row]:
    """Rows whose note an earlier import already stored (same stage, text, lane, evidence
    id and source) are left out, as often as they were imported before."""
    earlier = Counter(
        (note.stage_index, note.text, note.lane, note.evidence_id, note.source)
        for note in db.session.scalars(
            select(Note).where(
                Note.workshop_id == workshop.id,
                Note.participant_id.is_(None),
                Note.deleted_at.is_(None),
                Note.client_id.startswith(IMPORT_CLIENT_ID_PREFIX),
            )
        )
    )
    fresh = []
    for row in rows:
        key = (row.stage_index, row.text, row.lane, row.evidence_id, row.source)
        if earlier[key] > 0:
            earlier[key] -= 1
            result.already_there += 1
        else:
            fresh.append(row)
    return fresh


__all__ = ["MAX_IMPORT_BYTES", "MAX_IMPORT_ROWS", "ImportProblems", "ImportResult", "import_field_notes"]
