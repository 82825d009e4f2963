"""Load session plans from TOML into typed, validated objects.

A plan file is data a lab edits by hand, so every error names the file, the
stage and the field, in words an editor can act on. Workshops keep a snapshot
of their plan (``Plan.to_data()``) so editing a file later never changes a
workshop that already ran.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshop.config import QUESTION_MAX_LENGTH
from workshop.plans.profile import ProfileQuestion, read_profile

LANGUAGES = ("es", "en")
# Extra prompt languages a plan may carry beside the interface's (e.g. "gn", Guaraní):
# ISO 639-1 or 639-3 codes. Only plan texts use them; the interface stays es/en.
PROMPT_LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")
MAX_PROMPT_LANGUAGES = 4
STAGE_KINDS = ("discuss", "write", "cluster", "vote", "rate", "commit")
VOTE_TARGETS = ("clusters", "notes")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MAX_STAGES = 40
MAX_LANES = 8
MAX_SHORTLIST = 40
MARK_MAX_LENGTH = 80


# What a plan error says, by key: the English text of `str(PlanError)`. The key and its
# parameters travel on the error too, so a page can say the same in the workshop's
# language (workshop.planning.messages) beside the field concerned.
MESSAGES = {
    "not_table": "must be a table",
    "texts_table": 'must be a table of texts by language, e.g. es = "…", en = "…"',
    "missing_texts": "missing text for language(s) {languages}",
    "unknown_languages": "unknown language(s) {languages}",
    "unknown_languages_hint": "unknown language(s) {languages} (declare other languages in prompt_languages)",
    "whole_number": "must be a whole number from {low} to {high}",
    "true_false": "must be true or false",
    "one_of": "must be one of {choices} (got {value})",
    "stage_ids": "must be a list of stage ids",
    "unknown_fields": "unknown field(s) {fields}",
    "two_axes": "must list exactly two axes",
    "slug_key": "must be lower-case letters, digits or -",
    "axes_keys_differ": "the two axes need different keys",
    "stage_id": 'is required: lower-case letters, digits or -, e.g. id = "works"',
    "lanes_write_only": "only write stages have lanes",
    "lane_set_name": 'must name one lane set, e.g. lanes = "conditions"',
    "unknown_lane_set": "unknown lane set {lane_set} (known: {known})",
    "cap_above_dots": "cannot exceed the dot budget ({dots})",
    "only_kinds": "only {kinds} stages have it",
    "languages_list": "must be a list drawn from {languages}",
    "language_twice": "lists a language twice",
    "needs_stages": "a plan needs at least one [[stages]] table",
    "too_many_stages": "at most {max} stages",
    "text_length": "the {language} text has {length} characters; at most {max}",
    "duplicate_id": "used by an earlier stage; ids must be unique",
    "not_earlier_stage": "{reference} is not an earlier stage",
    "plan_document": "a plan must be a TOML document",
}


class PlanError(ValueError):
    """A plan file that cannot be used; the message says where and why.

    Besides the message (unchanged: the file, the stage, the field), the error says
    where in a structured way for editors that show it beside a field: `stage` (its
    number in the plan, from 1; None for the plan itself), `stage_id`, `part` (e.g.
    "axis 2" inside a stage), `field`, and `key`/`params` (an entry of MESSAGES, None
    for messages without one) with `detail`, the English text after the location.
    """

    def __init__(
        self,
        message: str,
        *,
        stage: int | None = None,
        stage_id: str | None = None,
        part: str | None = None,
        field: str | None = None,
        key: str | None = None,
        params: dict[str, Any] | None = None,
        detail: str | None = None,
    ):
        super().__init__(message)
        self.stage = stage
        self.stage_id = stage_id
        self.part = part
        self.field = field
        self.key = key
        self.params = params or {}
        self.detail = detail if detail is not None else message


@dataclass(frozen=True)
class Lane:
    key: str
    label: dict[str, str]


@dataclass(frozen=True)
class Axis:
    key: str
    label: dict[str, str]
    low: dict[str, str]
    high: dict[str, str]


@dataclass(frozen=True)
class Stage:
    id: str
    kind: str
    title: dict[str, str]
    prompt: dict[str, str]
    minutes: int | None = None
    lanes: tuple[Lane, ...] = ()
    lane_set: str | None = None
    private: bool = False
    notes_from: tuple[str, ...] = ()
    participants_propose: bool = False
    dots: int = 0
    cap: int = 0
    target: str = "clusters"
    hide_totals: bool = True
    axes: tuple[Axis, ...] = ()
    review_open: bool = False
    # A rate stage may take only the short list of the vote before it: its top N ideas.
    shortlist: int = 0
    # A cluster stage may let the facilitator mark groups with this label (e.g. "any unit
    # could do it with the same resources"); the report lists the marked ones.
    mark: dict[str, str] = field(default_factory=dict)

    @property
    def accepts_notes(self) -> bool:
        return self.kind == "write"

    def text(self, field_name: str, language: str) -> str:
        values: dict[str, str] = getattr(self, field_name)
        return values.get(language) or next(iter(values.values()), "")

    def lane_label(self, key: str | None, language: str) -> str | None:
        for lane in self.lanes:
            if lane.key == key:
                return lane.label.get(language) or lane.key
        return None


@dataclass(frozen=True)
class Plan:
    slug: str
    title: dict[str, str]
    description: dict[str, str]
    languages: tuple[str, ...]
    stages: tuple[Stage, ...]
    minutes: int | None = None
    profile: tuple[ProfileQuestion, ...] = ()
    # A suggested challenge question ("¿Cómo podríamos…?") a new workshop starts from.
    question: dict[str, str] = field(default_factory=dict)
    # Extra languages its texts may carry beside es/en (e.g. ("gn",)): a workshop can show
    # prompts in one of them under its own (`Workshop.second_language`).
    prompt_languages: tuple[str, ...] = ()
    source: str = field(default="", compare=False)
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def text(self, field_name: str, language: str) -> str:
        values: dict[str, str] = getattr(self, field_name)
        return values.get(language) or next(iter(values.values()), "")

    @property
    def group_mark(self) -> dict[str, str]:
        """The label a facilitator may put on groups: the first clustering stage's `mark`."""
        return next((stage.mark for stage in self.stages if stage.kind == "cluster" and stage.mark), {})

    def to_data(self) -> dict[str, Any]:
        """The validated TOML data, suitable for JSON storage and `plan_from_data`."""
        return {"slug": self.slug, **self.data}

    def summary(self) -> dict[str, Any]:
        """What `workshop plans --json` prints for this plan."""
        return {
            "slug": self.slug,
            "title": self.title,
            "description": self.description,
            "question": self.question,
            "languages": list(self.languages),
            "minutes": self.minutes,
            "source": self.source,
            "stages": [
                {
                    "id": stage.id,
                    "kind": stage.kind,
                    "title": stage.title,
                    "lanes": [lane.key for lane in stage.lanes],
                    "private": stage.private,
                }
                for stage in self.stages
            ],
        }


