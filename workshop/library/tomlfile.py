"""Plans as files: TOML in exactly the shape of `sessions/*.toml`, written and read.

tomli-w formats every value (strings escaped as TOML wants); this module only decides
the layout a person reads: the plan's fields in a fixed order, texts by language as
`title = { es = "…", en = "…" }` (or `prompt.es = "…"` lines when long), lane sets as
`[lanes.name]`, stages as `[[stages]]`. Loading the text back with `tomllib` gives the
same data, so `plan_from_data` gives an equal Plan.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from typing import Any

import tomli_w

from workshop.plans import Plan, PlanError, plan_from_data
from workshop.plans.loader import PLAN_FIELDS

LINE_LENGTH = 100
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def ordered_plan_data(plan: Plan) -> dict[str, Any]:
    """The plan's data (without its slug: a file's slug is its name), in reading order."""
    data = {key: value for key, value in plan.to_data().items() if key != "slug"}
    known = [key for key in PLAN_FIELDS if key in data]
    return {key: data[key] for key in [*known, *sorted(set(data) - set(known))]}


def plan_to_toml(plan: Plan) -> str:
    """The plan as a `sessions/*.toml` file."""
    return "".join(_table(ordered_plan_data(plan), ""))


def plan_from_toml(text: str, slug: str, source: str) -> Plan:
    """Parse and validate a plan file's text; errors as `load_plan_file` words them."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PlanError(f"{source}: not valid TOML ({error})") from None
    return plan_from_data(data, slug, source=source)


def _key(name: str) -> str:
    return name if BARE_KEY.match(name) else _literal(name)


def _literal(value: Any) -> str:
    """One TOML value as tomli-w writes it (strings, numbers, booleans)."""
    return tomli_w.dumps({"v": value}).split(" = ", 1)[1].rstrip("\n")


def _inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    return _literal(value)


def _is_table_of_tables(value: Any) -> bool:
    return isinstance(value, Mapping) and any(isinstance(v, (Mapping, list)) for v in value.values())


def _is_array_of_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, Mapping) for item in value)


def _fits(line: str) -> bool:
    return len(line) <= LINE_LENGTH and "\n" not in line


def _assignment(key: str, value: Any) -> Iterator[str]:
    """`key = value`: a short table inline, a long one as `key.sub = …` lines, an array
    of short tables one per line."""
    line = f"{_key(key)} = {_inline(value)}"
    if _fits(line):
        yield line + "\n"
    elif isinstance(value, Mapping):
        for sub, item in value.items():
            yield f"{_key(key)}.{_key(sub)} = {_inline(item)}\n"
    elif _is_array_of_tables(value):
        yield f"{_key(key)} = [\n"
        for item in value:
            yield f"  {_inline(item)},\n"
        yield "]\n"
    else:
        yield line + "\n"


def _table(table: Mapping[str, Any], name: str, array: bool = False) -> Iterator[str]:
    """A table's own values, then its sub-tables and arrays of tables."""
    values, tables = [], []
    for key, value in table.items():
        nested = _is_table_of_tables(value) or (
            _is_array_of_tables(value) and not all(_fits(f"  {_inline(item)},") for item in value)
        )
        (tables if nested else values).append((key, value))
    if array or (name and (values or not tables)):
        yield f"\n[[{name}]]\n" if array else f"\n[{name}]\n"
    for key, value in values:
        yield from _assignment(key, value)
    for key, value in tables:
        full = f"{name}.{_key(key)}" if name else _key(key)
        if isinstance(value, list):
            for item in value:
                yield from _table(item, full, array=True)
        else:
            yield from _table(value, full)
