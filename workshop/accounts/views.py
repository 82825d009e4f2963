"""Login, logout and the one-time setup form that creates the first facilitator."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from workshop.accounts import services
from workshop.accounts.forms import LoginForm, SetupForm
from workshop.accounts.models import Facilitator
from workshop.database import commit_with_retries
from workshop.errors import InvalidInput
from workshop.extensions import limiter, login_manager
from workshop.safe_urls import same_site_path

blueprint = Blueprint("accounts", __name__)


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_facilitator(facilitator_id: str) -> Facilitator | None:
        return services.facilitator_for_login(facilitator_id, session.get(services.LOGIN_KEY))

    @login_manager.unauthorized_handler
    def unauthorized():
        flash(_("Log in to continue."))
        return redirect(url_for("accounts.login", next=request.path))


def _start_login(facilitator: Facilitator) -> None:
    """Renew the session on login (no session fixation), keeping participant joins out."""
    token = commit_with_retries(lambda: services.start_login(facilitator))
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session[services.LOGIN_KEY] = token
    login_user(facilitator)


def _safe_next(target: str | None) -> str:
    return same_site_path(target) or url_for("workshops.dashboard")


@blueprint.route("/setup", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def setup():
    if services.facilitator_count() > 0:
        return redirect(url_for("accounts.login"))
    form = SetupForm()
    if form.validate_on_submit():
        try:
            facilitator = commit_with_retries(
                lambda: services.create_first_facilitator(form.email.data, form.password.data)
            )
        except InvalidInput as error:
            form.email.errors.append(error.message)
        else:
            _start_login(facilitator)
            return redirect(url_for("workshops.dashboard"))
    return render_template("accounts/setup.html", form=form)


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute;60/hour", methods=["POST"])
def login():
    if services.facilitator_count() == 0:
        return redirect(url_for("accounts.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("workshops.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        facilitator = services.authenticate(form.email.data, form.password.data)
        if facilitator is None:
            form.password.errors.append(_("Wrong email or password."))
        else:
            _start_login(facilitator)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out for good: the session's token is deleted (a copy of the cookie no longer
    works) and its open live connections are closed (`user_logged_out` listeners)."""
    commit_with_retries(lambda: services.end_login(session.get(services.LOGIN_KEY)))
    logout_user()
    session.clear()
    return redirect(url_for("workshops.home"))
