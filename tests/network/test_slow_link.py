"""A phone on a slow link (200 ms each way, 50 KB/s down, 20 KB/s up, CPU ×4) joins a
workshop: first-load bytes on the wire, time to a usable note box, time to connected,
and from send to the projector, printed. The link is a local delay proxy
(tests/slow_link.py), so WebSocket frames are slowed too, not only page loads.

Measured on 2 cores (Chromium 360×740): before compression and caching, 128.0 KB, box
usable 5.14 s, connected 6.22 s, send → projector 1.08 s; now 38.8 KB, 2.78 s, 4.66 s,
0.52 s. Only the bytes are asserted: the issue's ≤ 2 s (box) and ≤ 3 s (connected) are not
reached yet (a new TCP connection per parallel request, the join redirect and Engine.IO's
polling handshake each cost a round trip of 0.4 s), and times vary with the machine's load."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.servers import new_workshop, running_server
from tests.slow_link import SlowLink

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FIRST_LOAD_LIMIT = 40 * 1024

PLAN = """
languages = ["es", "en"]
title = { es = "Enlace lento", en = "Slow link" }
description = { es = "Escribir.", en = "Write." }

[[stages]]
id = "ideas"
kind = "write"
title = { es = "Ideas", en = "Ideas" }
prompt = { es = "¿Qué funciona en tu unidad?", en = "What works in your unit?" }
"""

# Times from the start of the navigation, taken in the page: DOMContentLoaded fires once
# the page's module scripts have run (the box then sends through the outbox); "connected"
# when the page says so.
MARKS = """
window.__marks = {};
document.addEventListener("DOMContentLoaded", () => { window.__marks.usable = performance.now(); });
new MutationObserver(() => {
  const conn = document.getElementById("conn");
  if (conn && conn.dataset.state === "online" && !window.__marks.connected) {
    window.__marks.connected = performance.now();
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
"""


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def test_a_phone_on_a_slow_link(browser, tmp_path):
    from playwright.sync_api import expect

    with running_server("sqlite", tmp_path / "instance") as server:
        plan = tmp_path / "slow-link.toml"
        plan.write_text(PLAN)
        created = new_workshop(server, plan=str(plan))
        projector = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="es-PY").new_page()
        projector.goto(created["screen_url"])
        expect(projector.locator("#conn")).to_have_attribute("data-state", "online")

        with SlowLink("127.0.0.1", server.port, delay=0.2, down=50_000, up=20_000) as link:
            context = browser.new_context(
                viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="es-PY"
            )
            # Plain HTTP on a room's network: browsers offer gzip, not brotli.
            context.set_extra_http_headers({"Accept-Encoding": "gzip, deflate"})
            context.add_init_script(MARKS)
            phone = context.new_page()
            context.new_cdp_session(phone).send("Emulation.setCPUThrottlingRate", {"rate": 4})
            join_path = created["join_url"].split("/", 3)[3]
            phone.goto(f"{link.url}/{join_path}", wait_until="commit", timeout=30_000)
            phone.wait_for_function("() => window.__marks && window.__marks.connected", timeout=30_000)
            marks = phone.evaluate("() => window.__marks")
            first_load = link.received

            phone.fill("#note-text", "Por un enlace lento")
            started = time.monotonic()
            phone.locator("#send").tap()
            expect(projector.locator("#notes .note-text", has_text="Por un enlace lento")).to_be_visible(
                timeout=20_000
            )
            to_projector = time.monotonic() - started
            context.close()

    print(
        "\nslow link (200 ms each way, 50/20 KB/s, CPU ×4): "
        f"first load {first_load / 1024:.1f} KB on the wire, note box usable {marks['usable'] / 1000:.2f} s, "
        f"connected {marks['connected'] / 1000:.2f} s, send → projector {to_projector:.2f} s"
    )
    assert first_load <= FIRST_LOAD_LIMIT
