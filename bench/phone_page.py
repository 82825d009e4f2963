"""Phone page benchmark: what does a busy room cost the phone itself?

A phone in a room of hundreds receives every note the room posts. This script opens the
phone page in Chromium at 360×740 (Debian's, through Playwright) with its CPU slowed
down (`--throttle`, 4× by default: a cheap phone), then has 10 phones of the room post
--notes notes at --rate a second, and reads from Chromium's own counters how long the
page's main thread was busy (Performance.getMetrics: TaskDuration), and how long it
spent in script, style and layout. It then prints how many notes the page holds and how
tall it is. The reference, in the same run, is the same page for the same time with the
room silent: what the page costs with nothing arriving.

A real server (`workshop serve`, started as for fanout.py by bench/common.py: fresh
instance, gevent, rate limits off, workshops on their write stage), a real browser, real
Socket.IO clients for the room (tests/phones.py); the room's phones are python-socketio
clients in this process: at 10 notes/s they use a few % of a core.

Usage (from the project root; `make install-test` installs Playwright and
`apt-get install chromium` the browser):

    .venv/bin/python bench/phone_page.py                    # 600 notes at 10/s, 4× slower CPU
    .venv/bin/python bench/phone_page.py --notes 300 --throttle 6
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import WRITE_STAGE, AppOptions, new_workdir, start_app, stop_all  # noqa: E402

from tests.e2e.conftest import PHONE  # noqa: E402  (the browser tests' phone: 360×740, es-PY)
from tests.phones import Phone  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WRITERS = 10


def room_phones(server, workshop) -> list[Phone]:
    """WRITERS phones of the room, joined through the join link and connected."""
    phones = []
    for _ in range(WRITERS):
        phone = Phone(server.url)
        phone.http.get(server.url + workshop.join_path, timeout=30)
        phone.connect(workshop.id, "participant")
        phones.append(phone)
    return phones


def measure(browser, url: str, writers: list, args: argparse.Namespace, notes: int) -> dict:
    """Open the phone page, post `notes` notes over the same time either way, read the
    page's counters."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#conn[data-state=online]")
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})

    def counters() -> dict:
        return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}

    before, started = counters(), time.monotonic()
    span = args.notes / args.rate
    for number in range(notes):
        time.sleep(max(0.0, started + number / args.rate - time.monotonic()))
        writers[number % len(writers)].sio.emit(
            "add_note",
            {
                "text": f"Nota {number}: los turnos de la mañana se llenan antes de las siete",
                "client_id": str(uuid.uuid4()),
                "stage": WRITE_STAGE,
            },
            namespace="/live",
        )
    time.sleep(max(0.0, started + span + 2 - time.monotonic()))
    after, elapsed = counters(), time.monotonic() - started
    spent = {key: after[key] - before[key] for key in ("TaskDuration", "ScriptDuration", "LayoutDuration")}
    spent["StyleDuration"] = after["RecalcStyleDuration"] - before["RecalcStyleDuration"]
    result = {
        "elapsed": elapsed,
        **spent,
        "notes_on_page": page.locator("#notes li.note").count(),
        "height": page.evaluate("document.documentElement.scrollHeight"),
    }
    context.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=600, help="notes the room posts")
    parser.add_argument("--rate", type=float, default=10.0, help="notes a second")
    parser.add_argument("--throttle", type=float, default=4.0, help="CPU slowdown of the phone")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    workdir = new_workdir("phone-bench-")
    clients: list[Phone] = []
    try:
        # Two workshops on their write stage: a silent room, then a busy one.
        server = start_app(workdir, "gevent", AppOptions(workshops=2))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            results = {}
            for name, notes, workshop in zip(
                ("silent room", "busy room"), (0, args.notes), server.workshops, strict=True
            ):
                clients = room_phones(server, workshop)
                results[name] = measure(browser, server.url + workshop.join_path, clients, args, notes)
                for client in clients:
                    client.close()
                clients = []
            browser.close()
    finally:
        for client in clients:
            client.close()
        stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"phone page at 360×740, CPU {args.throttle:g}× slower; busy room: {args.notes} notes "
        f"at {args.rate:g}/s from {WRITERS} phones; the silent room is the reference"
    )
    print(f"{'':34s}{'silent room':>14s}{'busy room':>14s}")
    rows = [
        ("main thread busy (s)", "TaskDuration", "{:.2f}"),
        ("  script (s)", "ScriptDuration", "{:.2f}"),
        ("  style + layout (s)", None, "{:.2f}"),
        ("room's notes on the page", "notes_on_page", "{}"),
        ("page height (px)", "height", "{}"),
    ]
    for label, key, form in rows:
        cells = []
        for result in results.values():
            value = result["StyleDuration"] + result["LayoutDuration"] if key is None else result[key]
            cells.append(form.format(value))
        print(f"{label:34s}{cells[0]:>14s}{cells[1]:>14s}")
    busy = [100 * r["TaskDuration"] / r["elapsed"] for r in results.values()]
    print(f"{'main thread busy (% of the time)':34s}{busy[0]:>13.0f}%{busy[1]:>13.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
