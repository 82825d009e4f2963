"""Redirect targets taken from a request (`?next=`, a form's `next`) must stay on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def same_site_path(target: object) -> str | None:
    """`target` if it is a path on this site, else None.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash,
    so `/\\t/evil.example/` or `/\\evil.example` would leave the site: any control
    character, space or backslash is refused rather than cleaned, then the rest must
    parse as a path with no scheme and no host.
    """
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
