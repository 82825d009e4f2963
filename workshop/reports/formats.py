"""The report document as files: CSV, JSON and Markdown, and the file names of every format.

Each function takes the document `build_report` returns and nothing else, so
every format shows the same facts. PDF and the print HTML come from
`render.report_html` (and `pdf.render_pdf_isolated`); `export_bytes` is the one
door the download views and `workshop export` both use.

Choices a reader of the files should know:

* **CSV** is UTF-8 *with* a byte-order mark and CRLF line ends (RFC 4180).
  Without the mark, Excel on Windows reads the file as the local 8-bit code page
  and turns "Región" into "RegiÃ³n"; with it, Excel, LibreOffice, Google Sheets
  and pandas (`encoding="utf-8-sig"`) all read the accents right. Python's
  `csv` module reads it back once decoded with ``utf-8-sig``. The delimiter is
  the comma and numbers use a decimal point, so the file means the same on
  every machine; a spreadsheet set to Spanish opens it through *Data → From
  Text/CSV*. Column names and words (yes/no, decisions, statuses) are in the
  workshop's language, for the people who open the file; the columns keep the
  order of `CSV_COLUMNS` (their stable keys, which the JSON export uses), so a
  script maps a header row back with `csv_header`.
* **Formula injection.** A spreadsheet runs a cell that starts with ``=``,
  ``+``, ``-`` or ``@`` (and some read tab or CR as a prefix): a note such as
  ``=HYPERLINK("http://evil", "ver")`` would become a live formula. Such cells
  get a leading apostrophe (OWASP's advice), shown as text and never run. So the
  rule can be undone exactly, a cell that starts with an apostrophe gets one more;
  `csv_cell_text` reverses it.
* **JSON** is the whole document, UTF-8 without escapes (``ensure_ascii=False``),
  keys in the document's own order (stable: `build_report` builds them in a
  fixed order, `version` first), described by `report.schema.json`.
* **Markdown** escapes every character of people's text that Markdown, GitHub
  or a wiki would read as markup (links, images, HTML, emphasis, tables, list
  and heading starts, bare URLs), so a note is always shown as the text it is.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from flask_babel import force_locale, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workshop.commitments.services import status_label

FORMATS = ("pdf", "csv", "json", "md", "html")
TEXT_FORMATS = ("csv", "json", "md", "html")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}

CSV_COLUMNS = (
    "workshop_id",
    "workshop",
    "note_id",
    "stage_number",
    "stage_title",
    "prompt",
    "lane",
    "lane_label",
    "text",
    "group_id",
    "group_title",
    "group_dots",
    "idea_rank",
    "impact_mean",
    "feasibility_mean",
    "note_dots",
    "evidence_id",
    "source",
    "hidden",
    "deleted",
    "decision",
)
# The header people read, in the workshop's language, for each stable key.
CSV_HEADERS = {
    "workshop_id": _l("Workshop id"),
    "workshop": _l("Workshop"),
    "note_id": _l("Note id"),
    "stage_number": _l("Stage number"),
    "stage_title": _l("Stage"),
    "prompt": _l("Prompt"),
    "lane": _l("Lane key"),
    "lane_label": _l("Lane"),
    "text": _l("Text"),
    "group_id": _l("Group id"),
    "group_title": _l("Group"),
    "group_dots": _l("Dots of the group"),
    "idea_rank": _l("Rank of the idea"),
    "impact_mean": _l("Impact (mean)"),
    "feasibility_mean": _l("Feasibility (mean)"),
    "note_dots": _l("Dots of the note"),
    "evidence_id": _l("Evidence id"),
    "source": _l("Source"),
    "hidden": _l("Hidden"),
    "deleted": _l("Deleted"),
    "decision": _l("Decision"),
    "commitment_id": _l("Commitment id"),
    "idea": _l("Idea"),
    "what": _l("What"),
    "who": _l("Who (a role)"),
    "due": _l("By when"),
    "indicator": _l("Indicator"),
    "status": _l("Status"),
    "status_date": _l("Status date"),
    "history": _l("History"),
}
CSV_BOM = "\ufeff"
# What a spreadsheet may read as the start of a formula; the apostrophe is here so the
# apostrophe we add can always be told apart from one the author typed.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "'")


# --- Every format -----------------------------------------------------------------------


def export_bytes(report: dict[str, Any], fmt: str) -> bytes:
    """The file of one format, as bytes ready to save or send.

    PDF and HTML go through the print renderer, whose errors (DomainError
    subclasses, e.g. a PDF that took too long) reach the caller unchanged.
    Raises ValueError for a format not in `FORMATS`.
    """
    if fmt == "csv":
        return to_csv(report).encode("utf-8")
    if fmt == "json":
        return to_json(report).encode("utf-8")
    if fmt == "md":
        return to_markdown(report).encode("utf-8")
    if fmt in ("html", "pdf"):
        # Imported when needed: the text formats need neither the print templates and
        # charts nor WeasyPrint.
        from workshop.reports.render import report_html

        html = report_html(report)
        if fmt == "html":
            return html.encode("utf-8")
        from workshop.reports.pdf import render_pdf_isolated

        return render_pdf_isolated(html)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII words joined by dashes: "Co-diseño · USF Luque" → "co-diseno-usf-luque"."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug or "workshop"


def export_filename(report: dict[str, Any], fmt: str) -> str:
    """A file name people recognise: slug of the title, the date, the extension."""
    workshop = report["workshop"]
    return f"{slugify(workshop['title'])}-{workshop['date']}.{fmt}"


# --- CSV --------------------------------------------------------------------------------


def defuse_cell(value: Any) -> Any:
    """Text a spreadsheet could run as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_cell_text(cell: str) -> str:
    """The text a CSV cell of `to_csv` stands for (undoes `defuse_cell`)."""
    if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS):
        return cell[1:]
    return cell


