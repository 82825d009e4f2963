"""Idle-connection benchmark: what does a phone that is only connected cost the server?

Phones sit on a workshop page most of the time, connected and silent. For each
target (the app, the bare python relay, the bare Node relay; see bench/common.py)
this script starts the server fresh, measures its memory idle, opens C phones spread
round-robin over W workshops (the app's phones through the join flow: GET /j/<code>,
the phone page, then /live), holds them T seconds (Engine.IO pings every 20 s keep
them alive) and prints:

- phones connected, failed, hung (no `state` and no error within --connect-timeout),
  connected only on a retry, still connected at the end, disconnected during the hold;
- server RSS and PSS (whole process tree) idle, after connecting, after the hold, and
  the peak (sampled every second);
- memory per connection: (RSS after the hold - RSS idle) / phones connected, in KB,
  and the same for PSS; then the ratios app/python relay and app/Node relay;
- server CPU while holding (pings), generator CPU and event-loop delay.

Exit status: 0 if every phone connected and stayed connected, 1 otherwise, 2 on a
setup error.

Usage (from the project root; `make bench-deps` installs the generator):

    .venv/bin/python bench/idle.py                          # 5,000 phones, 100 workshops, 600 s
    .venv/bin/python bench/idle.py -c 500 -w 10 --hold 30   # a quick check
    .venv/bin/python bench/idle.py --targets app-gevent,node
"""

from __future__ import annotations

import argparse
import math
import shutil
import signal
import sys
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
        workshops=args.workshops, threads=args.threads, database_url=database_url, write_stage=False
    )
    server = start_target(target, workdir, options, args.threads)
    try:
        time.sleep(2.0)
        load = LoadGen(
            server,
            assign_phones(server, args.connections),
            args.workers,
            workdir,
            transport=args.transport,
            concurrency=args.concurrency,
            connect_timeout=args.connect_timeout,
            retries=args.retries,
        )
        try:
            # Idle baseline with the generator running: its node processes share pages with
            # the Node relay, which lowers that relay's PSS from now on.
            rss_idle, pss_idle = server.memory_mb()
            with MemorySampler(server) as sampler:
                started = time.monotonic()
                records = load.connect(timeout=120 + args.connections * 0.5)
                connect_seconds = time.monotonic() - started
                rss_connected, pss_connected = server.memory_mb()
                cpu_start, hold_start = server.cpu_seconds(), time.monotonic()
                machine = MachineCpu()
                end, next_line = hold_start + args.hold, hold_start + 60
                while (now := time.monotonic()) < end:
                    time.sleep(min(end, next_line) - now)
                    if next_line < end and time.monotonic() >= next_line:
                        print(
                            f"  holding: {time.monotonic() - hold_start:.0f}/{args.hold:g} s, "
                            f"RSS {server.memory_mb()[0]:.0f} MB",
                            flush=True,
                        )
                        next_line += 60
                server_cpu = (server.cpu_seconds() - cpu_start) / (time.monotonic() - hold_start)
                machine_cpu = machine.percent()
                rss, pss = server.memory_mb()
            reports = load.report()
        finally:
            load.close()
    finally:
        server.stop()
    connected = sum(1 for r in records if r.get("connected"))
    states = spread([r["state_ms"] for r in records if "state_ms" in r])

    def per_connection(after: float, before: float) -> float:
        return (after - before) * 1024 / connected if connected else math.nan

    figures = {
        "phones": len(records),
        "connected": connected,
        "failed": sum(1 for r in records if not r.get("connected")),
        "hung": sum(1 for r in records if r.get("hung") and not r.get("connected")),
        "retried": sum(1 for r in records if r.get("attempts", 1) > 1),
        "error": error_summary(records),
        "first_error": error_summary(records, "first_error"),
        "connected_end": sum(r["connected_now"] for r in reports),
        "dropped": sum(r["disconnects"] for r in reports),
        "drop_reasons": sorted({x for r in reports for x in r["disconnect_reasons"]}),
        "connect_s": connect_seconds,
        "state_p95": states["p95"],
        "rss_idle": rss_idle,
        "pss_idle": pss_idle,
        "rss_connected": rss_connected,
        "pss_connected": pss_connected,
        "rss": rss,
        "pss": pss,
        "rss_peak": sampler.peak_rss,
        "rss_kb": per_connection(rss, rss_idle),
        "pss_kb": per_connection(pss, pss_idle),
        "server_cpu": server_cpu * 100,
        "machine_cpu": machine_cpu,
    }
    figures.update(generator_figures(reports))
    figures["others_cpu"] = others_cpu(machine_cpu, server_cpu * 100, figures["gen_cpu_total"])
    return figures


