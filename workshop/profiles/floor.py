"""The anonymity floor: the one function every breakdown passes through.

A breakdown shows what a group of people did (their dots, their ratings). With fewer
than k people in a group, a colleague can often tell who they are; so:

1. A group of at least k people is shown under its own name.
2. Groups under k are merged into one "other" group; shown if it reaches k.
3. What is left under k is never shown alone, and never so that it can be worked out
   by difference (the room's totals minus the groups shown): it joins the smallest
   group shown, which is then labelled as a merge of both. With no group to join, the
   breakdown is withheld entirely.

Whatever is merged or withheld is said (`merged`, `withheld`), so readers know.
Pure: no database, no I/O.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

DEFAULT_FLOOR = 3
MIN_FLOOR = 2
MAX_FLOOR = 50
OTHER = "__other__"


@dataclass(frozen=True)
class FlooredGroup:
    """A group as shown: its answer keys (one, or several merged), and its members."""

    keys: tuple[Hashable, ...]
    members: frozenset[int]

    @property
    def merged(self) -> bool:
        return len(self.keys) > 1


@dataclass(frozen=True)
class Floored:
    groups: tuple[FlooredGroup, ...] = ()
    withheld: bool = False  # too few people overall: no breakdown at all
    merged_keys: tuple[Hashable, ...] = field(default=())


def apply_floor(groups: Mapping[Hashable, set[int] | frozenset[int]], k: int) -> Floored:
    """Groups of participant ids by answer → the groups that may be shown (see module)."""
    if k < MIN_FLOOR:
        raise ValueError(f"the anonymity floor must be at least {MIN_FLOOR}")
    sized = sorted(((key, frozenset(members)) for key, members in groups.items() if members), key=_order)
    shown = [FlooredGroup((key,), members) for key, members in sized if len(members) >= k]
    small = [(key, members) for key, members in sized if len(members) < k]
    if small:
        rest = FlooredGroup(tuple(key for key, _ in small), frozenset().union(*(m for _, m in small)))
        if len(rest.members) >= k:
            shown.append(rest)
        elif shown:
            smallest = min(range(len(shown)), key=lambda i: (len(shown[i].members), i))
            target = shown[smallest]
            shown[smallest] = FlooredGroup(target.keys + rest.keys, target.members | rest.members)
        else:
            return Floored(withheld=True, merged_keys=rest.keys)
    if len(shown) < 2 and small:
        # One group holding everyone says nothing about anyone, but neither does it
        # compare anything: a breakdown needs two groups.
        return Floored(withheld=True, merged_keys=tuple(key for key, _ in small))
    merged = tuple(key for group in shown if group.merged for key in group.keys)
    return Floored(groups=tuple(shown), merged_keys=merged)


def _order(item: tuple[Hashable, frozenset[int]]) -> tuple[int, str]:
    key, members = item
    return (-len(members), str(key))
