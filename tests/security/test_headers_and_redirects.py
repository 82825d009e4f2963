"""Every page carries security headers; redirect targets from a request stay on this site."""

from __future__ import annotations

import pytest

from workshop.safe_urls import same_site_path

LOGIN = {"email": "ana@example.org", "password": "correct horse battery"}


@pytest.mark.parametrize("path", ["/", "/login", "/setup", "/join?code=XXX-XXX", "/healthz", "/nowhere"])
def test_every_page_has_security_headers(client, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_the_phone_console_and_projector_pages_carry_no_inline_script(client, workshop, facilitator):
    client.get(f"/j/{workshop.code}")
    pages = [client.get(f"/p/{workshop.code}"), client.get(f"/s/{workshop.screen_token}")]
    client.post("/login", data=LOGIN)
    pages.append(client.get(f"/w/{workshop.id}"))
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        # Only data blocks and module files: nothing a CSP without 'unsafe-inline' would block.
        for tag in html.split("<script")[1:]:
            assert 'type="application/json"' in tag.split(">")[0] or " src=" in tag.split(">")[0]
        assert " onclick=" not in html and " style=" not in html


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\t/evil.example/",
        "/%09/evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        " /w/",
        "/w/\n",
        "",
        None,
    ],
)
def test_redirect_targets_leaving_the_site_are_refused(target):
    assert same_site_path(target) in (None, "/%09/evil.example/")  # %09 stays a path segment


@pytest.mark.parametrize("target", ["/w/", "/w/3?tab=report", "/p/ABCDEF#notes"])
def test_paths_on_this_site_are_kept(target):
    assert same_site_path(target) == target


@pytest.mark.parametrize("next_url", ["/\t/evil.example/", "//evil.example", "/\\evil.example"])
def test_login_never_redirects_to_another_site(client, facilitator, next_url):
    response = client.post("/login", query_string={"next": next_url}, data=LOGIN)
    assert response.status_code == 302
    assert response.headers["Location"] in ("/w/", "http://workshop.test/w/", "http://localhost/w/")


def test_the_language_switch_never_redirects_to_another_site(client):
    response = client.post("/lang/en", data={"next": "/\t/evil.example/"})
    assert response.headers["Location"].endswith("/")
    assert "evil" not in response.headers["Location"]
