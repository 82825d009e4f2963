"""PDF report benchmark: what does our export path cost on top of bare WeasyPrint?

Builds a large workshop in a temporary SQLite instance through the services
(reform-codesign plan: ~1,000 notes from 30 participants in three lanes,
grouped into 40 groups, 5 dots each, the short list rated by everyone, a few
decisions, pilot notes left ungrouped), then times, several times each and
interleaved so drift hits all three alike:

  full      build_report + report_html + render_pdf (in-process, our URL fetcher)
  isolated  build_report + report_html + render_pdf_isolated (child process, rlimit; the
            warm spare child a server keeps after its first export, the cold one timed once)
  bare      weasyprint.HTML(string=html, base_url=...).write_pdf() on the same
            print HTML, the stylesheet given as a local file URL
  anchor    bare WeasyPrint on a minimal block-layout document with the same note
            texts, one <p> per visible note, same page size, margins and font
            (what any WeasyPrint report of these notes costs at least)

and prints the medians (wall and CPU time: on a shared machine the CPU time is
the steadier figure), the ratios full/bare, full/anchor and isolated/bare
(target: full within 1.3× of bare), where the time of the full path goes, and
page counts. The report prints every note once, whole, in the traceability appendix,
and quotes up to three notes of each group in the findings by lane; its cover, contents,
ranking table, charts and records cost about a second whatever the size.

Usage (from the project root):

    .venv/bin/python bench/report.py                 # 1,000 notes, 3 repetitions
    .venv/bin/python bench/report.py --notes 300 --repeat 5
    .venv/bin/python bench/report.py --keep out.pdf  # also write the PDF
    .venv/bin/python bench/report.py --notes 5000 --repeat 1 --no-isolated

Exit status: 0 when full/bare is within the target, 1 otherwise.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 1.3
WORDS = {
    "usf": [
        "turnos",
        "fila",
        "agenda",
        "consultorio",
        "farmacia",
        "curaciones",
        "vacunas",
        "registro",
        "visitas",
        "promotores",
        "horario",
        "sala de espera",
    ],
    "region": [
        "movilidad",
        "capacitación",
        "supervisión",
        "insumos",
        "pedidos",
        "equipos",
        "reuniones",
        "indicadores",
        "reconocimiento",
        "combustible",
        "rotación",
    ],
    "ministry": [
        "normativa",
        "presupuesto",
        "planillas",
        "sistema digital",
        "contratos",
        "incentivos",
        "stock mínimo",
        "compras",
        "protocolos",
        "salarios",
    ],
}
VERBS = [
    "Mejorar",
    "Asegurar",
    "Simplificar",
    "Reorganizar",
    "Coordinar",
    "Medir",
    "Compartir",
    "Reducir la demora de",
    "Planificar",
    "Publicar",
]
TAILS = [
    "para que la comunidad confíe en la USF",
    "sin sumar planillas",
    "con apoyo de la región sanitaria",
    "dentro del horario laboral",
    "en las compañías más alejadas",
    "con datos de cada mes",
    "junto a la comisión vecinal",
    "para no perder pacientes crónicos",
    "",
]


def _note_text(rng: random.Random, lane: str, number: int) -> str:
    words = WORDS[lane]
    text = f"{rng.choice(VERBS)} {rng.choice(words)} y {rng.choice(words)} {rng.choice(TAILS)}"
    if number % 7 == 0:  # some long notes, as people write them
        text += (
            ". Hoy se pierde mucho tiempo porque cada servicio lleva su propio cuaderno y "
            "nadie ve el total; proponemos una sola planilla compartida."
        )
    return text.strip()


def build_workshop(app, notes: int, groups: int, people: int, seed: int = 7):
    """A finished reform-codesign workshop made through the services; returns its id."""
    from workshop.accounts.services import create_facilitator
    from workshop.board.services import add_note
    from workshop.clustering.services import group_notes
    from workshop.extensions import db
    from workshop.plans import load_plan
    from workshop.ranking.services import set_decision
    from workshop.rating.services import rate
    from workshop.voting.services import candidates, cast_dot, set_vote_closed
    from workshop.workshops.services import change_stage, create_workshop, join_workshop

    rng = random.Random(seed)
    with app.app_context():
        owner = create_facilitator("bench@example.org", "correct horse battery")
        plan = load_plan("reform-codesign", Path(app.config["PLANS_DIR"]))
        workshop = create_workshop(
            owner, plan, "USF San Lorenzo · Co-diseño de reformas (bench)", "es", place="San Lorenzo, Central"
        )
        change_stage(workshop, owner, 1)
        participants = [join_workshop(workshop) for _ in range(people)]
        db.session.commit()
        pilot_notes = min(40, notes // 25)
        idea_notes = notes - pilot_notes
        ids: list[int] = []
        lanes = list(WORDS)
        for number in range(idea_notes):
            lane = lanes[number % 3]
            note, _new = add_note(
                workshop,
                participants[number % people],
                _note_text(rng, lane, number),
                uuid.uuid4().hex,
                1,
                lane,
            )
            if number % 10 == 3:  # as if imported from field notes (the import path sets these)
                note.evidence_id = f"FN-{number:04d}"
            ids.append(note.id)
            if number % 200 == 199:
                db.session.commit()
        db.session.commit()

        change_stage(workshop, owner, 2, reveal=True)  # the ideas were written privately
        rng.shuffle(ids)
        size = len(ids) // groups
        clusters = []
        for index in range(groups):
            chunk = ids[index * size : (index + 1) * size] if index < groups - 1 else ids[index * size :]
            clusters.append(
                group_notes(
                    workshop,
                    owner,
                    chunk,
                    f"Idea {index + 1}: {rng.choice(VERBS)} {rng.choice(WORDS[lanes[index % 3]])}",
                ).id
            )
        db.session.commit()

        change_stage(workshop, owner, 3)
        weights = [1.0 / (1 + i) ** 0.7 for i in range(groups)]
        for participant in participants:
            placed: dict[int, int] = {}
            while sum(placed.values()) < 5:
                target = rng.choices(clusters, weights)[0]
                if placed.get(target, 0) >= 2:
                    continue
                cast_dot(workshop, participant, target, uuid.uuid4().hex)
                placed[target] = placed.get(target, 0) + 1
        set_vote_closed(workshop, owner, True)
        db.session.commit()

        change_stage(workshop, owner, 4)
        shortlist = {idea["id"] for idea in candidates(workshop, 4)}  # the plan rates a short list
        for position, cluster_id in enumerate(clusters):
            if cluster_id not in shortlist:
                continue
            centre_x, centre_y = 1 + (position * 7 % 5), 1 + (position * 3 % 5)
            for participant in participants:
                rate(
                    workshop,
                    participant,
                    cluster_id,
                    min(5, max(1, centre_x + rng.choice((-1, 0, 0, 1)))),
                    min(5, max(1, centre_y + rng.choice((-1, 0, 0, 1)))),
                )
        db.session.commit()

        change_stage(workshop, owner, 5)
        for number in range(pilot_notes):
            lane = ("owner", "hypothesis", "indicator")[number % 3]
            add_note(
                workshop,
                participants[number % people],
                f"Idea {number % groups + 1}: {_note_text(rng, 'region', number)}",
                uuid.uuid4().hex,
                5,
                lane,
            )
        for cluster_id in clusters[:5]:
            set_decision(workshop, owner, "cluster", cluster_id, "selected")
        for cluster_id in clusters[-3:]:
            set_decision(workshop, owner, "cluster", cluster_id, "set_aside")
        db.session.commit()
        return workshop.id


ANCHOR_HTML = """<!doctype html>
<html lang="{language}"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 20mm 17mm 18mm 17mm; }}
html {{ font-family: "DejaVu Sans", sans-serif; font-size: 9pt; line-height: 1.4; }}
body {{ margin: 0; }} p {{ margin: 0 0 2.2mm; }}
</style></head><body>
{paragraphs}
</body></html>"""


def anchor_html(report: dict) -> str:
    """One <p> per visible note of the report: the least a PDF of these notes can cost."""
    from markupsafe import escape

    texts = [note["text"] for note in report["notes"] if not note["deleted"] and not note["hidden"]]
    paragraphs = "\n".join(f"<p>{escape(text)}</p>" for text in texts)
    return ANCHOR_HTML.format(language=report["workshop"]["language"], paragraphs=paragraphs)


def page_count(pdf: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(pdf)).pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--participants", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-isolated", action="store_true", help="skip render_pdf_isolated")
    parser.add_argument("--keep", metavar="PDF", help="write the last PDF of the full path here")
    args = parser.parse_args()

    os.environ.setdefault("WORKSHOP_RATELIMIT_ENABLED", "false")
    import weasyprint

    from workshop import create_app
    from workshop.core.models import Workshop
    from workshop.database import upgrade_database
    from workshop.extensions import db
    from workshop.reports.data import build_report
    from workshop.reports.pdf import render_pdf, render_pdf_isolated
    from workshop.reports.render import report_html

    with tempfile.TemporaryDirectory(prefix="report-bench-") as folder:
        app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
        upgrade_database(app)
        started = time.perf_counter()
        workshop_id = build_workshop(app, args.notes, args.groups, args.participants)
        print(
            f"workshop: {args.notes} notes, {args.groups} groups, {args.participants} "
            f"participants, built through the services in {time.perf_counter() - started:.1f} s"
        )

        static = Path(app.static_folder).resolve()
        results: dict[str, list[float]] = {"full": [], "isolated": [], "bare": [], "anchor": []}
        cpu: dict[str, list[float]] = {name: [] for name in results}
        phases: dict[str, list[float]] = {"build_report": [], "report_html": [], "render_pdf": []}
        pages: dict[str, int] = {}
        with app.app_context():
            workshop = db.session.get(Workshop, workshop_id)
            report = build_report(workshop)
            html = report_html(report)
            anchor = anchor_html(report)
            bare_html = html.replace('href="/static/', f'href="{static.as_uri()}/')
            print(f"print HTML: {len(html) / 1024:.0f} KB")
            weasyprint.HTML(string=bare_html, base_url=static.as_uri() + "/").write_pdf()  # warm-up
            last_pdf = {}

            def bare() -> None:
                started, cpu_started = time.perf_counter(), time.process_time()
                pdf = weasyprint.HTML(string=bare_html, base_url=static.as_uri() + "/").write_pdf()
                results["bare"].append(time.perf_counter() - started)
                cpu["bare"].append(time.process_time() - cpu_started)
                pages["bare"] = page_count(pdf)

            def anchored() -> None:
                started, cpu_started = time.perf_counter(), time.process_time()
                pdf = weasyprint.HTML(string=anchor).write_pdf()
                results["anchor"].append(time.perf_counter() - started)
                cpu["anchor"].append(time.process_time() - cpu_started)
                pages["anchor"] = page_count(pdf)

            def full() -> None:
                db.session.expire_all()  # build_report reads the database again, as an export does
                started, cpu_started = time.perf_counter(), time.process_time()
                report = build_report(workshop)
                t1 = time.perf_counter()
                document = report_html(report)
                t2 = time.perf_counter()
                pdf = render_pdf(document)
                t3 = time.perf_counter()
                cpu["full"].append(time.process_time() - cpu_started)
                results["full"].append(t3 - started)
                phases["build_report"].append(t1 - started)
                phases["report_html"].append(t2 - t1)
                phases["render_pdf"].append(t3 - t2)
                pages["full"] = page_count(pdf)
                last_pdf["full"] = pdf

            def isolated() -> None:
                db.session.expire_all()
                started = time.perf_counter()
                pdf = render_pdf_isolated(report_html(build_report(workshop)))
                results["isolated"].append(time.perf_counter() - started)
                cpu["isolated"].append(float("nan"))  # spent in the child
                pages["isolated"] = page_count(pdf)

            if not args.no_isolated:
                # The first export of a server process starts its renderer cold; later ones
                # find a warm spare (reports/pdf.py). Time the cold one once, then the warm ones.
                isolated()
                cold = results["isolated"].pop()
                print(f"  isolated, first export of the process (cold child): {cold:.2f} s")
            runs = [bare, full, anchored] + ([] if args.no_isolated else [isolated])
            for repetition in range(args.repeat):
                # Rotate the order so neither path always runs first (or right after the child).
                shift = repetition % len(runs)
                for run in runs[shift:] + runs[:shift]:
                    gc.collect()  # the previous render's garbage is not charged to the next one
                    run()
                print(
                    f"  repetition {repetition + 1}: "
                    + ", ".join(f"{name} {values[-1]:.2f} s" for name, values in results.items() if values)
                )
            if args.keep:
                Path(args.keep).write_bytes(last_pdf["full"])

    median = {name: statistics.median(values) for name, values in results.items() if values}
    cpu_median = {name: statistics.median(values) for name, values in cpu.items() if values}
    print()
    print(f"{'':10} {'median':>8} {'min':>8} {'max':>8} {'cpu':>8} {'pages':>6}")
    for name, values in results.items():
        if values:
            print(
                f"{name:10} {median[name]:8.2f} {min(values):8.2f} {max(values):8.2f} "
                f"{cpu_median[name]:8.2f} {pages[name]:6d}"
            )
    print(
        "full path: "
        + ", ".join(f"{name} {statistics.median(values):.2f} s" for name, values in phases.items())
    )
    ratio = median["full"] / median["bare"]
    cpu_ratio = cpu_median["full"] / cpu_median["bare"]
    print(f"ratio full/bare: {ratio:.2f} (target ≤ {TARGET}); cpu {cpu_ratio:.2f}")
    print(
        f"ratio full/anchor: {median['full'] / median['anchor']:.2f}; "
        f"cpu {cpu_median['full'] / cpu_median['anchor']:.2f} "
        "(cover, ranking, charts, quotes and records besides the notes)"
    )
    print(
        f"per note: full {1000 * cpu_median['full'] / args.notes:.2f} ms, "
        f"anchor {1000 * cpu_median['anchor'] / args.notes:.2f} ms of CPU (fixed costs included)"
    )
    if "isolated" in median:
        print(f"ratio isolated/bare: {median['isolated'] / median['bare']:.2f}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