def csv_header(columns: Iterable[str]) -> list[str]:
    """The header row of these columns in the current language (`CSV_HEADERS`)."""
    return [str(CSV_HEADERS[column]) for column in columns]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return defuse_cell(value)


def _csv_writer(columns: tuple[str, ...]) -> tuple[io.StringIO, csv.DictWriter]:
    """A CSV in memory: the byte-order mark, then the header in the current language."""
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writerow(dict(zip(columns, csv_header(columns), strict=True)))
    return buffer, writer


def csv_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per note (deleted ones too, without text), with its stage, group and idea."""
    workshop = report["workshop"]
    stages = {stage["index"]: stage for stage in report["stages"]}
    clusters = {cluster["id"]: cluster for cluster in report["clusters"]}
    ideas = {(idea["type"], idea["id"]): idea for idea in report["ideas"]}
    closed_dots: dict[int, int] = {}
    for vote in report["votes"]:
        if vote["closed"]:
            for total in vote["totals"]:
                if total["type"] == "cluster":
                    closed_dots[total["id"]] = closed_dots.get(total["id"], 0) + total["dots"]
    rows = []
    for note in report["notes"]:
        stage = stages.get(note["stage"], {})
        cluster = clusters.get(note["cluster"]) if note["cluster"] is not None else None
        if cluster is not None:
            idea = ideas.get(("cluster", cluster["id"]))
            decision = cluster["decision"]
        else:
            idea = ideas.get(("note", note["id"]))
            decision = note["decision"]
        rows.append(
            {
                "workshop_id": workshop["id"],
                "workshop": workshop["title"],
                "note_id": note["id"],
                "stage_number": stage.get("number", note["stage"] + 1),
                "stage_title": stage.get("title"),
                "prompt": stage.get("prompt"),
                "lane": note["lane"],
                "lane_label": note["lane_label"],
                "text": note["text"],
                "group_id": cluster["id"] if cluster else None,
                "group_title": cluster["title"] if cluster else None,
                "group_dots": closed_dots.get(cluster["id"], 0) if cluster else None,
                "idea_rank": idea["rank"] if idea else None,
                "impact_mean": idea["impact"] if idea else None,
                "feasibility_mean": idea["feasibility"] if idea else None,
                "note_dots": note["dots"],
                "evidence_id": note["evidence_id"],
                "source": note["source"],
                "hidden": note["hidden"],
                "deleted": note["deleted"],
                "decision": _decision_label(decision),
            }
        )
    return rows


def to_csv(report: dict[str, Any]) -> str:
    """Every note as a row (`CSV_COLUMNS`), starting with a byte-order mark for Excel,
    headers and words in the workshop's language.

    `group_dots` counts closed votes only (as the ranking does); `idea_rank`,
    `impact_mean` and `feasibility_mean` are those of the idea the note belongs
    to (its group, or the note itself when it was voted or rated alone);
    `decision` is that idea's: selected, set aside or empty.
    """
    with force_locale(report["workshop"]["language"]):
        buffer, writer = _csv_writer(CSV_COLUMNS)
        for row in csv_rows(report):
            writer.writerow({key: _csv_value(value) for key, value in row.items()})
    return buffer.getvalue()


COMMITMENT_CSV_COLUMNS = (
    "workshop_id",
    "workshop",
    "commitment_id",
    "idea",
    "what",
    "who",
    "due",
    "indicator",
    "status",
    "status_date",
    "history",
)


def commitments_csv(rows: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> str:
    """Commitments as CSV (`COMMITMENT_CSV_COLUMNS`), one row per commitment, from pairs
    of (workshop facts with `id` and `title`, a report's commitment entry).

    `status` is the current one and `status_date` the day it was recorded; `history`
    lists every dated entry, oldest first ("2026-03-01 planned; 2026-04-02 started: …").
    Same encoding and formula defusing as the notes' CSV; headers and statuses in the
    current language.
    """
    buffer, writer = _csv_writer(COMMITMENT_CSV_COLUMNS)
    for workshop, commitment in rows:
        history = commitment["history"]
        row = {
            "workshop_id": workshop["id"],
            "workshop": workshop["title"],
            "commitment_id": commitment["id"],
            "idea": commitment["idea"]["title"] if commitment["idea"] else None,
            "what": commitment["what"],
            "who": commitment["who"],
            "due": commitment["due"],
            "indicator": commitment["indicator"],
            "status": status_label(commitment["status"]),
            "status_date": history[-1]["date"] if history else None,
            "history": "; ".join(
                f"{entry['date']} {status_label(entry['status'])}"
                + (f": {entry['note']}" if entry["note"] else "")
                for entry in history
            ),
        }
        writer.writerow({key: _csv_value(value) for key, value in row.items()})
    return buffer.getvalue()


def report_commitments_csv(report: dict[str, Any]) -> str:
    """The commitments of one report as CSV (`commitments_csv`), in the workshop's language."""
    with force_locale(report["workshop"]["language"]):
        return commitments_csv((report["workshop"], commitment) for commitment in report["commitments"])


# --- JSON -------------------------------------------------------------------------------


def to_json(report: dict[str, Any]) -> str:
    """The whole report document (see `report.schema.json`), indented, ending in a newline."""
    return json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


# --- Markdown ---------------------------------------------------------------------------

# Characters with a meaning somewhere in CommonMark, GitHub Flavoured Markdown or common
# wiki dialects (math, strikethrough, tables, HTML and entities). A backslash before any
# ASCII punctuation is always shown as that character alone.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()<>#|!~&$])")
# At the start of a line these open a list, a heading underline or a thematic break.
_MD_LINE_START = re.compile(r"^(?:([-+=])|(\d{1,9})\.(?=\s|$))")
# Bare addresses that GitHub and many wikis turn into links by themselves.
_MD_WWW = re.compile(r"(?i)\b(www)\.")


def md_escape(text: Any) -> str:
    """People's text as inline Markdown that shows exactly that text: one line, no markup."""
    lines = [_md_line(line) for line in str(text if text is not None else "").splitlines()]
    return " ".join(line for line in lines if line)


def _md_line(line: str) -> str:
    line = " ".join(line.split())  # no indented code blocks, no tabs, no trailing hard breaks
    line = _MD_SPECIAL.sub(r"\\\1", line)
    line = line.replace("://", ":\\/\\/")
    line = _MD_WWW.sub(r"\1\\.", line)
    return _MD_LINE_START.sub(
        lambda match: "\\" + match.group(1) if match.group(1) else match.group(2) + "\\.", line
    )


def md_block(text: Any, indent: str) -> str:
    """People's text as the lines of a list item (line breaks kept, each line escaped)."""
    lines = [_md_line(line) for line in str(text or "").splitlines()]
    lines = [line for line in lines if line]
    return ("\n" + indent).join(lines)


def _number(value: float | None) -> str:
    """One decimal in the workshop's language (3,5 in Spanish), as the PDF shows it."""
    return "–" if value is None else format_decimal(value, format="0.0")


def _decision_label(decision: str | None) -> str:
    return {"selected": _("Selected"), "set_aside": _("Set aside")}.get(decision or "", "")


def _axis_labels(report: dict[str, Any]) -> tuple[str, str]:
    rate_stages = [stage for stage in report["stages"] if stage["kind"] == "rate" and stage["axes"]]
    if rate_stages:
        axes = rate_stages[-1]["axes"]
        return axes[0]["label"], (axes[1]["label"] if len(axes) > 1 else _("Feasibility"))
    return _("Impact"), _("Feasibility")


def _rank_label(idea: dict[str, Any]) -> str:
    return _("%(rank)d (tie)", rank=idea["rank"]) if idea["tied"] else str(idea["rank"])


def _table(header: Iterable[str], aligns: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(aligns) + " |"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return lines


def _note_line(note: dict[str, Any], indent: str) -> str:
    text = md_block(note["text"], indent + "  ")
    trace = [md_escape(value) for value in (note["evidence_id"], note["source"]) if value]
    return f"{indent}- {text}" + (f" ({', '.join(trace)})" if trace else "")


def to_markdown(report: dict[str, Any]) -> str:
    """A summary to paste into a document or a wiki, in the workshop's language.

    Title, place and date, the key ideas, the ranked table with the reason for
    each place, the findings lane by lane (groups and their notes, then loose
    notes), and what was set aside. Every piece of people's text is escaped.
    """
    with force_locale(report["workshop"]["language"]):
        return "\n".join(_markdown_lines(report)) + "\n"


def _ranking_columns(report: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The ranking table's columns: dots only if the plan voted, means and quadrant only
    if it rated (a plan without rating gets no empty rating columns)."""
    kinds = {stage["kind"] for stage in report["stages"]}
    columns: list[tuple[str, str, Any]] = [
        (_("Rank"), "---:", _rank_label),
        (_("Idea"), "---", lambda idea: md_escape(idea["title"])),
    ]
    if "vote" in kinds:
        columns.append((_("Dots"), "---:", lambda idea: str(idea["dots"])))
    if "rate" in kinds:
        impact, feasibility = _axis_labels(report)
        columns += [
            (md_escape(impact), "---:", lambda idea: _number(idea["impact"])),
            (md_escape(feasibility), "---:", lambda idea: _number(idea["feasibility"])),
            (_("Quadrant"), "---", lambda idea: md_escape(idea["quadrant_label"])),
        ]
    columns.append((_("Decision"), "---", lambda idea: _decision_label(idea["decision"])))
    return columns


def _markdown_lines(report: dict[str, Any]) -> list[str]:
    workshop = report["workshop"]
    notes = {note["id"]: note for note in report["notes"]}
    facts = [md_escape(workshop["place"])] if workshop["place"] else []
    facts += [
        workshop["date"],
        md_escape(workshop["plan"]["title"]),
        ngettext("%(num)d participant", "%(num)d participants", workshop["participants"]),
    ]
    lines = [f"# {md_escape(workshop['title'])}", "", " · ".join(facts), ""]
    if workshop.get("question"):
        lines += [f"## {_('Challenge question')}", "", f"> {md_escape(workshop['question'])}", ""]
    if report.get("plan_changes"):
        lines += [f"## {_('Changes to the plan')}", ""]
        for edit in report["plan_changes"]:
            lines += [f"- {md_escape(line)} ({edit['at'].replace('T', ' ')})" for line in edit["changes"]]
        lines.append("")

    lines += [f"## {_('Key messages')}", ""]
    if report["key_ideas"]:
        lines += [
            f"{number}. **{md_escape(idea['title'])}** — {md_escape(idea['reason'])}"
            for number, idea in enumerate(report["key_ideas"], start=1)
        ]
    else:
        lines.append(_("No ideas yet."))
    lines.append("")

    lines += [f"## {_('Ranking of ideas')}", ""]
    if report["ideas"]:
        columns = _ranking_columns(report)
        lines += _table(
            [header for header, _align, _cell in columns],
            [align for _header, align, _cell in columns],
            [[cell(idea) for _header, _align, cell in columns] for idea in report["ideas"]],
        )
    else:
        lines.append(_("No ideas yet."))
    lines.append("")

    marked = [c for c in report["clusters"] if c["marked"] and c["notes"]]
    if report["group_mark"] and marked:
        lines += [f"## {md_escape(report['group_mark'])}", ""]
        lines += [f"- **{md_escape(c['title'])}** ({len(c['notes'])})" for c in marked]
        lines.append("")

    lines += [f"## {_('Findings by lane')}", ""]
    if not report["findings"]:
        lines += [_("No notes yet."), ""]
    for lane in report["findings"]:
        lines += [f"### {md_escape(lane['label'])}", ""]
        for group in lane["groups"]:
            lines.append(f"- **{md_escape(group['title'])}**")
            lines += [_note_line(notes[note_id], "  ") for note_id in group["notes"] if note_id in notes]
        lines += [_note_line(notes[note_id], "") for note_id in lane["loose"] if note_id in notes]
        lines.append("")

    lines += _breakdown_lines(report)
    if report["commitments"]:
        lines += [f"## {_('Commitments')}", ""]
        for commitment in report["commitments"]:
            facts = [
                _("who: %(who)s", who=md_escape(commitment["who"])),
                _("by %(date)s", date=commitment["due"]),
                md_escape(commitment["status_label"]),
            ]
            lines.append(f"- **{md_escape(commitment['what'])}** — " + "; ".join(facts))
            if commitment["idea"]:
                lines.append(f"  - {_('Idea')}: {md_escape(commitment['idea']['title'])}")
            if commitment["indicator"]:
                lines.append(f"  - {_('Indicator')}: {md_escape(commitment['indicator'])}")
            for entry in commitment["history"]:
                note = f": {md_escape(entry['note'])}" if entry["note"] else ""
                lines.append(f"  - {entry['date']} {md_escape(entry['status_label'])}{note}")
        lines.append("")

    lines += [f"## {_('Ideas set aside')}", ""]
    if report["set_aside"]:
        lines += [
            f"- {md_escape(idea['title'])} — {md_escape(idea['reason'])}" for idea in report["set_aside"]
        ]
    else:
        lines.append(_("No idea was set aside."))
    return lines


def _breakdown_lines(report: dict[str, Any]) -> list[str]:
    """Priorities by profile, as the report has them (already past the anonymity floor)."""
    if not report.get("breakdowns"):
        return []
    lines = [f"## {_('Priorities by profile')}", ""]
    for item in report["breakdowns"]:
        lines += [f"### {md_escape(item['label'])}", ""]
        for section in item["stages"]:
            lines += [f"#### {md_escape(section['stage'])}", ""]
            if section["withheld"]:
                lines += [_("Withheld: too few people answered for a breakdown that protects everyone."), ""]
                continue
            header = [_("Idea")] + [f"{md_escape(c['label'])} ({c['people']})" for c in section["columns"]]
            rows = [
                [md_escape(row["title"])]
                + [
                    (str(v) if section["kind"] == "vote" else (f"{v['x']} / {v['y']}" if v else "—"))
                    for v in row["values"]
                ]
                for row in section["rows"]
            ]
            lines += _table(header, ["---"] + ["---:"] * len(section["columns"]), rows)
            lines.append("")
    return lines
