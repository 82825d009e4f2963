"""The traceability appendix of the print HTML: one paragraph per note, grouped by stage and lane.

The appendix is block layout (no table row, list marker or span per note) so that WeasyPrint
renders thousands of notes in seconds (bench/report.py); these tests hold what the table held:
every note of every idea, with its number, stage, lane and evidence id, its text escaped.
"""

from __future__ import annotations

import re
from html import unescape

from tests.factories import reform_workshop
from workshop.extensions import db
from workshop.reports.data import build_report
from workshop.reports.render import note_number, report_html

MARKUP = "<b>bold</b> & <script>x</script>"


def appendix_of(html: str) -> str:
    start = html.index('<h1 id="appendix">')
    return html[start : html.index('<h1 id="records">')]


def test_every_note_of_every_idea_is_a_numbered_paragraph(
    facilitator, make_workshop, make_participant, plans_dir
):
    run = reform_workshop(facilitator, extra_notes=(MARKUP,))
    report = build_report(run.workshop)
    html = report_html(report)
    appendix = appendix_of(html)
    notes = {note["id"]: note for note in report["notes"]}
    digits = max(len(str(note_id)) for note_id in notes)
    assert f'class="chapter appendix digits-{digits}"' in html
    paragraphs = re.findall(r'<p class="tn">(.*?)</p>', appendix, re.S)
    shown = [note_id for idea in report["ideas"] for note_id in idea["notes"] if note_id in notes]
    assert len(paragraphs) >= len(shown)
    for note_id in shown:
        note = notes[note_id]
        number = note_number(note_id, digits)
        assert len(number) == digits + 2 and number.strip("\u2007") == str(note_id)
        [paragraph] = [p for p in paragraphs if p.startswith(number)]
        if not note["deleted"] and not note["hidden"]:
            assert unescape(paragraph[len(number) :]).startswith(note["text"])
        if note["evidence_id"]:
            assert f'<span class="tn-evidence">{note["evidence_id"]}' in paragraph
    # User text stays text.
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;" in appendix
    assert "<script>" not in html and "<b>" not in html


def test_notes_are_grouped_by_stage_then_lane_in_plan_order(
    facilitator, make_workshop, make_participant, plans_dir
):
    run = reform_workshop(facilitator)
    report = build_report(run.workshop)
    appendix = appendix_of(report_html(report))
    stage = next(stage for stage in report["stages"] if len(stage["lanes"]) > 1)
    order = [lane["label"] for lane in stage["lanes"]]
    for block in appendix.split('<p class="trace-stage">')[1:]:
        lanes = re.findall(r'<p class="trace-lane">(.*?)</p>', block)
        assert len(lanes) == len(set(lanes))  # each lane once per stage
        if set(lanes) <= set(order):
            assert lanes == sorted(lanes, key=order.index)


def findings_of(html: str) -> str:
    start = html.index('<h1 id="findings">')
    return html[start : html.index('<h1 id="set-aside">')]


def test_findings_quote_a_few_notes_per_group_and_the_appendix_has_them_all(
    facilitator, make_workshop, make_participant, plans_dir
):
    """Findings by lane quote the first notes of each group (all of them when only one would be
    left out); the traceability appendix prints every note once, whole."""
    extras = tuple(f"Nota extra número {number:02d} sobre turnos" for number in range(8))
    run = reform_workshop(facilitator, extra_notes=extras)
    # Three of the extra notes go into group A (4 + 2 notes); the other five stay loose in "usf".
    for number in range(3):
        run.notes[f"extra{number}"].cluster_id = run.clusters["A"]
    db.session.commit()
    report = build_report(run.workshop)
    html = report_html(report)
    findings, appendix = findings_of(html), appendix_of(html)

    [group_a] = re.findall(r"<h3>Turnos y agenda .*?</div>", findings, re.S)
    quoted = re.findall(r"<li>(.*?)</li>", group_a, re.S)
    assert len(quoted) == 3 and quoted[0].startswith("Turnos por teléfono")  # the first written
    assert "· 5 notes" in group_a and "and 2 more notes in the appendix, under idea 1" in group_a

    [loose_usf] = [g for g in re.findall(r"<h3>Not grouped .*?</div>", findings, re.S) if "extra" in g]
    assert re.findall(r"<li>(.*?)</li>", loose_usf, re.S) == [extras[3], extras[4], extras[5]]
    assert "· 5 notes" in loose_usf and "and 2 more notes in the appendix" in loose_usf

    # Small groups are shown whole and say nothing more; every note is in the appendix once.
    [group_b] = re.findall(r"<h3>Insumos y medicamentos .*?</div>", findings, re.S)
    assert len(re.findall(r"<li>", group_b)) == 2 and "more note" not in group_b
    for text in extras:
        assert appendix.count(text) == 1
    assert sum(html.count(text) for text in extras) == 8 + 1 + 3  # appendix, group A, loose


def test_spanish_findings_point_to_the_appendix(facilitator, make_workshop, make_participant, plans_dir):
    extras = tuple(f"Nota suelta {number}" for number in range(6))
    run = reform_workshop(facilitator, extra_notes=extras, language="es")
    findings = findings_of(report_html(build_report(run.workshop)))
    assert "y 3 notas más en el anexo" in findings
    assert "con hasta 3 de sus notas en las palabras de quienes participaron" in findings
