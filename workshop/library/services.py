"""Plan library operations: find a plan by slug (stored or shipped), save a workshop's plan
as a new one, duplicate, archive, import and export TOML.

Shipped plans (`sessions/*.toml`) are read-only: they are copied to be changed, and their
slugs are never taken by a stored plan. Every stored plan's data passes `plan_from_data`
before it is written: the loader is the only validation there is. Services flush; the
boundary commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from workshop.accounts.models import Facilitator
from workshop.core.actors import Actor
from workshop.core.clock import now
from workshop.core.models import Workshop
from workshop.errors import InvalidInput, NotAllowed, NotFound
from workshop.extensions import db
from workshop.library.models import SavedPlan
from workshop.library.tomlfile import plan_from_toml, plan_to_toml
from workshop.plans import Plan, PlanError, list_plans, load_plan_file, plan_from_data
from workshop.plans.loader import SLUG_PATTERN

# A plan file is a few kilobytes (the largest shipped one is under 8 KB): anything far
# larger is not a plan, and is refused before it is parsed.
MAX_PLAN_BYTES = 256 * 1024
ORIGIN_MAX_LENGTH = 200


class InvalidPlanFile(InvalidInput):
    """A plan the loader refuses; the message is the loader's own (it names the file, the
    stage and the field), so import and the loader always say the same."""


@dataclass(frozen=True)
class LibraryPlan:
    """A plan as the library lists it: shipped (read-only) or stored."""

    plan: Plan
    stored: SavedPlan | None = None

    @property
    def slug(self) -> str:
        return self.plan.slug

    @property
    def shipped(self) -> bool:
        return self.stored is None

    @property
    def archived(self) -> bool:
        return self.stored is not None and self.stored.archived

    def summary(self) -> dict[str, Any]:
        """What `workshop plans --json` prints: the plan's summary, marked shipped or stored."""
        return {
            **self.plan.summary(),
            "prompt_languages": list(self.plan.prompt_languages),
            "stored": not self.shipped,
            "archived": self.archived,
        }


def _plans_dir() -> Path:
    return Path(current_app.config["PLANS_DIR"])


def _shipped_path(slug: str) -> Path | None:
    path = _plans_dir() / f"{slug}.toml"
    return path if SLUG_PATTERN.match(slug) and path.is_file() else None


def _ensure_facilitator(actor: Actor) -> Facilitator:
    if not isinstance(actor, Facilitator):
        raise NotAllowed(_("Only a facilitator can do this."))
    return actor


def stored_plan(slug: str) -> SavedPlan | None:
    return db.session.scalar(select(SavedPlan).where(SavedPlan.slug == slug))


def slug_in_use(slug: str) -> bool:
    """Whether a shipped or stored plan has this slug."""
    return _shipped_path(slug) is not None or stored_plan(slug) is not None


def _as_plan(saved: SavedPlan) -> Plan:
    return plan_from_data(saved.data, saved.slug)


def plan_by_slug(slug: str, include_archived: bool = False) -> Plan:
    """The plan called `slug`: a shipped file, else a stored plan (archived ones only
    with `include_archived`: they are not offered for new workshops).

    Raises PlanError for an unknown slug (naming the plans there are, as the loader does)
    or a shipped file that is broken.
    """
    slug = (slug or "").strip()
    path = _shipped_path(slug)
    if path is not None:
        return load_plan_file(path)
    saved = stored_plan(slug) if SLUG_PATTERN.match(slug) else None
    if saved is None or (saved.archived and not include_archived):
        shipped = sorted(path.stem for path in _plans_dir().glob("*.toml"))
        query = select(SavedPlan.slug).order_by(SavedPlan.slug)
        if not include_archived:
            query = query.where(SavedPlan.archived_at.is_(None))
        known = ", ".join([*shipped, *db.session.scalars(query)])
        raise PlanError(f"no plan called {slug!r} (available: {known})")
    return _as_plan(saved)


def library_plans(include_archived: bool = False) -> list[LibraryPlan]:
    """Shipped plans (by slug), then stored ones (by slug). A broken shipped file raises PlanError."""
    shipped = [LibraryPlan(plan) for plan in list_plans(_plans_dir())]
    query = select(SavedPlan).order_by(SavedPlan.slug)
    if not include_archived:
        query = query.where(SavedPlan.archived_at.is_(None))
    taken = {entry.slug for entry in shipped}
    stored = [
        LibraryPlan(_as_plan(saved), saved) for saved in db.session.scalars(query) if saved.slug not in taken
    ]
    return shipped + stored


def _new_slug(slug: Any, replace: bool = False) -> tuple[str, SavedPlan | None]:
    """A slug a stored plan may take, and the stored plan it would replace (only with
    `replace`). Raises InvalidInput."""
    slug = str(slug or "").strip()
    if not SLUG_PATTERN.match(slug):
        raise InvalidInput(
            _("The plan's short name must be lower-case letters, digits or -, e.g. “my-plan” (at most 63).")
        )
    if _shipped_path(slug) is not None:
        raise InvalidInput(
            _("“%(slug)s” is a plan shipped with the app: give your plan another short name.", slug=slug)
        )
    existing = stored_plan(slug)
    if existing is not None and not replace:
        raise InvalidInput(
            _(
                "A plan called “%(slug)s” already exists: choose another short name, or replace it.",
                slug=slug,
            )
        )
    return slug, existing


def _storable(data: dict[str, Any], slug: str, source: str) -> dict[str, Any]:
    """Validate plan data with the loader and return it as JSON data. Raises InvalidInput
    with the loader's own message."""
    try:
        plan_from_data(data, slug, source=source)
        stored: dict[str, Any] = json.loads(json.dumps({k: v for k, v in data.items() if k != "slug"}))
    except PlanError as error:
        raise InvalidPlanFile(str(error)) from None
    except (TypeError, ValueError):  # a date or time where text was meant: TOML has them, JSON not
        raise InvalidInput(_("%(source)s: every text must be a quoted string.", source=source)) from None
    return stored


