"""Login, logout and the one-time setup form that creates the first facilitator."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from workshop.accounts import services
from workshop.accounts.forms import LoginForm, SetupForm
from workshop.accounts.models import Facilitator
from workshop.errors import InvalidInput
from workshop.extensions import db, limiter, login_manager

blueprint = Blueprint("accounts", __name__)


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_facilitator(facilitator_id: str) -> Facilitator | None:
        return db.session.get(Facilitator, int(facilitator_id)) if facilitator_id.isdigit() else None

    @login_manager.unauthorized_handler
    def unauthorized():
        flash(_("Log in to continue."))
        return redirect(url_for("accounts.login", next=request.path))


def _start_login(facilitator: Facilitator) -> None:
    """Renew the session on login (no session fixation), keeping participant joins out."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(facilitator)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("workshops.dashboard")


@blueprint.route("/setup", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def setup():
    if services.facilitator_count() > 0:
        return redirect(url_for("accounts.login"))
    form = SetupForm()
    if form.validate_on_submit():
        try:
            facilitator = services.create_first_facilitator(form.email.data, form.password.data)
        except InvalidInput as error:
            db.session.rollback()
            form.email.errors.append(error.message)
        else:
            db.session.commit()
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
    logout_user()
    session.clear()
    return redirect(url_for("workshops.home"))
