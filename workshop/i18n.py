"""Language choice: an explicit switch wins; participants' pages follow the workshop's
language; other pages follow the browser; Spanish is the default."""

from __future__ import annotations

from flask import Blueprint, Flask, g, has_request_context, redirect, request, session, url_for
from flask_babel import get_locale, refresh
from flask_babel import gettext as _

from workshop.extensions import babel
from workshop.safe_urls import same_site_path

LANGUAGES = ("es", "en")
LANGUAGE_NAMES = {"es": "Español", "en": "English"}

blueprint = Blueprint("i18n", __name__)


def select_locale() -> str:
    if not has_request_context():
        # The command line and background work speak English unless a workshop says otherwise.
        return g.get("page_language") or "en"
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    page_language = g.get("page_language")
    if page_language in LANGUAGES:
        return page_language
    return request.accept_languages.best_match(LANGUAGES) or "es"


def use_page_language(language: str) -> None:
    """Call from a view before rendering: this page follows a workshop's language.

    Flask-Babel caches the locale once something was translated; forget it, so the
    workshop's language wins even when an error message was prepared earlier.
    """
    g.page_language = language
    refresh()


@blueprint.route("/lang/<language>", methods=["POST"])
def switch_language(language: str):
    if language in LANGUAGES:
        session["lang"] = language
    # Only paths on this site: the switch must not become an open redirect.
    return redirect(same_site_path(request.form.get("next")) or url_for("workshops.home"))


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(blueprint)

    @app.context_processor
    def language_context() -> dict:
        return {
            "current_language": str(get_locale() or "es"),
            "language_names": LANGUAGE_NAMES,
            "kind_label": stage_kind_label,
        }


def stage_kind_label(kind: str) -> str:
    """A stage kind as people say it (the plan files use the English keywords)."""
    labels = {
        "discuss": _("Discussion"),
        "write": _("Write notes"),
        "cluster": _("Clustering"),
        "vote": _("Dot voting"),
        "rate": _("Rating"),
        "commit": _("Commitments"),
    }
    return labels.get(kind, kind)