ROWS = [
    ("phones connected", "connected", "{:.0f}"),
    ("  failed", "failed", "{:.0f}"),
    ("  of which hung", "hung", "{:.0f}"),
    ("  connected only on a retry", "retried", "{:.0f}"),
    ("connecting took (s)", "connect_s", "{:.0f}"),
    ("time to state p95 (ms)", "state_p95", "{:.0f}"),
    ("still connected after the hold", "connected_end", "{:.0f}"),
    ("disconnected during the hold", "dropped", "{:.0f}"),
    ("server RSS idle (MB)", "rss_idle", "{:.0f}"),
    ("server RSS after connecting (MB)", "rss_connected", "{:.0f}"),
    ("server RSS after the hold (MB)", "rss", "{:.0f}"),
    ("server RSS peak (MB)", "rss_peak", "{:.0f}"),
    ("server PSS idle (MB)", "pss_idle", "{:.0f}"),
    ("server PSS after the hold (MB)", "pss", "{:.0f}"),
    ("RSS per connection (KB)", "rss_kb", "{:.0f}"),
    ("PSS per connection (KB)", "pss_kb", "{:.0f}"),
    ("server CPU while holding (%)", "server_cpu", "{:.1f}"),
    ("generator CPU, busiest worker (%)", "gen_cpu_max", "{:.1f}"),
    ("generator loop delay p99 (ms)", "gen_loop_p99", "{:.1f}"),
    ("machine CPU while holding (%)", "machine_cpu", "{:.0f}"),
    ("  used elsewhere (% of a core)", "others_cpu", "{:.0f}"),
]
RATIO_KEYS = {"rss", "pss", "rss_kb", "pss_kb", "rss_peak", "server_cpu"}


def problems(figures: dict[str, dict]) -> list[str]:
    notes = []
    for name, fig in figures.items():
        if fig["failed"]:
            notes.append(
                f"{name}: {fig['failed']}/{fig['phones']} phones did not connect "
                f"({fig['hung']} hung): {fig['error']}"
            )
        if fig["retried"]:
            notes.append(f"{name}: {fig['retried']} phones connected only on a retry: {fig['first_error']}")
        if fig["dropped"]:
            notes.append(
                f"{name}: {fig['dropped']} phones were disconnected during the hold "
                f"({', '.join(fig['drop_reasons'])})"
            )
        saturated = generator_saturated(fig)
        if saturated:
            notes.append(f"{name}: GENERATOR SATURATED ({saturated})")
    return notes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", "-c", type=int, default=5000, help="phones, in total")
    parser.add_argument(
        "--workshops", "-w", type=int, default=100, help="workshops the phones are spread over"
    )
    parser.add_argument("--hold", type=float, default=600.0, help="seconds the phones stay connected")
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
    parser.add_argument("--workers", type=int, default=2, help="load-generator processes")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="phones each worker opens at once while connecting"
    )
    parser.add_argument(
        "--retries", type=int, default=2, help="times a phone that failed to join or connect starts over"
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=30.0,
        help="seconds a phone waits for its `state` before it counts as hung",
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="connections a server process holds (default: phones + 100)"
    )
    parser.add_argument("--database-url", help="run the app on a fresh database on this PostgreSQL server")
    args = parser.parse_args(argv)
    if min(args.connections, args.workshops, args.workers, args.concurrency) < 1 or args.hold <= 0:
        parser.error("--connections, --workshops, --workers, --concurrency and --hold must be positive")
    if args.workshops > args.connections:
        parser.error("more workshops than phones")
    args.threads = args.threads or args.connections + 100
    args.target_list = parse_targets(args.targets, args.async_mode)
    return args


def run(args: argparse.Namespace) -> int:
    prepare_generator()
    print(
        f"idle: {args.connections} phones over {args.workshops} workshop(s), held "
        f"{args.hold:g} s, {args.transport}, {args.workers} generator processes; rate limits "
        f"off (WORKSHOP_RATELIMIT_ENABLED=false); app database: "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}"
    )
    print(machine_line())
    for target in args.target_list:
        print(f"  {describe_target(target)}")
    figures: dict[str, dict] = {}
    workdir = new_workdir("idle-")
    for target in args.target_list:
        # A fresh PostgreSQL database for each app (None: SQLite in its instance folder).
        with scratch_database(args.database_url if target.startswith("app") else None) as database_url:
            print(
                f"- {target}: starting, connecting {args.connections} phones, holding... "
                f"(load average {load_average():.2f})",
                flush=True,
            )
            figures[target] = measure(target, args, workdir, database_url)
            fig = figures[target]
            print(
                f"  {fig['connected']}/{fig['phones']} connected in {fig['connect_s']:.0f} s; "
                f"{fig['rss_kb']:.0f} KB RSS per connection",
                flush=True,
            )
    print()
    print_table(figures, ROWS, ratio_pairs(args.target_list), RATIO_KEYS)
    print(f"(after: {machine_line()})")
    for problem in problems(figures):
        print(f"! {problem}")
    complete = all(
        f["connected"] == f["phones"] and f["connected_end"] == f["phones"] for f in figures.values()
    )
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
