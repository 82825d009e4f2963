"""The anonymity floor: no group under k is ever shown, alone or by difference."""

from __future__ import annotations

import random

import pytest

from workshop.profiles.floor import apply_floor


def people(start: int, count: int) -> set[int]:
    return set(range(start, start + count))


def sizes(floored):
    return {group.keys: len(group.members) for group in floored.groups}


def test_groups_at_the_floor_or_above_are_shown_on_their_own():
    floored = apply_floor({"nursing": people(0, 4), "medicine": people(10, 3)}, 3)
    assert sizes(floored) == {("nursing",): 4, ("medicine",): 3}
    assert not floored.withheld and floored.merged_keys == ()


def test_small_groups_are_merged_into_one_that_reaches_the_floor():
    floored = apply_floor({"nursing": people(0, 5), "admin": people(10, 2), "other": people(20, 1)}, 3)
    assert sizes(floored) == {("nursing",): 5, ("admin", "other"): 3}
    assert set(floored.merged_keys) == {"admin", "other"}


def test_a_remainder_under_the_floor_joins_the_smallest_group_shown():
    """Shown alone, or left out while the totals are shown, it would be known by difference."""
    groups = {"nursing": people(0, 6), "medicine": people(10, 3), "admin": people(20, 1), None: people(30, 1)}
    floored = apply_floor(groups, 3)
    assert sizes(floored) == {("nursing",): 6, ("medicine", None, "admin"): 5}
    assert set().union(*(g.members for g in floored.groups)) == set().union(*groups.values())


def test_nothing_is_shown_when_only_one_group_could_be():
    floored = apply_floor({"nursing": people(0, 4), "admin": people(10, 2)}, 3)
    assert floored.withheld and floored.groups == ()
    assert apply_floor({"admin": people(0, 2)}, 3).withheld


def test_a_floor_under_two_would_show_individuals_and_is_refused():
    with pytest.raises(ValueError):
        apply_floor({"a": {1}}, 1)


@pytest.mark.parametrize("seed", range(200))
def test_for_any_room_every_group_shown_reaches_the_floor_and_nobody_is_left_out(seed):
    rng = random.Random(seed)
    k = rng.randint(2, 6)
    groups, next_id = {}, 0
    for key in range(rng.randint(1, 7)):
        count = rng.randint(1, 9)
        groups[key] = people(next_id, count)
        next_id += count
    floored = apply_floor(groups, k)
    everyone = set().union(*groups.values())
    if floored.withheld:
        assert floored.groups == ()
        return
    assert all(len(group.members) >= k for group in floored.groups)
    shown = [group.members for group in floored.groups]
    assert set().union(*shown) == everyone  # totals minus shown groups reveal no one
    assert sum(len(m) for m in shown) == len(everyone)  # no one counted twice
