"""A phone gets the strings its scripts use, and only those: every key phone.js and the
modules it imports pass to `t(…)` is in the phone page's block; console-only ones are not."""

from __future__ import annotations

import json
import re

from workshop.audiences.strings import PHONE_SCRIPTS, keys_used_by


def test_the_phone_page_carries_every_string_its_scripts_use_and_no_console_string(app, workshop, client):
    client.get(f"/j/{workshop.code}")
    page = client.get(f"/p/{workshop.code}").get_data(as_text=True)
    strings = json.loads(
        re.search(r'<script type="application/json" id="live-strings">(.*?)</script>', page, re.S).group(1)
    )
    keys, _prefixes = keys_used_by(PHONE_SCRIPTS)
    assert keys <= set(strings), keys - set(strings)
    assert {"online", "offline", "connecting"} <= set(strings)
    assert "suggest_groups" not in strings and "confirm_remove" not in strings  # the console's
