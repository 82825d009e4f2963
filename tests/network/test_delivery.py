"""Pages reach phones on weak networks: compressed, fingerprinted and cached for a year,
announced up front (modulepreload), with a favicon; and a phone's first load, measured
in Chromium on the wire, stays under 40 KB."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from workshop.delivery.assets import minified_script, static_files

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FIRST_LOAD_LIMIT = 40 * 1024
YEAR = "max-age=31536000"


def _phone_page(client, workshop, encoding: str = "gzip"):
    client.get(f"/j/{workshop.code}")
    return client.get(f"/p/{workshop.code}", headers={"Accept-Encoding": encoding})


def _html(response) -> str:
    body = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return body.decode()


def test_the_phone_page_and_its_scripts_are_gzipped(client, workshop):
    page = _phone_page(client, workshop)
    assert page.status_code == 200
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    html = _html(page)
    assert 'id="note-text"' in html
    scripts = re.findall(r'(?:src|href)="(/assets/[^"]+\.js)"', html)
    assert len(scripts) >= 6  # phone.js and the five modules it imports
    for url in scripts:
        response = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
        assert response.status_code == 200, url
        assert response.headers["Content-Encoding"] == "gzip", url
        plain = gzip.decompress(response.data)
        source = (ROOT / "static" / url.split("/", 3)[3]).read_bytes()
        assert len(response.data) < len(source) / 2, url  # compressed and without comments
        assert len(plain) <= len(source)


def test_gzip_is_chosen_even_where_brotli_and_zstd_are_offered(client, workshop):
    """Over HTTPS browsers offer brotli and zstd too; gzip is the smallest of the three here."""
    page = _phone_page(client, workshop, encoding="gzip, deflate, br, zstd")
    assert page.headers["Content-Encoding"] == "gzip"
    only_brotli = client.get(f"/p/{workshop.code}", headers={"Accept-Encoding": "br"})
    assert only_brotli.headers["Content-Encoding"] == "br"


def test_fingerprinted_urls_are_cached_for_a_year_without_cookies(client, workshop):
    html = _html(_phone_page(client, workshop))
    urls = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
    assert any(url.endswith("/css/app.css") for url in urls)
    assert any(url.endswith("/favicon.svg") for url in urls)
    for url in urls:
        response = client.get(url)
        cache = response.headers["Cache-Control"]
        assert response.status_code == 200, url
        assert "public" in cache and YEAR in cache and "immutable" in cache, url
        # A cookie would make the browser fetch it again, and a proxy could store it.
        assert "Set-Cookie" not in response.headers
        assert "cookie" not in response.headers.get("Vary", "").lower()


def test_the_version_changes_with_the_files(tmp_path):
    from workshop.delivery.assets import StaticFiles

    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("export const a = 1;\n")
    before = StaticFiles.scan(tmp_path).version
    assert StaticFiles.scan(tmp_path).version == before
    (tmp_path / "js" / "a.js").write_text("export const a = 2;\n")
    assert StaticFiles.scan(tmp_path).version != before


def test_other_static_urls_are_revalidated(client):
    with client.get("/static/js/phone.js") as plain:  # a file stream: closed after
        assert plain.status_code == 200
        assert "no-cache" in plain.headers["Cache-Control"]
    with client.get("/static/js/phone.js", headers={"If-None-Match": plain.headers["ETag"]}) as again:
        assert again.status_code == 304
    # A page from before a restart names an older version: today's file, revalidated.
    stale = client.get("/assets/0123456789ab/js/phone.js")
    assert stale.status_code == 200
    assert "no-cache" in stale.headers["Cache-Control"] and "immutable" not in stale.headers["Cache-Control"]
    assert client.get(f"/assets/{static_files().version}/js/nothing.js").status_code == 404
    assert client.get(f"/assets/{static_files().version}/../workshop/config.py").status_code == 404


def test_favicon(client, workshop):
    html = _html(_phone_page(client, workshop))
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert icon
    assert client.get(icon.group(1)).mimetype == "image/svg+xml"
    fallback = client.get("/favicon.ico")  # pages without the link (downloads, errors)
    assert fallback.status_code == 200
    assert fallback.mimetype == "image/svg+xml"
    assert b"<svg" in fallback.data


def test_every_page_script_preloads_what_it_imports(client, workshop):
    html = _html(_phone_page(client, workshop))
    preloaded = re.findall(r'<link rel="modulepreload" href="/assets/[^/]+/([^"]+)">', html)
    assert set(preloaded) == {
        "js/live.js",
        "js/outbox.js",
        "js/strings.js",
        "js/timer.js",
        "vendor/socket.io-client/socket.io.esm.min.js",
    }
    assert "js/phone.js" not in preloaded
    # Every module any page loads is known to the graph, so none is fetched late.
    files = static_files()
    for page in ("js/phone.js", "js/facilitate.js", "js/screen.js", "js/downloads.js"):
        for module in files.imports(page):
            assert (ROOT / "static" / module).is_file(), module


def test_minifying_changes_no_token_of_any_script(tmp_path):
    """rJSmin takes out comments and whitespace only: the scripts' tokens stay the same."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "espree").is_dir():
        if os.environ.get("CI"):
            pytest.fail("node and node_modules (make js-check) are needed")
        pytest.skip("node or node_modules/espree missing (make js-check)")
    pairs = []
    for path in sorted((ROOT / "static" / "js").glob("*.js")):
        minified = tmp_path / path.name
        minified.write_text(minified_script(path.read_text(encoding="utf-8")), encoding="utf-8")
        pairs.append([str(path), str(minified)])
    script = """
        import { readFileSync } from "node:fs";
        import * as espree from "espree";
        const tokens = (file) => espree.tokenize(readFileSync(file, "utf8"),
          { ecmaVersion: "latest", sourceType: "module" }).map((t) => [t.type, t.value]);
        const different = [];
        for (const [original, minified] of JSON.parse(process.argv[1])) {
          if (JSON.stringify(tokens(original)) !== JSON.stringify(tokens(minified))) different.push(original);
        }
        console.log(JSON.stringify(different));
    """
    done = subprocess.run(
        [node, "--input-type=module", "-e", script, json.dumps(pairs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == []
    # And none is sent as it is (a template literal nested in another stops rJSmin).
    unminified = [Path(p).name for p, m in pairs if Path(m).stat().st_size >= Path(p).stat().st_size]
    assert unminified == []


@pytest.mark.e2e
def test_first_load_of_the_phone_page_on_the_wire(tmp_path):
    """A phone on the room's Wi-Fi (plain HTTP: browsers offer gzip and deflate, brotli
    only over HTTPS) opens the join link: every byte received until it is connected,
    headers included, from the join redirect to Socket.IO's first exchanges."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    from tests.servers import new_workshop, running_server

    with running_server("sqlite", tmp_path / "instance") as server:
        created = new_workshop(server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                context = browser.new_context(
                    viewport={"width": 360, "height": 740}, is_mobile=True, locale="es-PY"
                )
                page = context.new_page()
                page.set_extra_http_headers({"Accept-Encoding": "gzip, deflate"})
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                received: dict[str, int] = {}
                responses: dict[str, dict] = {}
                redirects: list[int] = []
                websockets: list[int] = []

                def will_send(event: dict) -> None:
                    if event.get("redirectResponse"):
                        redirects.append(event["redirectResponse"].get("encodedDataLength", 0))

                cdp.on("Network.requestWillBeSent", will_send)
                cdp.on(
                    "Network.responseReceived",
                    lambda event: responses.__setitem__(event["requestId"], event["response"]),
                )
                cdp.on(
                    "Network.loadingFinished",
                    lambda event: received.__setitem__(event["requestId"], event["encodedDataLength"]),
                )
                cdp.on(
                    "Network.webSocketHandshakeResponseReceived",
                    lambda event: websockets.append(event["response"]["status"]),
                )
                page.goto(created["join_url"])
                page.wait_for_selector("#conn[data-state=online]", timeout=20_000)
                page.wait_for_timeout(1500)  # the upgrade to WebSocket, the favicon
                rows = []
                for request_id, size in received.items():
                    response = responses.get(request_id, {})
                    headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
                    rows.append((size, headers.get("content-encoding", "-"), response.get("url", "?")))
                total = sum(size for size, _, _ in rows) + sum(redirects)
                print("\nphone first load, bytes on the wire (headers included):")
                for size, encoding, url in rows:
                    print(f"{size:8d}  {encoding:7s} {url.replace(server.url, '')[:90]}")
                print(f"{sum(redirects):8d}  -       (join redirect)")
                print(f"{total:8d}  total ({total / 1024:.1f} KB; limit {FIRST_LOAD_LIMIT // 1024} KB)")
                # Compression reached every page, script and style (Socket.IO's polling
                # compresses only its larger answers itself); the live link still works.
                for size, encoding, url in rows:
                    if "/socket.io/" not in url and size > 1500:
                        assert encoding == "gzip", url
                assert 101 in websockets  # WebSocket upgrade untouched by compression
                assert total <= FIRST_LOAD_LIMIT
            finally:
                browser.close()
