"""Join codes: six characters without look-alikes, read aloud and typed on phones."""

from __future__ import annotations

import secrets

# No look-alikes (0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, 6/G): easy to read aloud and to type.
CODE_ALPHABET = "ACEFHJKMNPRTUVWXY34679"
CODE_LENGTH = 6


def new_join_code() -> str:
    """A random code such as ``K7M-X3P``: 22^6 ≈ 113 million codes, look-ups are rate limited."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str | None) -> str:
    """Accept what people type: lower case, spaces, dashes, O for 0 and so on."""
    cleaned = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    return cleaned.translate(str.maketrans("01", "OI"))


def format_code(code: str) -> str:
    """The code as it is shown and read aloud: ``K7M-X3P``."""
    return f"{code[:3]}-{code[3:]}"
