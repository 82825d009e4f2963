"""Suggested groups benchmark: agreement with the labelled notes, and time.

Prints, for the labelled notes in tests/data/suggestions/notes_es.csv:

  agreement  adjusted Rand index (ARI), number of groups, coverage and purity of
             the suggester and of two naive baselines, on the dev notes (the
             suggester's choices were tuned on these), the holdout notes (never
             used for tuning) and all notes; and the same for variants of the
             suggester: each stemming choice (none, snowballstemmer in pure
             Python, PyStemmer in C) and without each of its other steps
  threshold  the ARI on dev and holdout for a range of thresholds
  time       median time of suggest_groups for 500 and 1,000 notes (the labelled
             notes replicated, each copy lightly perturbed: a letter dropped,
             accents removed or upper case), with each stemmer, and the machine

Usage (from the project root):

    .venv/bin/python bench/suggestions.py              # 7 timed runs per size
    .venv/bin/python bench/suggestions.py --repeat 15

PyStemmer is not a dependency; install it in the venv (`pip install PyStemmer`)
to see its rows, otherwise they are reported as not installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import random
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from snowballstemmer.spanish_stemmer import SpanishStemmer  # noqa: E402  (pure Python)

from workshop.suggestions import suggester  # noqa: E402
from workshop.suggestions.suggester import NoteText  # noqa: E402


def _load_agreement():
    # The measuring helpers live with the tests; load them by path (this script's own
    # name would shadow the tests' `suggestions` package).
    path = ROOT / "tests" / "suggestions" / "agreement.py"
    spec = importlib.util.spec_from_file_location("suggestions_agreement", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


agreement = _load_agreement()

StemWords = Callable[[Sequence[str]], list[str]]


def stemmers() -> dict[str, StemWords | None]:
    """Each stemming choice compared; a fresh stemmer object per call, as the product does."""
    choices: dict[str, StemWords | None] = {
        "no stemming": None,
        "snowballstemmer (pure Python)": lambda words: SpanishStemmer().stemWords(words),
    }
    try:
        import Stemmer
    except ImportError:
        print("PyStemmer (C): not installed (pip install PyStemmer to compare it)")
    else:
        choices["PyStemmer (C)"] = lambda words: Stemmer.Stemmer("spanish").stemWords(words)
    return choices


def variants() -> dict[str, dict]:
    """The suggester as shipped, one row per stemmer, and without each of its other steps."""
    shipped = {"fold_typos": True, "families": True, "light_words": True}
    rows = {name: {"stem_words": stem, **shipped} for name, stem in stemmers().items()}
    pure = rows["snowballstemmer (pure Python)"]["stem_words"]
    rows["snowball, no word families"] = {"stem_words": pure, **shipped, "families": False}
    rows["snowball, no light words"] = {"stem_words": pure, **shipped, "light_words": False}
    rows["snowball, no typo folding"] = {"stem_words": pure, **shipped, "fold_typos": False}
    return rows


def run(notes, threshold=suggester.DEFAULT_THRESHOLD, **choices):
    texts = [NoteText(note.id, note.text) for note in notes]
    groups = suggester._suggest(texts, max_groups=None, min_size=2, threshold=threshold, **choices)
    return [group.note_ids for group in groups]


def line(label: str, figures) -> str:
    return (
        f"  {label:34} ARI {figures.ari:6.3f}  groups {figures.groups:3d}  "
        f"coverage {figures.coverage:4.0%}  purity {figures.purity:4.0%}"
    )


def report_agreement() -> None:
    splits = {
        "dev": agreement.load_notes("dev"),
        "holdout": agreement.load_notes("holdout"),
        "all": agreement.load_notes(),
    }
    gold_groups = len({note.group for note in splits["all"]})
    print(
        f"Labelled notes: {len(splits['all'])} ({len(splits['dev'])} dev, {len(splits['holdout'])} "
        f"holdout), {gold_groups} gold groups (outliers are groups of one)"
    )
    threshold = agreement.best_baseline_threshold()
    for name, notes in splits.items():
        print(f"\n{name} ({len(notes)} notes)")
        print(
            line(
                f"keyword baseline (Jaccard >= {threshold})",
                agreement.agreement(notes, agreement.keyword_baseline(notes, threshold)),
            )
        )
        print(line("first-word baseline", agreement.agreement(notes, agreement.first_word_baseline(notes))))
        for label, choices in variants().items():
            print(line(label, agreement.agreement(notes, run(notes, **choices))))

    print("\nThreshold (average linkage), snowballstemmer; default", suggester.DEFAULT_THRESHOLD)
    pure = {"stem_words": lambda words: SpanishStemmer().stemWords(words)}
    for value in (0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3):
        dev = agreement.agreement(splits["dev"], run(splits["dev"], value, **pure))
        holdout = agreement.agreement(splits["holdout"], run(splits["holdout"], value, **pure))
        print(
            f"  {value:5.3f}  dev ARI {dev.ari:6.3f} ({dev.groups:2d} groups)  "
            f"holdout ARI {holdout.ari:6.3f} ({holdout.groups:2d} groups)"
        )


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def replicated(count: int, seed: int = 12) -> list[NoteText]:
    """`count` notes from the labelled ones, each copy after the first lightly perturbed."""
    rng = random.Random(seed)
    labelled = agreement.load_notes()
    notes = []
    for number in range(count):
        text = labelled[number % len(labelled)].text
        if number >= len(labelled):
            words = text.split()
            index = rng.randrange(len(words))
            change = rng.choice(("drop", "accents", "upper"))
            if change == "drop" and len(words[index]) > 4:
                cut = rng.randrange(1, len(words[index]) - 1)
                words[index] = words[index][:cut] + words[index][cut + 1 :]
            elif change == "accents":
                words = [_strip_accents(word) for word in words]
            else:
                words[index] = words[index].upper()
            text = " ".join(words)
        notes.append(NoteText(f"c{number}", text))
    return notes


def report_time(repeat: int) -> None:
    cpu = "unknown processor"
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print(
        f"\nTime: median of {repeat} runs of suggest_groups; {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()}"
    )
    timed = {name: stem for name, stem in stemmers().items() if name != "no stemming"}
    for count in (500, 1000):
        notes = replicated(count)
        for name, stem in timed.items():
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                groups = suggester._suggest(
                    notes, max_groups=None, min_size=2, threshold=suggester.DEFAULT_THRESHOLD, stem_words=stem
                )
                times.append(time.perf_counter() - start)
            print(
                f"  {count:5d} notes  {name:30} {statistics.median(times) * 1000:7.0f} ms "
                f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}; {len(groups)} groups)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per size (default 7)")
    arguments = parser.parse_args(argv)
    report_agreement()
    report_time(arguments.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
