"""Connect-storm benchmark: a room full of phones opens the join link at once.

A workshop already holds M notes (default 1,000, imported with `workshop import`
before the server starts); then P phones (default 500) open its join link within S
seconds (default 10), arriving at evenly spaced times whatever the server answers,
each from the --workers Node processes (bench/loadgen/worker.js) as a new phone:

1. GET /j/<code> (the join link: sets the session cookie and answers with the phone page;
   an older server's redirect is followed), with the cookie and `Accept-Encoding: gzip,
   deflate, br` as a browser sends (with --assets, also the /assets/ files the page
   links to directly);
2. connect to /live with auth {workshop, audience: "participant"} and wait for `state`.

It prints, for the app in each async mode asked for: how many phones had their state
within --deadline seconds (default 15) of opening the link, failures by reason, p50 /
p95 / max of the join link's and the page's response times and of the time to `state`
(from opening the link), the page's bytes on the wire and decoded, the `state`
event's size (its JSON, as the client got it), page + state bytes per phone, server
CPU during the storm and its peak memory, and the generator's own health.

No phone retries: a failure counts as one. Exit status: 0 if every phone had its state
within the deadline, 1 otherwise, 2 on a setup error.

Usage (from the project root; `make bench-deps` installs the generator):

    .venv/bin/python bench/storm.py                               # 500 phones, 1,000 notes, 10 s
    .venv/bin/python bench/storm.py -p 100 -m 200 --async-mode both
    .venv/bin/python bench/storm.py --assets --database-url postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import math
import shutil
import signal
import sys
import threading
import time

from common import (
    AppOptions,
    LoadGen,
    MachineCpu,
    MemorySampler,
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
    scratch_database,
    spread,
    start_target,
    stop_all,
)

LATE_ARRIVAL_MS = 500.0  # a phone opening the link later than this flags the generator


def measure(target: str, args: argparse.Namespace, workdir, database_url) -> dict:
    options = AppOptions(workshops=1, threads=args.threads, database_url=database_url, notes=args.notes)
    server = start_target(target, workdir, options, args.threads)
    try:
        time.sleep(1.0)
        load = LoadGen(
            server,
            assign_phones(server, args.phones),
            args.workers,
            workdir,
            transport=args.transport,
            connect_timeout=args.connect_timeout,
            assets=args.assets,
            retries=0,
        )
        try:
            # Idle baseline with the generator running: its node processes share pages with
            # the Node relay, which lowers that relay's PSS from now on.
            rss_idle, _ = server.memory_mb()
            t0 = mono_us() + 1e6
            starts = {index: t0 + index * args.within / args.phones * 1e6 for index in range(args.phones)}
            with MemorySampler(server, every=0.5) as sampler:
                time.sleep(max(0.0, t0 / 1e6 - time.monotonic()))
                cpu_start, storm_start = server.cpu_seconds(), time.monotonic()
                machine = MachineCpu()
                # CPU while the phones arrive (the storm proper), whatever the stragglers do.
                arrivals: list[tuple[float, float]] = []
                timer = threading.Timer(
                    max(args.within, 1.0), lambda: arrivals.append((server.cpu_seconds(), machine.percent()))
                )
                timer.start()
                records = load.connect(args.within + args.connect_timeout + 120, starts)
                timer.cancel()
                seconds = time.monotonic() - storm_start
                cpu_total = server.cpu_seconds() - cpu_start
                cpu_at, machine_cpu = arrivals[0] if arrivals else (cpu_start + cpu_total, math.nan)
                server_cpu = (cpu_at - cpu_start) / max(args.within, 1.0)
            rss, _ = server.memory_mb()
            load.report()
        finally:
            load.close()
    finally:
        server.stop()
    figures = summarize(records, args)
    figures.update(generator_figures(load.connect_reports))
    figures["others_cpu"] = others_cpu(machine_cpu, server_cpu * 100, figures["gen_cpu_total"])
    figures.update(
        rss_idle=rss_idle,
        rss=rss,
        rss_peak=sampler.peak_rss,
        storm_s=seconds,
        server_cpu=server_cpu * 100,
        cpu_total=cpu_total,
        machine_cpu=machine_cpu,
    )
    return figures


def summarize(records: list[dict], args: argparse.Namespace) -> dict:
    def values(key: str, only_ok: bool = False) -> list[float]:
        return [r[key] for r in records if key in r and (r.get("connected") or not only_ok)]

    on_time = [r for r in records if r.get("connected") and r["state_ms"] <= args.deadline * 1000]
    join, page, state = spread(values("join_ms")), spread(values("page_ms")), spread(values("state_ms", True))
    wire, decoded = spread(values("page_wire_bytes")), spread(values("page_bytes"))
    state_bytes = spread(values("state_bytes"))
    assets = spread(values("asset_wire_bytes"))
    both = [
        r["page_wire_bytes"] + r["state_bytes"]
        for r in records
        if "page_wire_bytes" in r and "state_bytes" in r
    ]
    encodings = sorted({str(r.get("page_encoding") or "none") for r in records if "page_status" in r})
    return {
        "phones": len(records),
        "on_time": len(on_time),
        "on_time_pct": 100 * len(on_time) / len(records) if records else math.nan,
        "connected": sum(1 for r in records if r.get("connected")),
        "failed": sum(1 for r in records if not r.get("connected")),
        "hung": sum(1 for r in records if r.get("hung") and not r.get("connected")),
        "error": error_summary(records),
        "join_bad": sum(1 for r in records if not 300 <= r.get("join_status", 0) < 400),
        "page_bad": sum(1 for r in records if r.get("page_status") != 200),
        "join_p50": join["p50"],
        "join_p95": join["p95"],
        "join_max": join["max"],
        "page_p50": page["p50"],
        "page_p95": page["p95"],
        "page_max": page["max"],
        "state_p50": state["p50"],
        "state_p95": state["p95"],
        "state_max": state["max"],
        "page_wire_kb": wire["p50"] / 1024,
        "page_kb": decoded["p50"] / 1024,
        "encoding": ",".join(encodings),
        "state_kb": state_bytes["p50"] / 1024,
        "state_max_kb": state_bytes["max"] / 1024,
        "both_kb": spread(both)["p50"] / 1024,
        "asset_kb": assets["p50"] / 1024 if args.assets else None,
        "start_lag": spread(values("start_lag_ms"))["max"],
    }


ROWS = [
    ("phones", "phones", "{:.0f}"),
    ("state within the deadline", "on_time", "{:.0f}"),
    ("state within the deadline (%)", "on_time_pct", "{:.1f}"),
    ("failed (no state)", "failed", "{:.0f}"),
    ("  of which hung", "hung", "{:.0f}"),
    ("join link not a redirect", "join_bad", "{:.0f}"),
    ("phone page not 200", "page_bad", "{:.0f}"),
    ("join link p50 (ms)", "join_p50", "{:.0f}"),
    ("join link p95 (ms)", "join_p95", "{:.0f}"),
    ("join link max (ms)", "join_max", "{:.0f}"),
    ("phone page p50 (ms)", "page_p50", "{:.0f}"),
    ("phone page p95 (ms)", "page_p95", "{:.0f}"),
    ("phone page max (ms)", "page_max", "{:.0f}"),
    ("time to state p50 (ms)", "state_p50", "{:.0f}"),
    ("time to state p95 (ms)", "state_p95", "{:.0f}"),
    ("time to state max (ms)", "state_max", "{:.0f}"),
    ("phone page on the wire (KB, p50)", "page_wire_kb", "{:.1f}"),
    ("phone page decoded (KB, p50)", "page_kb", "{:.1f}"),
    ("phone page Content-Encoding", "encoding", "{}"),
    ("state event JSON (KB, p50)", "state_kb", "{:.1f}"),
    ("page (wire) + state per phone (KB)", "both_kb", "{:.1f}"),
    ("linked static files, wire (KB)", "asset_kb", "{:.1f}"),
    ("server CPU while phones arrive (%)", "server_cpu", "{:.0f}"),
    ("server CPU time, whole storm (s)", "cpu_total", "{:.1f}"),
    ("storm lasted, last phone done (s)", "storm_s", "{:.1f}"),
    ("server RSS before the storm (MB)", "rss_idle", "{:.0f}"),
    ("server RSS peak (MB)", "rss_peak", "{:.0f}"),
    ("generator CPU, busiest worker (%)", "gen_cpu_max", "{:.0f}"),
    ("generator loop delay p99 (ms)", "gen_loop_p99", "{:.1f}"),
    ("generator late arrival max (ms)", "start_lag", "{:.1f}"),
    ("machine CPU while phones arrive (%)", "machine_cpu", "{:.0f}"),
    ("  used elsewhere (% of a core)", "others_cpu", "{:.0f}"),
]


def problems(figures: dict[str, dict], args: argparse.Namespace) -> list[str]:
    notes = []
    for name, fig in figures.items():
        if fig["on_time"] < fig["phones"]:
            notes.append(
                f"{name}: {fig['phones'] - fig['on_time']}/{fig['phones']} phones had no "
                f"state within {args.deadline:g} s; failures: {fig['error'] or 'none'}"
            )
        saturated = generator_saturated(fig)
        if fig["start_lag"] > LATE_ARRIVAL_MS:
            late = f"phones opened the link up to {fig['start_lag']:.0f} ms late"
            saturated = f"{saturated}; {late}" if saturated else late
        if saturated:
            notes.append(f"{name}: GENERATOR SATURATED ({saturated})")
    return notes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", "-p", type=int, default=500, help="phones that arrive")
    parser.add_argument(
        "--notes", "-m", type=int, default=1000, help="notes the workshop holds before the storm"
    )
    parser.add_argument(
        "--within", "-s", type=float, default=10.0, help="seconds over which the phones open the join link"
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=15.0,
        help="seconds after opening the link a phone should have its state",
    )
    parser.add_argument(
        "--async-mode",
        choices=["threading", "gevent", "both"],
        default="gevent",
        help="the app's server stack (default gevent, as `workshop serve`)",
    )
    parser.add_argument("--transport", choices=["websocket", "polling"], default="websocket")
    parser.add_argument(
        "--assets", action="store_true", help="also fetch the /static/ files the phone page links to"
    )
    parser.add_argument("--workers", type=int, default=2, help="load-generator processes")
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=60.0,
        help="seconds a phone waits for its page and its state before it gives up",
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="connections the server holds (default: phones + 100)"
    )
    parser.add_argument("--database-url", help="run the app on a fresh database on this PostgreSQL server")
    args = parser.parse_args(argv)
    if min(args.phones, args.workers) < 1 or args.notes < 0 or args.within < 0:
        parser.error("--phones and --workers must be positive, --notes and --within not negative")
    args.threads = args.threads or args.phones + 100
    args.target_list = parse_targets("app", args.async_mode)
    return args


def run(args: argparse.Namespace) -> int:
    prepare_generator()
    print(
        f"storm: {args.phones} phones open the join link within {args.within:g} s, workshop "
        f"with {args.notes} notes, deadline {args.deadline:g} s, {args.transport}, "
        f"{args.workers} generator processes; rate limits off "
        f"(WORKSHOP_RATELIMIT_ENABLED=false); database: "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}"
    )
    print(machine_line())
    for target in args.target_list:
        print(f"  {describe_target(target)}")
    figures: dict[str, dict] = {}
    workdir = new_workdir("storm-")
    for target in args.target_list:
        # A fresh PostgreSQL database for each app (None: SQLite in its instance folder).
        with scratch_database(args.database_url if target.startswith("app") else None) as database_url:
            print(
                f"- {target}: importing {args.notes} notes, starting, storming... "
                f"(load average {load_average():.2f})",
                flush=True,
            )
            figures[target] = measure(target, args, workdir, database_url)
            fig = figures[target]
            print(
                f"  {fig['on_time']}/{fig['phones']} had their state within "
                f"{args.deadline:g} s; p95 {fig['state_p95']:.0f} ms",
                flush=True,
            )
    print()
    print_table(figures, ROWS)
    print(f"(after: {machine_line()})")
    for problem in problems(figures, args):
        print(f"! {problem}")
    complete = all(f["on_time"] == f["phones"] for f in figures.values())
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