class PlanLanguages(tuple):
    """The languages every text of a plan must have, carrying (as `extra`) the plan's
    prompt languages, which a text may have as well: the readers pass it along unchanged."""

    extra: tuple[str, ...]

    def __new__(cls, required: tuple[str, ...], extra: tuple[str, ...] = ()) -> PlanLanguages:
        languages = super().__new__(cls, required)
        languages.extra = tuple(extra)
        return languages


class _Reader:
    """Reads one table of a plan, prefixing every error with where it is."""

    def __init__(
        self,
        table: Any,
        where: str,
        stage: int | None = None,
        stage_id: str | None = None,
        part: str | None = None,
    ):
        self.where = where
        self.stage, self.stage_id, self.part = stage, stage_id, part
        if not isinstance(table, dict):
            raise self.error(None, "not_table")
        self.table = table

    def error(self, name: str | None, message: str, **params: Any) -> PlanError:
        """The error for `message`: a key of MESSAGES (formatted with `params`) or plain text."""
        key = message if message in MESSAGES else None
        detail = MESSAGES[message].format(**params) if key else message
        prefix = self.where if name is None else f"{self.where}, field '{name}'"
        return PlanError(
            f"{prefix}: {detail}",
            stage=self.stage,
            stage_id=self.stage_id,
            part=self.part,
            field=name,
            key=key,
            params=params,
            detail=detail,
        )

    def fail(self, name: str, message: str, **params: Any) -> PlanError:
        return self.error(name, message, **params)

    def translated(self, name: str, languages: tuple[str, ...], required: bool = True):
        value = self.table.get(name)
        if value is None and not required:
            return {}
        if isinstance(value, str):
            value = {language: value for language in languages}
        if not isinstance(value, dict):
            raise self.fail(name, "texts_table")
        missing = [language for language in languages if not str(value.get(language, "")).strip()]
        if missing:
            raise self.fail(name, "missing_texts", languages=", ".join(missing))
        allowed = LANGUAGES + getattr(languages, "extra", ())
        unknown = [key for key in value if key not in allowed]
        if unknown:
            if allowed == LANGUAGES:
                raise self.fail(name, "unknown_languages_hint", languages=", ".join(map(str, unknown)))
            raise self.fail(name, "unknown_languages", languages=", ".join(map(str, unknown)))
        return {key: str(text).strip() for key, text in value.items()}

    def integer(self, name: str, default: int | None, low: int, high: int) -> int | None:
        value = self.table.get(name, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(name, "whole_number", low=low, high=high)
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.table.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, "true_false")
        return value

    def choice(self, name: str, default: str | None, choices: tuple[str, ...]) -> str:
        value = self.table.get(name, default)
        if value not in choices:
            raise self.fail(name, "one_of", choices=", ".join(choices), value=repr(value))
        return value

    def string_list(self, name: str) -> tuple[str, ...]:
        value = self.table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(name, "stage_ids")
        return tuple(value)

    def reject_unknown(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.table) - allowed)
        if unknown:
            raise self.error(None, "unknown_fields", fields=", ".join(repr(u) for u in unknown))


