"""Measuring suggested groups against the labelled notes in tests/data/suggestions.

Shared by tests/suggestions/test_suggester.py and bench/suggestions.py (a
helper module, not a test module). Nothing here ships in the product.

- `load_notes` reads notes_es.csv: id, gold group, split (dev: notes the
  suggester was tuned on; holdout: notes it was not) and text.
- `adjusted_rand_index` compares two partitions of the same notes.
- `keyword_baseline` and `first_word_baseline` are the naive groupings the
  suggester must beat.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import comb
from pathlib import Path

from workshop.suggestions.suggester import STOP_WORDS

DATA = Path(__file__).resolve().parent.parent / "data" / "suggestions" / "notes_es.csv"


@dataclass(frozen=True)
class LabelledNote:
    id: str
    group: str
    split: str
    text: str


def load_notes(split: str | None = None) -> list[LabelledNote]:
    """The labelled notes in file order, all of them or one split ("dev" or "holdout")."""
    with DATA.open(encoding="utf-8", newline="") as handle:
        notes = [
            LabelledNote(row["id"], row["group"], row["split"], row["text"]) for row in csv.DictReader(handle)
        ]
    return [note for note in notes if split is None or note.split == split]


# Agreement ------------------------------------------------------------------------------------


def partition(ids: Sequence[Hashable], groups: Iterable[Sequence[Hashable]]) -> dict[Hashable, Hashable]:
    """A label for every id: its group's number, or a singleton label when no group holds it.

    A note the suggester leaves out is a group of its own, which is exactly how the
    labelled set marks an outlier (its own gold group).
    """
    labels: dict[Hashable, Hashable] = {}
    for number, group in enumerate(groups):
        for note_id in group:
            labels[note_id] = ("group", number)
    return {note_id: labels.get(note_id, ("alone", note_id)) for note_id in ids}


def adjusted_rand_index(gold: Mapping[Hashable, Hashable], predicted: Mapping[Hashable, Hashable]) -> float:
    """Hubert and Arabie's adjusted Rand index of two labellings of the same ids.

    Counts the pairs of notes that both partitions put together, corrected for the
    number expected by chance given the group sizes:

        ARI = (index - expected) / (max_index - expected)
        index     = sum over cells of the contingency table of C(n_ij, 2)
        expected  = sum_i C(a_i, 2) * sum_j C(b_j, 2) / C(n, 2)
        max_index = (sum_i C(a_i, 2) + sum_j C(b_j, 2)) / 2

    1 means identical partitions, about 0 a random one; it can be negative. When
    both partitions are all singletons (or one group) the two agree exactly: 1.
    """
    ids = list(gold)
    if set(ids) != set(predicted):
        raise ValueError("both labellings must cover the same ids")
    cells = Counter((gold[i], predicted[i]) for i in ids)
    rows = Counter(gold[i] for i in ids)
    columns = Counter(predicted[i] for i in ids)
    index = sum(comb(count, 2) for count in cells.values())
    sum_rows = sum(comb(count, 2) for count in rows.values())
    sum_columns = sum(comb(count, 2) for count in columns.values())
    total_pairs = comb(len(ids), 2)
    if total_pairs == 0:
        return 1.0
    expected = sum_rows * sum_columns / total_pairs
    maximum = (sum_rows + sum_columns) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


@dataclass(frozen=True)
class Agreement:
    ari: float
    groups: int
    coverage: float  # share of notes placed in some group
    purity: float  # share of grouped notes whose group's majority gold label is theirs


def agreement(notes: Sequence[LabelledNote], groups: Sequence[Sequence[Hashable]]) -> Agreement:
    """ARI, number of groups, coverage and purity of `groups` against the gold labels of `notes`."""
    gold = {note.id: note.group for note in notes}
    ari = adjusted_rand_index(gold, partition([note.id for note in notes], groups))
    grouped = sum(len(group) for group in groups)
    majority = sum(Counter(gold[i] for i in group).most_common(1)[0][1] for group in groups if group)
    return Agreement(
        ari=ari,
        groups=len(groups),
        coverage=grouped / len(notes) if notes else 0.0,
        purity=majority / grouped if grouped else 0.0,
    )


# Naive baselines ------------------------------------------------------------------------------

_RAW_WORD = re.compile(r"\w+")


def raw_words(text: str) -> set[str]:
    """Lower-cased words as typed: accents kept, no stemming, stop words dropped."""
    return {word for word in _RAW_WORD.findall(text.lower()) if word not in STOP_WORDS and len(word) > 1}


def keyword_baseline(notes: Sequence[LabelledNote], threshold: float) -> list[list[str]]:
    """Naive baseline 1: notes whose raw word sets have Jaccard >= threshold are linked;
    groups are the connected components of two notes or more."""
    words = [raw_words(note.text) for note in notes]
    parent = list(range(len(notes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(notes)):
        for j in range(i + 1, len(notes)):
            union = words[i] | words[j]
            if union and len(words[i] & words[j]) / len(union) >= threshold:
                parent[root(j)] = root(i)
    components: dict[int, list[str]] = defaultdict(list)
    for i, note in enumerate(notes):
        components[root(i)].append(note.id)
    return [group for group in components.values() if len(group) > 1]


def first_word_baseline(notes: Sequence[LabelledNote]) -> list[list[str]]:
    """Naive baseline 2: notes whose first raw content word (lower case, not a stop word) is
    the same form one group."""
    by_word: dict[str, list[str]] = defaultdict(list)
    for note in notes:
        words = [
            word for word in _RAW_WORD.findall(note.text.lower()) if word not in STOP_WORDS and len(word) > 1
        ]
        if words:
            by_word[words[0]].append(note.id)
    return [group for group in by_word.values() if len(group) > 1]


BASELINE_THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)


def best_baseline_threshold() -> float:
    """The keyword baseline's Jaccard threshold with the best ARI on the dev notes: the
    baseline gets the same tuning the suggester got."""
    dev = load_notes("dev")
    return max(BASELINE_THRESHOLDS, key=lambda t: (agreement(dev, keyword_baseline(dev, t)).ari, -t))