def _store(
    actor: Facilitator | None, slug: str, data: dict[str, Any], origin: str, existing: SavedPlan | None = None
) -> SavedPlan:
    if existing is not None:
        existing.data = data
        existing.origin = origin[:ORIGIN_MAX_LENGTH]
        existing.updated_at = now()
        saved = existing
    else:
        saved = SavedPlan(
            slug=slug, data=data, origin=origin[:ORIGIN_MAX_LENGTH], created_by_id=actor.id if actor else None
        )
        db.session.add(saved)
    db.session.flush()
    return saved


def _retitled(data: dict[str, Any], languages: tuple[str, ...], title: Any) -> dict[str, Any]:
    """The data with a new title in every language of the plan (empty: keep the old one)."""
    title = " ".join(str(title or "").split())
    if not title:
        return data
    if len(title) > 200:
        raise InvalidInput(_("The title can have at most %(count)d characters.", count=200))
    return {**data, "title": {language: title for language in languages}}


def save_workshop_plan_as(actor: Actor, workshop: Workshop, slug: Any, title: Any = None) -> SavedPlan:
    """Keep the plan a workshop ran (its snapshot, with any change made to it) in the
    library under a new slug, to run it again. Facilitator only; a closed workshop's
    plan may be saved too. Raises NotAllowed or InvalidInput."""
    facilitator = _ensure_facilitator(actor)
    new_slug, _existing = _new_slug(slug)
    plan = workshop.plan
    data = _retitled(plan.to_data(), plan.languages, title)
    origin = _("Saved from the workshop “%(title)s”", title=workshop.title)
    return _store(facilitator, new_slug, _storable(data, new_slug, new_slug), origin)


def duplicate_plan(actor: Actor, source_slug: str, slug: Any, title: Any = None) -> SavedPlan:
    """Copy a plan (shipped or stored, archived too) to a new stored plan that can be
    changed. Raises NotAllowed, NotFound or InvalidInput."""
    facilitator = _ensure_facilitator(actor)
    try:
        source = plan_by_slug(source_slug, include_archived=True)
    except PlanError as error:
        raise NotFound(str(error)) from None
    new_slug, _existing = _new_slug(slug)
    data = _retitled(source.to_data(), source.languages, title)
    origin = _("Copy of “%(slug)s”", slug=source.slug)
    return _store(facilitator, new_slug, _storable(data, new_slug, new_slug), origin)


def _stored_for_change(actor: Actor, slug: str) -> SavedPlan:
    _ensure_facilitator(actor)
    saved = stored_plan(slug)
    if saved is None:
        if _shipped_path(slug) is not None:
            raise NotAllowed(_("Plans shipped with the app are read-only: duplicate it to change it."))
        raise NotFound(_("There is no plan called “%(slug)s”.", slug=slug))
    return saved


def archive_plan(actor: Actor, slug: str) -> SavedPlan:
    """Stop offering a stored plan for new workshops; it stays listed (archived) and
    exportable, and workshops that ran it keep their own copy. Raises NotAllowed, NotFound."""
    saved = _stored_for_change(actor, slug)
    if saved.archived_at is None:
        saved.archived_at = now()
        db.session.flush()
    return saved


def unarchive_plan(actor: Actor, slug: str) -> SavedPlan:
    """Offer an archived plan for new workshops again. Raises NotAllowed, NotFound."""
    saved = _stored_for_change(actor, slug)
    if saved.archived_at is not None:
        saved.archived_at = None
        db.session.flush()
    return saved


def import_plan_toml(
    actor: Actor, content: bytes | str, slug: Any = None, replace: bool = False, filename: str | None = None
) -> SavedPlan:
    """Store a plan file (a `sessions/*.toml` someone shared). The slug is `slug`, else the
    file's name. Refuses files over MAX_PLAN_BYTES, text that is not UTF-8 or not TOML and
    every plan the loader refuses (with the loader's message), a shipped slug, and an
    existing stored slug unless `replace`. Raises NotAllowed or InvalidInput."""
    return store_plan_file(_ensure_facilitator(actor), content, slug, replace, filename)


def store_plan_file(
    created_by: Facilitator | None,
    content: bytes | str,
    slug: Any = None,
    replace: bool = False,
    filename: str | None = None,
) -> SavedPlan:
    """`import_plan_toml` for the command line, which is the lab's operator at the machine
    (no account needed, so it works on a fresh install). Raises InvalidInput."""
    raw = content.encode("utf-8") if isinstance(content, str) else content
    name = Path(filename or "plan.toml").name
    if len(raw) > MAX_PLAN_BYTES:
        raise InvalidInput(
            _(
                "%(name)s is too large for a plan file: at most %(size)d KB.",
                name=name,
                size=MAX_PLAN_BYTES // 1024,
            )
        )
    new_slug, existing = _new_slug(slug or Path(name).stem.lower(), replace)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidPlanFile(f"{name}: cannot be read ({error})") from None
    try:
        plan = plan_from_toml(text, new_slug, source=name)
    except PlanError as error:
        raise InvalidPlanFile(str(error)) from None
    origin = _("Imported from %(name)s", name=name)
    return _store(created_by, new_slug, _storable(plan.data, new_slug, name), origin, existing)


def export_plan_toml(plan: Plan) -> str:
    """The plan as a file in the `sessions/*.toml` format (read back, an equal Plan)."""
    return plan_to_toml(plan)
