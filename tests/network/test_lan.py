"""Phones in the room reach the laptop: `workshop serve` on the network prints the address
it detects, and join links (the QR code) never send a phone to 127.0.0.1."""

from __future__ import annotations

import ipaddress

import pytest

from workshop.audiences.state import public_links
from workshop.cli import serving_message
from workshop.delivery import lan
from workshop.delivery.lan import is_loopback, join_base_url, lan_url

LAN = "http://192.168.1.23:5000"


@pytest.fixture
def app_config(app_config, monkeypatch):
    """No WORKSHOP_BASE_URL: links follow the request, as on a laptop in a room."""
    monkeypatch.delenv("WORKSHOP_BASE_URL", raising=False)
    return {key: value for key, value in app_config.items() if key != "BASE_URL"}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("[::1]", True),
        ("::1", True),
        ("192.168.1.23", False),
        ("10.0.0.5", False),
        ("0.0.0.0", False),
        ("workshop.example.org", False),
    ],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def test_lan_url_for_each_way_of_listening():
    def detect():
        return "192.168.1.23"

    assert lan_url("127.0.0.1", 5000, detect) is None  # phones cannot reach it
    assert lan_url("localhost", 5000, detect) is None
    assert lan_url("0.0.0.0", 5000, detect) == LAN
    assert lan_url("::", 8080, detect) == "http://192.168.1.23:8080"
    assert lan_url("10.0.0.5", 5000, detect) == "http://10.0.0.5:5000"  # the address asked for
    assert lan_url("fd00::5", 5000, detect) == "http://[fd00::5]:5000"
    assert lan_url("0.0.0.0", 5000, lambda: None) is None  # no network at all


def test_the_detected_address_is_one_phones_could_reach():
    """Whatever this machine has: nothing, or an IPv4 address that is not the loopback."""
    address = lan.lan_address()
    if address is not None:
        parsed = ipaddress.ip_address(address)
        assert parsed.version == 4
        assert not parsed.is_loopback and not parsed.is_unspecified


def test_the_probe_falls_back_to_the_host_names_addresses(monkeypatch):
    class NoRoute:
        def __init__(self, *args):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

        def connect(self, address):
            raise OSError("Network is unreachable")

    monkeypatch.setattr(lan.socket, "socket", NoRoute)
    monkeypatch.setattr(
        lan.socket,
        "getaddrinfo",
        lambda *args: [(2, 1, 6, "", ("127.0.1.1", 0)), (2, 1, 6, "", ("192.168.7.4", 0))],
    )
    assert lan.lan_address() == "192.168.7.4"
    monkeypatch.setattr(lan.socket, "getaddrinfo", lambda *args: [(2, 1, 6, "", ("127.0.1.1", 0))])
    assert lan.lan_address() is None


def test_join_base_url():
    assert join_base_url("http://127.0.0.1:5000/", LAN) == LAN
    assert join_base_url("http://localhost:5000/", LAN) == LAN
    assert join_base_url("http://192.168.1.23:5000/", LAN) == LAN
    # Reached some other way (a name, another interface): that way works for phones too.
    assert join_base_url("http://sala.local:5000/", LAN) == "http://sala.local:5000"
    assert join_base_url("http://127.0.0.1:5000/", None) == "http://127.0.0.1:5000"


def test_a_console_opened_on_the_laptop_gets_the_network_address(app, workshop):
    app.config["LAN_URL"] = LAN
    with app.test_request_context("/", base_url="http://127.0.0.1:5000"):
        links = public_links(workshop)
    assert links["join_url"] == f"{LAN}/j/{workshop.code}"
    assert links["screen_url"].startswith(LAN + "/s/")
    # The facilitator stays where they logged in.
    assert links["facilitator_url"] == f"http://127.0.0.1:5000/w/{workshop.id}"
    with app.test_request_context("/", base_url="http://10.1.1.9:5000"):
        assert public_links(workshop)["join_url"] == f"http://10.1.1.9:5000/j/{workshop.code}"


def test_the_projector_page_shows_the_network_join_link(app, client, workshop):
    app.config["LAN_URL"] = LAN
    page = client.get(f"/s/{workshop.screen_token}", base_url="http://127.0.0.1:5000").get_data(as_text=True)
    assert f"{LAN}/j/{workshop.code}" in page
    assert "127.0.0.1" not in page


def test_without_a_network_address_links_follow_the_request(app, workshop):
    app.config.pop("LAN_URL", None)
    with app.test_request_context("/", base_url="http://127.0.0.1:5000"):
        assert public_links(workshop)["join_url"] == f"http://127.0.0.1:5000/j/{workshop.code}"


def test_a_configured_base_url_wins(app, workshop):
    app.config.update(LAN_URL=LAN, BASE_URL="https://taller.example.org", BASE_URL_FROM_ENVIRONMENT=True)
    with app.test_request_context("/", base_url="http://127.0.0.1:5000"):
        assert public_links(workshop)["join_url"] == f"https://taller.example.org/j/{workshop.code}"


def test_serve_prints_the_join_address(app, monkeypatch):
    monkeypatch.setattr(lan, "lan_address", lambda: "192.168.1.23")
    app.config.pop("LAN_URL", None)
    message = serving_message(app, "0.0.0.0", 5000)
    assert "phones in the room join at http://192.168.1.23:5000" in message
    assert app.config["LAN_URL"] == LAN

    app.config.pop("LAN_URL")
    message = serving_message(app, "127.0.0.1", 5000)
    assert "HOST=0.0.0.0" in message
    assert "LAN_URL" not in app.config

    app.config.update(BASE_URL="https://taller.example.org", BASE_URL_FROM_ENVIRONMENT=True)
    assert "join links use https://taller.example.org" in serving_message(app, "0.0.0.0", 5000)
