"""Fan-out benchmark: how fast does a note reach every phone, and at what cost?

A workshop is one room: each note a participant posts is broadcast to every phone
in it. This script measures that fan-out for the app and for two bare relays that
only pass a note on to a room (bench/pyrelay.py, bench/loadgen/relay.js), one after
the other in the same run on the same machine, so the ratios app/python relay and
app/Node relay show what the app's own work costs on top of Socket.IO (see
bench/common.py for the targets).

For each target it:

1. starts the server fresh (the app: new instance, a facilitator, W `pd-discovery`
   workshops moved to their first write stage; rate limits off);
2. opens N phones spread round-robin over the W workshops, from --workers Node
   processes (bench/loadgen/worker.js); each phone of the app opens the join link
   (GET /j/<code>: the session cookie and the phone page in one answer),
   then connects to /live with auth {workshop, audience: "participant"};
3. posts notes open-loop, --rate a second in each workshop for --duration seconds
   (`add_note` with ack, from the workshop's connected phones in turn; a note leaves at
   its due time whether or not earlier ones were answered), and records when each
   phone receives each `note_added`; then waits --drain seconds for late deliveries;
4. prints: phones connected, notes sent and acked, deliveries expected (notes × phones
   connected in the note's workshop) and received, % missing, latency p50/p95/p99/max
   (note sent → one phone received it), note → last phone p95, ack p95, server CPU (%
   of one core, over the posting window), RSS and PSS of the server's process tree
   idle and with the phones, and the generator's own CPU and event-loop delay; then
   the ratios app/python relay (same async mode) and app/Node relay.

Times are CLOCK_MONOTONIC read in the Node workers (see worker.js), so a send in one
worker and a receive in another compare directly. The generator shares the machine:
when a worker was saturated (CPU > 85 % of a core, event-loop delay p99 > 50 ms or a
note leaving > 50 ms late) the run is flagged, as latencies then include its own
queueing.

Exit status: 0 if every phone connected and every note reached every phone, 1
otherwise, 2 on a setup error.

Usage (from the project root; `make bench-deps` installs the generator):

    .venv/bin/python bench/fanout.py                          # 200 phones, app/pyrelay/node
    .venv/bin/python bench/fanout.py -n 1000 --async-mode both --duration 30
    .venv/bin/python bench/fanout.py -n 2000 --workshops 20 --targets app-gevent,node
    .venv/bin/python bench/fanout.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import math
import shutil
import signal
import sys
import time

from common import (
    WRITE_STAGE,
    AppOptions,
    LoadGen,
    MachineCpu,
    SetupError,
    assign_phones,
    describe_target,
    error_summary,
    generator_figures,
    generator_saturated,
    load_average,
    machine_line,
    mono_us,
    new_workdir,
    others_cpu,
    parse_targets,
    prepare_generator,
    print_table,
    ratio_pairs,
    scratch_database,
    spread,
    start_target,
    stop_all,
)


def measure(target: str, args: argparse.Namespace, workdir, database_url) -> dict:
    options = AppOptions(
        workshops=args.workshops,
        threads=args.threads,
        database_url=database_url,
        message_queue=args.message_queue,
    )
    server = start_target(target, workdir, options, args.threads)
    try:
        time.sleep(1.0)
        phones = assign_phones(server, args.phones)
        load = LoadGen(
            server,
            phones,
            args.workers,
            workdir,
            transport=args.transport,
            concurrency=args.concurrency,
            retries=args.retries,
        )
        try:
            # Idle baseline with the generator running: its node processes share pages with
            # the Node relay, which lowers that relay's PSS from now on.
            rss_idle, pss_idle = server.memory_mb()
            started = time.monotonic()
            records = load.connect(timeout=120 + args.phones * 0.5)
            connect_seconds = time.monotonic() - started
            notes, expected_per_note = schedule(records, phones, args, load.prefix)
            t0 = notes[0][2] if notes else mono_us()
            window_end = t0 / 1e6 + args.duration
            load.go(notes, WRITE_STAGE)
            time.sleep(max(0.0, t0 / 1e6 - time.monotonic()))
            cpu_start, window_start = server.cpu_seconds(), time.monotonic()
            machine = MachineCpu()
            time.sleep(max(0.0, window_end - time.monotonic()))
            server_cpu = (server.cpu_seconds() - cpu_start) / (time.monotonic() - window_start)
            machine_cpu = machine.percent()
            time.sleep(args.drain)
            rss, pss = server.memory_mb()
            reports = load.report()
        finally:
            load.close()
    finally:
        server.stop()
    figures = summarize(records, reports, expected_per_note)
    figures.update(generator_figures(reports))
    # Whatever else ran on the machine meanwhile (other people's tests on a shared machine).
    figures["others_cpu"] = others_cpu(machine_cpu, server_cpu * 100, figures["gen_cpu_total"])
    figures.update(
        rss_idle=rss_idle,
        pss_idle=pss_idle,
        rss=rss,
        pss=pss,
        server_cpu=server_cpu * 100,
        machine_cpu=machine_cpu,
        connect_s=connect_seconds,
    )
    return figures


def schedule(records: list[dict], phones, args: argparse.Namespace, prefix: str):
    """Notes (phone, client id, due µs): --rate a second in each workshop, from its
    connected phones in turn; workshops offset so their notes interleave."""
    connected: dict[int, list[int]] = {}
    for (index, workshop), record in zip(phones, records, strict=True):
        if record.get("connected"):
            connected.setdefault(workshop.id, []).append(index)
    t0 = mono_us() + 2e6  # every worker has its notes well before the first is due
    per_workshop = int(args.rate * args.duration)
    notes, expected = [], {}
    for number, (_, senders) in enumerate(sorted(connected.items())):
        offset = number / len(connected) / args.rate
        for k in range(per_workshop):
            client_id = f"{prefix}-w{number:03d}-n{k:06d}"
            notes.append((senders[k % len(senders)], client_id, t0 + (offset + k / args.rate) * 1e6))
            expected[client_id] = len(senders)
    notes.sort(key=lambda note: note[2])
    return notes, expected


def summarize(records: list[dict], reports: list[dict], expected: dict[str, int]) -> dict:
    sent = {entry[0]: entry for report in reports for entry in report["sent"]}
    deliveries: dict[str, list[float]] = {}
    for report in reports:
        for client_id, times in report["received"].items():
            deliveries.setdefault(client_id, []).extend(times)
    latencies, to_last = [], []
    received = missing_unacked = 0
    for client_id, (_, sent_at, _, ok, _) in sent.items():
        times = deliveries.get(client_id, [])
        received += min(len(times), expected[client_id])
        if not ok:  # refused or never acknowledged: the server may not have kept it
            missing_unacked += max(0, expected[client_id] - len(times))
        latencies += [(at - sent_at) / 1000 for at in times]
        if times:
            to_last.append((max(times) - sent_at) / 1000)
    acks = [(ack - at) / 1000 for _, at, ack, ok, _ in sent.values() if ack is not None]
    refused = [entry for entry in sent.values() if entry[2] is not None and not entry[3]]
    expected_total = sum(expected[client_id] for client_id in sent)
    latency, last, ack = spread(latencies), spread(to_last), spread(acks)
    joins = [r["join_ms"] + r.get("page_ms", 0) for r in records if "join_ms" in r]
    return {
        "phones": len(records),
        "connected": sum(1 for r in records if r.get("connected")),
        "connect_error": error_summary(records),
        "retried": sum(1 for r in records if r.get("attempts", 1) > 1),
        "first_error": error_summary(records, "first_error"),
        "join_p95": spread(joins)["p95"] if joins else math.nan,
        "sent": len(sent),
        "acked": sum(1 for e in sent.values() if e[3]),
        "refused": len(refused),
        "first_refusal": refused[0][4] if refused else None,
        "expected": expected_total,
        "received": received,
        "missing_pct": 100 * (expected_total - received) / expected_total if expected_total else math.nan,
        "missing_unacked": missing_unacked,
        "extra": sum(len(t) for t in deliveries.values()) - received,
        "p50": latency["p50"],
        "p95": latency["p95"],
        "p99": latency["p99"],
        "max": latency["max"],
        "last_p95": last["p95"],
        "ack_p95": ack["p95"],
        "dropped": sum(r["disconnects"] for r in reports),
        "drop_reasons": sorted({x for r in reports for x in r["disconnect_reasons"]}),
    }


ROWS = [
    ("phones connected", "connected", "{:.0f}"),
    ("phones that had to retry", "retried", "{:.0f}"),
    ("join + phone page p95 (ms)", "join_p95", "{:.0f}"),
    ("notes sent", "sent", "{:.0f}"),
    ("notes acked ok", "acked", "{:.0f}"),
    ("deliveries expected", "expected", "{:.0f}"),
    ("deliveries received", "received", "{:.0f}"),
    ("missing after the drain (%)", "missing_pct", "{:.2f}"),
    ("  missing, of notes not acked ok", "missing_unacked", "{:.0f}"),
    ("latency p50 (ms)", "p50", "{:.1f}"),
    ("latency p95 (ms)", "p95", "{:.1f}"),
    ("latency p99 (ms)", "p99", "{:.1f}"),
    ("latency max (ms)", "max", "{:.0f}"),
    ("note → last phone p95 (ms)", "last_p95", "{:.1f}"),
    ("ack p95 (ms)", "ack_p95", "{:.1f}"),
    ("server CPU (% of a core)", "server_cpu", "{:.0f}"),
    ("server RSS idle (MB)", "rss_idle", "{:.0f}"),
    ("server RSS with phones (MB)", "rss", "{:.0f}"),
    ("server PSS with phones (MB)", "pss", "{:.0f}"),
    ("generator CPU, busiest worker (%)", "gen_cpu_max", "{:.0f}"),
    ("generator CPU, all workers (%)", "gen_cpu_total", "{:.0f}"),
    ("generator loop delay p99 (ms)", "gen_loop_p99", "{:.1f}"),
    ("generator send lag max (ms)", "gen_send_lag", "{:.1f}"),
    ("machine CPU (% of all cores)", "machine_cpu", "{:.0f}"),
    ("  used elsewhere (% of a core)", "others_cpu", "{:.0f}"),
]
RATIO_KEYS = {"p50", "p95", "p99", "max", "last_p95", "ack_p95", "server_cpu", "rss", "pss", "rss_idle"}


DISTANCES = [
    ("latency p95", "p95", "ms"),
    ("server CPU", "server_cpu", "% of a core"),
    ("server PSS", "pss", "MB"),
]


def distance_lines(figures: dict[str, dict]) -> list[str]:
    """Where the app's distance to the Node relay goes, per async mode: the Node relay, plus
    what the python Socket.IO stack adds (python relay - Node relay), plus the app's own work
    (app - python relay)."""
    lines = []
    for mode in ("threading", "gevent"):
        app, relay, node = (figures.get(t) for t in (f"app-{mode}", f"pyrelay-{mode}", "node"))
        if not (app and relay and node):
            continue
        parts = [
            f"{label} node {node[key]:.0f} + python stack {relay[key] - node[key]:+.0f} + app's own "
            f"{app[key] - relay[key]:+.0f} = app {app[key]:.0f} {unit}"
            for label, key, unit in DISTANCES
        ]
        lines.append(f"distance to node, {mode}: " + "; ".join(parts))
    return lines


def problems(figures: dict[str, dict]) -> list[str]:
    notes = []
    for name, fig in figures.items():
        if fig["connected"] < fig["phones"]:
            notes.append(
                f"{name}: only {fig['connected']}/{fig['phones']} phones connected, {fig['connect_error']}"
            )
        if fig["retried"]:
            notes.append(
                f"{name}: {fig['retried']} phones connected only on a retry (join flow "
                f"started over): {fig['first_error']}"
            )
        if fig["received"] < fig["expected"]:
            notes.append(
                f"{name}: {fig['expected'] - fig['received']} deliveries missing "
                f"({fig['missing_pct']:.2f} %; {fig['missing_unacked']} of them of notes the server "
                "did not ack ok)"
            )
        if fig["refused"]:
            notes.append(f"{name}: {fig['refused']} notes refused, e.g. {fig['first_refusal']}")
        if fig["acked"] + fig["refused"] < fig["sent"]:
            notes.append(f"{name}: {fig['sent'] - fig['acked'] - fig['refused']} notes never acknowledged")
        if fig["dropped"]:
            notes.append(
                f"{name}: {fig['dropped']} phones were disconnected during the run "
                f"({', '.join(fig['drop_reasons'])})"
            )
        if fig["extra"]:
            notes.append(f"{name}: {fig['extra']} deliveries more than expected (duplicates)")
        saturated = generator_saturated(fig)
        busy = fig["machine_cpu"] > 90
        if saturated:
            why = (
                "its own CPU was low: the machine was busy"
                if busy and fig["gen_cpu_max"] < 50
                else "try more --workers or a lower rate"
            )
            notes.append(
                f"{name}: GENERATOR FELL BEHIND ({saturated}): latencies include its own queueing; {why}"
            )
        if busy:
            notes.append(
                f"{name}: the machine was busy ({fig['machine_cpu']:.0f}% of all cores, "
                "other processes included): server and generator competed for CPU"
            )
    return notes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", "-n", type=int, default=200, help="phones, in total")
    parser.add_argument("--workshops", "-w", type=int, default=1, help="workshops the phones are spread over")
    parser.add_argument("--rate", type=float, default=10.0, help="notes per second in each workshop")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of posting")
    parser.add_argument(
        "--drain", type=float, default=10.0, help="seconds to wait for late deliveries after the last note"
    )
    parser.add_argument(
        "--targets",
        default="app,pyrelay,node",
        help="comma-separated: app, pyrelay, node, or app-gevent, "
        "pyrelay-threading... (default: app,pyrelay,node)",
    )
    parser.add_argument(
        "--async-mode",
        choices=["threading", "gevent", "both"],
        default="gevent",
        help="stack of `app` and `pyrelay` (both: one target each; default gevent, as `workshop serve`)",
    )
    parser.add_argument("--transport", choices=["websocket", "polling"], default="websocket")
    parser.add_argument(
        "--workers", type=int, default=2, help="load-generator processes the phones are spread over"
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, help="phones each worker opens at once while connecting"
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="times a phone that failed to join or connect starts over, as a "
        "person reloads the page (counted and reported)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="connections a server process holds (gthread threads or gevent "
        "worker_connections; default: phones + 100)",
    )
    parser.add_argument(
        "--database-url",
        help="run the app on a fresh database on this PostgreSQL server "
        "(default: SQLite in the instance folder)",
    )
    parser.add_argument(
        "--message-queue",
        help="Redis URL for the app-…-xN targets (several processes behind HAProxy)",
    )
    args = parser.parse_args(argv)
    if (
        min(args.phones, args.workshops, args.workers, args.concurrency) < 1
        or args.rate <= 0
        or args.duration <= 0
    ):
        parser.error(
            "--phones, --workshops, --workers, --concurrency, --rate and --duration must be positive"
        )
    if args.workshops > args.phones:
        parser.error("more workshops than phones")
    args.threads = args.threads or args.phones + 100
    args.target_list = parse_targets(args.targets, args.async_mode)
    return args


def run(args: argparse.Namespace) -> int:
    prepare_generator()
    print(
        f"fan-out: {args.phones} phones in {args.workshops} workshop(s), {args.rate:g} notes/s "
        f"per workshop for {args.duration:g} s (+{args.drain:g} s drain), {args.transport}, "
        f"{args.workers} generator processes; rate limits off "
        f"(WORKSHOP_RATELIMIT_ENABLED=false); app database: "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}"
    )
    print(machine_line())
    for target in args.target_list:
        print(f"  {describe_target(target)}")
    figures: dict[str, dict] = {}
    workdir = new_workdir("fanout-")
    for target in args.target_list:
        # A fresh PostgreSQL database for each app (None: SQLite in its instance folder).
        with scratch_database(args.database_url if target.startswith("app") else None) as database_url:
            print(
                f"- {target}: starting, connecting {args.phones} phones, posting... "
                f"(load average {load_average():.2f})",
                flush=True,
            )
            figures[target] = measure(target, args, workdir, database_url)
            fig = figures[target]
            print(
                f"  {fig['connected']}/{fig['phones']} connected in {fig['connect_s']:.0f} s; "
                f"p95 {fig['p95']:.1f} ms; missing {fig['missing_pct']:.2f} %",
                flush=True,
            )
    print()
    print_table(figures, ROWS, ratio_pairs(args.target_list), RATIO_KEYS)
    for line in distance_lines(figures):
        print(line)
    print(f"(after: {machine_line()})")
    for problem in problems(figures):
        print(f"! {problem}")
    complete = all(f["received"] >= f["expected"] and f["connected"] == f["phones"] for f in figures.values())
    if complete:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"server and generator logs: {workdir}")
    return 0 if complete else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return run(args)
    except SetupError as error:
        print(f"setup failed: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