STAGE_FIELDS = {
    "id",
    "kind",
    "title",
    "prompt",
    "minutes",
    "lanes",
    "private",
    "notes_from",
    "participants_propose",
    "dots",
    "cap",
    "target",
    "hide_totals",
    "axes",
    "review_open",
    "shortlist",
    "mark",
}
# A plan's top-level fields, in the order a person reads a plan (exported files follow it).
PLAN_FIELDS = (
    "title",
    "description",
    "question",
    "languages",
    "prompt_languages",
    "minutes",
    "lanes",
    "profile",
    "stages",
)


def _read_lane_sets(data: dict, where: str, languages: tuple[str, ...]) -> dict[str, tuple[Lane, ...]]:
    lane_sets: dict[str, tuple[Lane, ...]] = {}
    raw_sets = data.get("lanes", {})
    if not isinstance(raw_sets, dict):
        raise PlanError(f"{where}, field 'lanes': must be a table of lane sets")
    for set_name, raw_lanes in raw_sets.items():
        set_where = f"{where}, lane set '{set_name}'"
        if not isinstance(raw_lanes, dict) or not raw_lanes:
            raise PlanError(f'{set_where}: must list lanes as key = {{ es = "…", en = "…" }}')
        if len(raw_lanes) > MAX_LANES:
            raise PlanError(f"{set_where}: at most {MAX_LANES} lanes")
        lanes = []
        for key, label in raw_lanes.items():
            if not SLUG_PATTERN.match(key):
                raise PlanError(f"{set_where}: lane key {key!r} must be lower-case letters, digits, -")
            reader = _Reader({"label": label}, f"{set_where}, lane '{key}'")
            lanes.append(Lane(key=key, label=reader.translated("label", languages)))
        lane_sets[set_name] = tuple(lanes)
    return lane_sets


def _read_axes(reader: _Reader, languages: tuple[str, ...]) -> tuple[Axis, ...]:
    raw_axes = reader.table.get("axes")
    if raw_axes is None:
        return (
            Axis(
                "impact",
                {"es": "Impacto en compromiso y confianza", "en": "Impact on commitment and trust"},
                {"es": "bajo", "en": "low"},
                {"es": "alto", "en": "high"},
            ),
            Axis(
                "feasibility",
                {"es": "Factibilidad", "en": "Feasibility"},
                {"es": "difícil", "en": "hard"},
                {"es": "fácil", "en": "easy"},
            ),
        )
    if not isinstance(raw_axes, list) or len(raw_axes) != 2:
        raise reader.fail("axes", "two_axes")
    axes = []
    for number, raw_axis in enumerate(raw_axes, start=1):
        axis = _Reader(
            raw_axis, f"{reader.where}, axis {number}", reader.stage, reader.stage_id, f"axis {number}"
        )
        axis.reject_unknown({"key", "label", "low", "high"})
        key = axis.table.get("key")
        if not isinstance(key, str) or not SLUG_PATTERN.match(key):
            raise axis.fail("key", "slug_key")
        axes.append(
            Axis(
                key,
                axis.translated("label", languages),
                axis.translated("low", languages, required=False),
                axis.translated("high", languages, required=False),
            )
        )
    if axes[0].key == axes[1].key:
        raise reader.fail("axes", "axes_keys_differ")
    return tuple(axes)


