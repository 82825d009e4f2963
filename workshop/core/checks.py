"""Input checks shared by every service: events and forms bring untyped JSON and text.

A wrong type, a huge integer or a boolean where a number is expected must become
`InvalidInput` with a message a person can read, never a database error: ids are
checked against the range every database's primary keys can hold, and `True` is not
the number 1.
"""

from __future__ import annotations

import re
from typing import Any

from workshop.errors import InvalidInput

# Messages are lazy strings (`lazy_gettext`): translated only when a check fails, so a
# valid input never fixes the request's language before the page chose it.
Message = Any

# The largest id every backend can look up: the primary keys are INTEGER, 32 bits on
# PostgreSQL (SQLite's rowid holds 64); a larger number sent to PostgreSQL is a
# database error ("integer out of range"), not an id that does not exist.
MAX_ID = 2**31 - 1


def whole_number(value: Any, message: Message, low: int | None = None, high: int | None = None) -> int:
    """`value` if it is an int (not a bool) within [low, high]; raises InvalidInput(message)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(str(message))
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidInput(str(message))
    return value


def identifier(value: Any, message: Message) -> int:
    """A database id as a client sent it: a positive integer a primary key can hold."""
    return whole_number(value, message, 1, MAX_ID)


def identifiers(value: Any, message: Message, most: int) -> list[int]:
    """A non-empty list of at most `most` ids, duplicates dropped, order kept."""
    if not isinstance(value, list) or not value or len(value) > most:
        raise InvalidInput(str(message))
    return list(dict.fromkeys(identifier(item, message) for item in value))


def typed_number(text: Any) -> int | None:
    """A whole number as a form or a person typed it (" 12 "), or None when it is not one.

    Only ASCII digits, at most 19 of them (a number that size still goes through the
    checks against MAX_ID): `str.isdigit` also accepts "²" and "١", which `int` refuses, and `int`
    refuses a string of thousands of digits; both would otherwise be a server error.
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def flag(value: Any, message: Message) -> bool:
    """A yes/no answer that must really be a boolean (not 0, 1 or "true")."""
    if not isinstance(value, bool):
        raise InvalidInput(str(message))
    return value


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def storable_text(value: Any, message: Message) -> str:
    """People's text made storable and trimmed; raises InvalidInput(message) if not text.

    Text a database cannot store is cleaned, not refused: NUL (PostgreSQL refuses
    it) and the other C0 control characters except newline and tab are removed,
    and a lone surrogate (half of a UTF-16 pair: a browser can send one, UTF-8
    cannot encode it) becomes U+FFFD. They are invisible or meaningless, come from
    pasting, and refusing the whole text for them would make a person retype it.
    A lone CR becomes a newline. Emptiness and length are the caller's to judge.
    """
    if not isinstance(value, str):
        raise InvalidInput(str(message))
    text = CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # UTF-16 joins the halves that do pair up and replaces the lone ones.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text.strip()
