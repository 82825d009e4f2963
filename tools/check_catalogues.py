"""Check the translation catalogues: complete, current, nothing fuzzy.

- messages.pot holds every message the sources use (extracted again into a temporary
  file and compared), and no message they no longer use;
- every message of messages.pot is in each language's catalogue (es, en), translated
  (every plural form too), and not marked fuzzy; no catalogue keeps a message the .pot
  dropped.

Run: .venv/bin/python tools/check_catalogues.py   (exit status 1 on a problem)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "workshop" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LANGUAGES = ("es", "en")
PYBABEL = Path(sys.executable).parent / "pybabel"
# The same extraction as `make extract-messages`.
EXTRACT = ["-q", "extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output"]
SOURCES = ["workshop", "templates"]
HOW = {"es": "write each text in Spanish", "en": "copy each English source text"}
SHOWN = 10  # messages listed per problem


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def _listed(ids: set[object] | list[object]) -> str:
    shown = sorted(ids, key=repr)[:SHOWN]
    lines = [f"    {message_id!r}" for message_id in shown]
    if len(ids) > SHOWN:
        lines.append(f"    … and {len(ids) - SHOWN} more")
    return "\n".join(lines)


def template_problems() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="workshop-catalogues-") as folder:
        extracted_path = Path(folder) / "messages.pot"
        subprocess.run(  # noqa: S603 - our own venv's pybabel, fixed arguments
            [str(PYBABEL), *EXTRACT, "-o", str(extracted_path), *SOURCES], cwd=ROOT, check=True
        )
        extracted = _ids(_read(extracted_path))
    template = _ids(_read(TEMPLATE))
    problems = []
    if missing := extracted - template:
        problems.append(f"messages.pot lacks {len(missing)} message(s) the sources use:\n{_listed(missing)}")
    if stale := template - extracted:
        problems.append(f"messages.pot keeps {len(stale)} message(s) no source uses:\n{_listed(stale)}")
    if problems:
        problems.append("Fix: run `make extract-messages`, then translate the new entries (see below).")
    return problems


def catalogue_problems(language: str, template: set[object]) -> list[str]:
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    catalog = _read(path, locale=language)
    name = f"{language}/LC_MESSAGES/messages.po"
    problems = []
    ids = _ids(catalog)
    if missing := template - ids:
        problems.append(f"{name} lacks {len(missing)} message(s) of messages.pot:\n{_listed(missing)}")
    if stale := ids - template:
        problems.append(f"{name} keeps {len(stale)} message(s) messages.pot dropped:\n{_listed(stale)}")
    fuzzy, untranslated = [], []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            fuzzy.append(message.id)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if not all(strings) or (message.pluralizable and len(strings) < catalog.num_plurals):
            untranslated.append(message.id)
    if fuzzy:
        problems.append(f"{name} has {len(fuzzy)} fuzzy message(s):\n{_listed(fuzzy)}")
    if untranslated:
        problems.append(
            f"{name} has {len(untranslated)} untranslated message(s) (or plural forms):\n"
            + _listed(untranslated)
        )
    if catalog.obsolete:
        problems.append(f"{name} keeps {len(catalog.obsolete)} obsolete (#~) message(s): delete them.")
    if problems:
        problems.append(
            f"Fix: run `make extract-messages`, then edit {name}: {HOW[language]}, "
            f"{catalog.num_plurals} plural forms; drop each `fuzzy` flag once the text is checked; "
            "then `make translations`."
        )
    return problems


def main() -> int:
    problems = template_problems()
    template = _ids(_read(TEMPLATE))
    for language in LANGUAGES:
        problems += catalogue_problems(language, template)
    if problems:
        print("The translation catalogues are not complete:\n")
        print("\n\n".join(problems))
        return 1
    print(f"catalogues complete: {len(template)} messages in {', '.join(LANGUAGES)}, none fuzzy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