def _read_stage(
    raw: Any, number: int, where: str, languages: tuple[str, ...], lane_sets: dict[str, tuple[Lane, ...]]
) -> Stage:
    stage_id = raw.get("id") if isinstance(raw, dict) else None
    label = f"stage {number}" + (f" ('{stage_id}')" if isinstance(stage_id, str) else "")
    reader = _Reader(raw, f"{where}, {label}", number, stage_id if isinstance(stage_id, str) else None)
    reader.reject_unknown(STAGE_FIELDS)
    if not isinstance(stage_id, str) or not SLUG_PATTERN.match(stage_id):
        raise reader.fail("id", "stage_id")
    kind = reader.choice("kind", None, STAGE_KINDS)
    lane_set = reader.table.get("lanes")
    lanes: tuple[Lane, ...] = ()
    if lane_set is not None:
        if kind != "write":
            raise reader.fail("lanes", "lanes_write_only")
        if not isinstance(lane_set, str):
            raise reader.fail("lanes", "lane_set_name")
        if lane_set not in lane_sets:
            known = ", ".join(lane_sets) or "none defined"
            raise reader.fail("lanes", "unknown_lane_set", lane_set=repr(lane_set), known=known)
        lanes = lane_sets[lane_set]
    is_vote = kind == "vote"
    dots = reader.integer("dots", 3 if is_vote else 0, 1 if is_vote else 0, 20)
    cap = reader.integer("cap", dots if is_vote else 0, 1 if is_vote else 0, 20)
    if is_vote and cap > dots:
        raise reader.fail("cap", "cap_above_dots", dots=dots)
    for name, allowed_kinds in (
        ("dots", "vote"),
        ("cap", "vote"),
        ("private", "write"),
        ("participants_propose", "cluster"),
        ("axes", "rate"),
        ("target", "vote/rate"),
        ("hide_totals", "vote"),
        ("review_open", "commit"),
        ("shortlist", "rate"),
        ("mark", "cluster"),
    ):
        if name in reader.table and kind not in allowed_kinds.split("/"):
            raise reader.fail(name, "only_kinds", kinds=allowed_kinds)
    return Stage(
        id=stage_id,
        kind=kind,
        title=reader.translated("title", languages),
        prompt=reader.translated("prompt", languages),
        minutes=reader.integer("minutes", None, 1, 600),
        lanes=lanes,
        lane_set=lane_set,
        private=reader.boolean("private", False),
        notes_from=reader.string_list("notes_from"),
        participants_propose=reader.boolean("participants_propose", False),
        dots=dots or 0,
        cap=cap or 0,
        target=reader.choice("target", "clusters", VOTE_TARGETS),
        hide_totals=reader.boolean("hide_totals", True),
        axes=_read_axes(reader, languages) if kind == "rate" else (),
        review_open=reader.boolean("review_open", False),
        shortlist=reader.integer("shortlist", None, 1, MAX_SHORTLIST) or 0,
        mark=_read_mark(reader, languages),
    )


def _read_mark(reader: _Reader, languages: tuple[str, ...]) -> dict[str, str]:
    """The label of a cluster stage's mark: optional, short (it sits on a group's card)."""
    mark = reader.translated("mark", languages, required=False)
    for language, text in mark.items():
        if len(text) > MARK_MAX_LENGTH:
            raise reader.fail("mark", "text_length", language=language, length=len(text), max=MARK_MAX_LENGTH)
    return mark


