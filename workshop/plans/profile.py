"""Profile questions a plan asks at join (role, years in service, site …).

Optional for the participant, answered once on the phone in a few taps, stored per
participant and never shown beside a note: they only feed breakdowns that pass the
anonymity floor (workshop.profiles.floor). Choices only, no free text: free text
would identify people and could not be grouped.

    [[profile]]
    key = "role"
    question = { es = "¿Cuál es tu función?", en = "What is your role?" }
    choices = [
      { key = "nursing", label = { es = "Enfermería", en = "Nursing" } },
      …
    ]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_QUESTIONS = 4
MAX_CHOICES = 12
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


@dataclass(frozen=True)
class ProfileChoice:
    key: str
    label: dict[str, str]


@dataclass(frozen=True)
class ProfileQuestion:
    key: str
    question: dict[str, str]
    choices: tuple[ProfileChoice, ...]

    def text(self, language: str) -> str:
        return self.question.get(language) or next(iter(self.question.values()), "")

    def choice_label(self, key: str | None, language: str) -> str | None:
        for choice in self.choices:
            if choice.key == key:
                return choice.label.get(language) or next(iter(choice.label.values()), key)
        return None


def read_profile(
    data: dict, where: str, languages: tuple[str, ...], reader_class: Any, error: type[Exception]
):
    """The plan's `[[profile]]` questions, validated like every other part of a plan."""
    raw_questions = data.get("profile", [])
    if not isinstance(raw_questions, list):
        raise error(f"{where}, field 'profile': must be a list of [[profile]] tables")
    if len(raw_questions) > MAX_QUESTIONS:
        raise error(f"{where}, field 'profile': at most {MAX_QUESTIONS} questions (each takes time at join)")
    questions: list[ProfileQuestion] = []
    for number, raw in enumerate(raw_questions, start=1):
        reader = reader_class(raw, f"{where}, profile question {number}")
        reader.reject_unknown({"key", "question", "choices"})
        key = reader.table.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise reader.fail("key", 'is required: lower-case letters, digits or -, e.g. key = "role"')
        if any(q.key == key for q in questions):
            raise reader.fail("key", f"{key!r} is used by an earlier question")
        raw_choices = reader.table.get("choices")
        if not isinstance(raw_choices, list) or not 2 <= len(raw_choices) <= MAX_CHOICES:
            raise reader.fail("choices", f"must list from 2 to {MAX_CHOICES} choices")
        choices: list[ProfileChoice] = []
        for choice_number, raw_choice in enumerate(raw_choices, start=1):
            choice = reader_class(raw_choice, f"{reader.where}, choice {choice_number}")
            choice.reject_unknown({"key", "label"})
            choice_key = choice.table.get("key")
            if not isinstance(choice_key, str) or not KEY_PATTERN.match(choice_key):
                raise choice.fail("key", "is required: lower-case letters, digits or -")
            if any(c.key == choice_key for c in choices):
                raise choice.fail("key", f"{choice_key!r} is used by an earlier choice")
            choices.append(ProfileChoice(choice_key, choice.translated("label", languages)))
        questions.append(ProfileQuestion(key, reader.translated("question", languages), tuple(choices)))
    return tuple(questions)