def plan_from_data(data: Any, slug: str, source: str = "") -> Plan:
    """Validate plan data (parsed TOML or a stored snapshot) and build a Plan."""
    where = source or slug
    if not isinstance(data, dict):
        raise PlanError(f"{where}: a plan must be a TOML document", key="plan_document")
    data = {key: value for key, value in data.items() if key != "slug"}
    reader = _Reader(data, where)
    reader.reject_unknown(set(PLAN_FIELDS))
    raw_languages = data.get("languages", list(LANGUAGES))
    if (
        not isinstance(raw_languages, list)
        or not raw_languages
        or any(language not in LANGUAGES for language in raw_languages)
    ):
        raise reader.fail("languages", "languages_list", languages=", ".join(LANGUAGES))
    if len(set(raw_languages)) != len(raw_languages):
        raise reader.fail("languages", "language_twice")
    languages = PlanLanguages(tuple(raw_languages), _read_prompt_languages(reader))
    lane_sets = _read_lane_sets(data, where, languages)
    raw_stages = data.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        raise reader.fail("stages", "needs_stages")
    if len(raw_stages) > MAX_STAGES:
        raise reader.fail("stages", "too_many_stages", max=MAX_STAGES)
    stages = tuple(
        _read_stage(raw, number, where, languages, lane_sets)
        for number, raw in enumerate(raw_stages, start=1)
    )
    _check_stage_references(stages, where)
    return Plan(
        slug=slug,
        title=reader.translated("title", languages),
        description=reader.translated("description", languages),
        languages=tuple(languages),
        prompt_languages=languages.extra,
        stages=stages,
        minutes=reader.integer("minutes", None, 1, 24 * 60),
        profile=read_profile(data, where, languages, _Reader, PlanError),
        question=_read_question(reader, languages),
        source=source,
        data=data,
    )


def _read_prompt_languages(reader: _Reader) -> tuple[str, ...]:
    """Extra languages the plan's texts may carry (e.g. ["gn"]), each optional per text."""
    raw = reader.table.get("prompt_languages", [])
    if (
        not isinstance(raw, list)
        or len(raw) > MAX_PROMPT_LANGUAGES
        or not all(isinstance(code, str) and PROMPT_LANGUAGE_PATTERN.match(code) for code in raw)
    ):
        raise reader.fail(
            "prompt_languages",
            f"must list at most {MAX_PROMPT_LANGUAGES} language codes "
            '(2 or 3 lower-case letters), e.g. ["gn"]',
        )
    if len(set(raw)) != len(raw) or set(raw) & set(LANGUAGES):
        raise reader.fail("prompt_languages", f"lists a language twice or one of {', '.join(LANGUAGES)}")
    return tuple(raw)


def _read_question(reader: _Reader, languages: tuple[str, ...]) -> dict[str, str]:
    """The plan's suggested question: optional, in every language of the plan when given."""
    question = reader.translated("question", languages, required=False)
    for language, text in question.items():
        if len(text) > QUESTION_MAX_LENGTH:
            raise reader.fail(
                "question", "text_length", language=language, length=len(text), max=QUESTION_MAX_LENGTH
            )
    return question


def _check_stage_references(stages: tuple[Stage, ...], where: str) -> None:
    seen: dict[str, str] = {}
    for number, stage in enumerate(stages, start=1):
        reader = _Reader({}, f"{where}, stage {number} ('{stage.id}')", number, stage.id)
        if stage.id in seen:
            raise reader.fail("id", "duplicate_id")
        for reference in stage.notes_from:
            if reference not in seen:
                raise reader.fail("notes_from", "not_earlier_stage", reference=repr(reference))
        seen[stage.id] = stage.kind


def load_plan_file(path: str | Path) -> Plan:
    """Load one plan file; its slug is the file name without `.toml`."""
    path = Path(path)
    slug = path.stem
    if not SLUG_PATTERN.match(slug):
        raise PlanError(f"{path.name}: file name must be a slug (lower-case letters, digits, -)")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PlanError(f"{path.name}: cannot be read ({error})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PlanError(f"{path.name}: not valid TOML ({error})") from None
    return plan_from_data(data, slug, source=path.name)


def list_plans(directory: Path) -> list[Plan]:
    """All plans in the directory, sorted by slug. A broken file raises PlanError."""
    return [load_plan_file(path) for path in sorted(directory.glob("*.toml"))]


def load_plan(slug_or_path: str, directory: Path) -> Plan:
    """A plan by slug (from the directory) or by path to a `.toml` file."""
    if slug_or_path.endswith(".toml") or "/" in slug_or_path:
        return load_plan_file(slug_or_path)
    if not SLUG_PATTERN.match(slug_or_path):
        raise PlanError(f"{slug_or_path!r} is not a plan slug")
    path = directory / f"{slug_or_path}.toml"
    if not path.exists():
        known = ", ".join(p.stem for p in sorted(directory.glob("*.toml")))
        raise PlanError(f"no plan called {slug_or_path!r} (available: {known})")
    return load_plan_file(path)
