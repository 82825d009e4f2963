"""Pages: home, join, the phone, the facilitator's console, the projector, new workshop,
closing, reopening and deleting a workshop."""

from __future__ import annotations

import functools
import io
import secrets

import segno
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.fields import SelectChoice

from workshop.accounts.services import facilitator_count
from workshop.audiences.state import public_links, workshop_state
from workshop.audiences.strings import commit_strings
from workshop.board import services as board
from workshop.board.events import announce_new_note
from workshop.core.checks import typed_number
from workshop.core.codes import format_code
from workshop.core.lookups import get_workshop, participant_for_token, workshop_for_screen
from workshop.core.models import Participant, Workshop
from workshop.database import commit_with_retries
from workshop.errors import DomainError, NotAllowed
from workshop.extensions import limiter
from workshop.facilitation import spotlight
from workshop.forms import Form
from workshop.i18n import use_page_language
from workshop.library.services import library_plans, plan_by_slug
from workshop.library.views import language_name
from workshop.live.announce import Changes
from workshop.live.boundary import JOINED_KEY
from workshop.live.presence import connection_ids
from workshop.live.units import run_change
from workshop.plans import PlanError
from workshop.profiles import services as profiles
from workshop.workshops import services
from workshop.workshops.forms import (
    NameForm,
    NewWorkshopForm,
    NoteForm,
    ProfileForm,
    QuestionForm,
    SecondLanguageForm,
    StageForm,
)

blueprint = Blueprint("workshops", __name__)

# Throttle what an attacker needs, not what a room does: a room of 60 phones behind one
# address joins in seconds (many successful look-ups), guessing a join code means many
# failed ones. So only failed look-ups count, on every route that takes a code or token.
CODE_GUESS_LIMIT = "30 per 10 minutes"
code_lookups = limiter.shared_limit(
    CODE_GUESS_LIMIT, scope="code-lookups", deduct_when=lambda response: response.status_code == 404
)


def _joined_participant(workshop: Workshop) -> Participant | None:
    return participant_for_token(workshop, session.get(JOINED_KEY, {}).get(str(workshop.id)))


def _remember_join(workshop: Workshop, participant: Participant) -> None:
    joined = dict(session.get(JOINED_KEY, {}))
    joined[str(workshop.id)] = participant.token
    session[JOINED_KEY] = joined
    session.permanent = True


@blueprint.route("/strings/commitments.<language>.json")
def commitment_strings(language: str):
    """A commit stage's strings for a phone's script, fetched only when it reaches one
    (the phone's first load stays small). The same for everyone: cached by browsers."""
    if language not in ("es", "en"):
        return Response(status=404)
    with force_locale(language):
        body = commit_strings(language)
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@blueprint.route("/")
def home():
    if facilitator_count() == 0:
        return render_template("workshops/home.html", needs_setup=True)
    return render_template("workshops/home.html", needs_setup=False)


@blueprint.route("/join")
@code_lookups
def join_by_code():
    """The home page's code box lands here."""
    raw_code = request.args.get("code", "")
    try:
        workshop = services.workshop_for_code(raw_code)
    except DomainError as error:
        return render_template(
            "workshops/home.html", needs_setup=False, code=raw_code, join_error=error.message
        ), error.status
    return redirect(url_for("workshops.join_by_link", code=workshop.code))


@blueprint.route("/j/<code>")
@code_lookups
def join_by_link(code: str):
    """Opening the join link puts the phone straight into the workshop, no account needed."""
    try:
        workshop = services.workshop_for_code(code)
    except DomainError as error:
        return render_template(
            "workshops/home.html", needs_setup=False, code=code, join_error=error.message
        ), error.status
    if _joined_participant(workshop) is None:

        def join(changes: Changes) -> Participant:
            participant = services.join_workshop(workshop, limit=current_app.config["MAX_PARTICIPANTS"])
            changes.participants()
            return participant

        _remember_join(workshop, run_change(workshop, join))
    return redirect(url_for("workshops.phone", code=workshop.code))


def phone_view(view):
    """For the phone's pages: find the open workshop and this device's participant
    (sending a device that has not joined to the join link), in the workshop's language."""

    @functools.wraps(view)
    def wrapper(code: str):
        workshop = services.workshop_for_code(code)  # NotFound / NotAllowed: friendly page
        participant = _joined_participant(workshop)
        if participant is None:
            return redirect(url_for("workshops.join_by_link", code=workshop.code))
        use_page_language(workshop.language)
        if participant.removed_at is not None:
            raise NotAllowed(_("The facilitator removed you from this workshop."))
        return view(workshop, participant)

    return wrapper


@blueprint.route("/p/<code>")
@code_lookups  # on the route itself: Flask-Limiter checks only the innermost of stacked limits
@phone_view
def phone(workshop: Workshop, participant: Participant):
    state = workshop_state(workshop, "participant", participant)
    return render_template(
        "workshops/phone.html",
        workshop=workshop,
        state=state,
        participant=participant,
        note_form=NoteForm(),
        name_form=NameForm(display_name=participant.display_name or ""),
        fallback_client_id=secrets.token_urlsafe(16),
        profile_questions=()
        if profiles.has_answered(workshop, participant.id)
        else profiles.profile_questions(workshop),
        profile_form=ProfileForm(),
    )


def _participant_key() -> str:
    """Posting is limited per device (its participant tokens), not per address: a whole
    room may share one address."""
    tokens = sorted(session.get(JOINED_KEY, {}).values())
    return "device:" + ",".join(tokens) if tokens else get_remote_address()


@blueprint.route("/p/<code>/notes", methods=["POST"])
@limiter.limit(lambda: current_app.config["NOTE_RATE_LIMIT"], key_func=_participant_key)
@code_lookups
@phone_view
def post_note(workshop: Workshop, participant: Participant):
    """The no-JavaScript path for a note: the same service as the live event."""
    form = NoteForm()
    stage = typed_number(form.stage.data)

    def post(changes: Changes) -> None:
        note, created = board.add_note(
            workshop,
            participant,
            form.text.data,
            form.client_id.data,
            -1 if stage is None else stage,
            form.lane.data or None,
            form.stage_id.data or None,
        )
        if created:
            announce_new_note(changes, note)

    try:
        run_change(workshop, post)
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for("workshops.phone", code=workshop.code))


@blueprint.route("/p/<code>/name", methods=["POST"])
@code_lookups
@phone_view
def set_name(workshop: Workshop, participant: Participant):
    form = NameForm()
    if form.validate_on_submit():
        commit_with_retries(lambda: services.set_display_name(workshop, participant, form.display_name.data))
        flash(
            _("Saved. Your next notes will show this name.")
            if participant.display_name
            else _("Saved. Your next notes will be anonymous.")
        )
    else:
        flash(_("The name can have at most %(count)d characters.", count=40), "error")
    return redirect(url_for("workshops.phone", code=workshop.code))


@blueprint.route("/p/<code>/profile", methods=["POST"])
@code_lookups
@phone_view
def answer_profile(workshop: Workshop, participant: Participant):
    """The profile questions at join: answered once, or skipped (both remembered)."""
    form = ProfileForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("workshops.phone", code=workshop.code))
    skipped = "skip" in request.form
    answers = (
        {}
        if skipped
        else {q.key: request.form.get(f"profile-{q.key}") for q in profiles.profile_questions(workshop)}
    )
    try:
        commit_with_retries(lambda: profiles.answer_profile(workshop, participant, answers))
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for("workshops.phone", code=workshop.code))


@blueprint.route("/j/<code>/qr.svg")
@code_lookups
def join_qr(code: str):
    """The join link as a QR code, drawn on the server (no internet needed at the venue)."""
    workshop = services.workshop_for_code(code)
    qr = segno.make(public_links(workshop)["join_url"], error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=8, border=2, dark="#111", light="#fff", xmldecl=False)
    return Response(
        buffer.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=3600"}
    )


@blueprint.route("/s/<token>")
@code_lookups
def screen(token: str):
    """The projector page: join code, QR, prompt and notes, large enough for the back row."""
    workshop = workshop_for_screen(token)
    use_page_language(workshop.language)
    state = workshop_state(workshop, "screen")
    return render_template(
        "workshops/screen.html", workshop=workshop, state=state, links=public_links(workshop)
    )


@blueprint.route("/w/")
@login_required
def dashboard():
    return render_template("workshops/dashboard.html", workshops=services.list_workshops())


@blueprint.route("/w/new", methods=["GET", "POST"])
@login_required
def new_workshop():
    try:
        plans = [entry.plan for entry in library_plans()]  # shipped and stored, not archived
    except PlanError as error:
        flash(_("A session plan file is broken: %(error)s", error=str(error)), "error")
        plans = []
    form = NewWorkshopForm()
    language = str(request.accept_languages.best_match(["es", "en"]) or "es")
    form.plan.choices = [SelectChoice(plan.slug, plan.text("title", language)) for plan in plans]
    extra_languages = sorted({code for plan in plans for code in plan.prompt_languages})
    form.second_language.choices = [SelectChoice("", _("Only the workshop's language"))] + [
        SelectChoice(code, language_name(code)) for code in ("es", "en", *extra_languages)
    ]
    # Each plan's suggested question, per language: the form starts from the chosen plan's
    # (`?plan=` from the list below works without JavaScript; the page's script follows the
    # plan and language boxes while the facilitator has not written their own).
    suggestions = {
        plan.slug: {lang: plan.question.get(lang, "") for lang in plan.languages} for plan in plans
    }
    if request.method == "GET":
        chosen = request.args.get("plan", "")
        if chosen in suggestions:
            form.plan.data = chosen
        slug = form.plan.data if form.plan.data in suggestions else (plans[0].slug if plans else "")
        form.question.data = suggestions.get(slug, {}).get(form.language.data or "es", "")
    if form.validate_on_submit():
        try:
            plan = plan_by_slug(form.plan.data)
        except PlanError as error:
            form.plan.errors.append(str(error))
        else:
            workshop = _create_workshop(form, plan)
            if workshop is not None:
                return redirect(url_for("workshops.facilitate", workshop_id=workshop.id))
    return render_template("workshops/new.html", form=form, plans=plans, suggestions=suggestions)


def _create_workshop(form: NewWorkshopForm, plan) -> Workshop | None:
    """Create the workshop the form describes; a refusal goes beside its field."""
    facilitator = current_user._get_current_object()
    second = form.second_language.data or None
    if second and second not in services.second_language_choices(plan, form.language.data):
        form.second_language.errors = [
            *form.second_language.errors,
            _("This plan has no prompts in language %(language)s.", language=second),
        ]
        return None
    try:
        return commit_with_retries(
            lambda: services.create_workshop(
                facilitator,
                plan,
                form.title.data,
                form.language.data,
                form.place.data,
                form.held_on.data,
                question=form.question.data,
                second_language=second,
            )
        )
    except DomainError as error:
        form.title.errors = [*form.title.errors, error.message]
        return None


@blueprint.route("/w/<int:workshop_id>")
@login_required
def facilitate(workshop_id: int):
    workshop = get_workshop(workshop_id)
    state = workshop_state(workshop, "facilitator")
    return render_template(
        "workshops/facilitate.html",
        workshop=workshop,
        state=state,
        links=public_links(workshop),
        stage_form=StageForm(),
        question_form=QuestionForm(question=workshop.question or ""),
        second_language_form=_second_language_form(workshop),
    )


def _second_language_form(workshop: Workshop) -> SecondLanguageForm:
    form = SecondLanguageForm(second_language=workshop.second_language or "")
    choices = services.second_language_choices(workshop.plan, workshop.language)
    form.second_language.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(code, language_name(code)) for code in choices
    ]
    return form


@blueprint.route("/w/<int:workshop_id>/second-language", methods=["POST"])
@login_required
def set_second_language(workshop_id: int):
    """The console's "prompts also in" setting; phones, projector and consoles get it live."""
    workshop = get_workshop(workshop_id)
    form = SecondLanguageForm()
    if form.validate_on_submit():
        facilitator = current_user._get_current_object()

        def change(changes: Changes) -> None:
            services.set_second_language(workshop, facilitator, form.second_language.data)
            changes.everyone()

        try:
            run_change(workshop, change)
        except DomainError as error:
            flash(error.message, "error")
    else:
        flash(_("The form expired; try again."), "error")
    return redirect(url_for("workshops.facilitate", workshop_id=workshop.id))


@blueprint.route("/w/<int:workshop_id>/question", methods=["POST"])
@login_required
def set_question(workshop_id: int):
    """The console's question form; phones, projector and other consoles get it live."""
    workshop = get_workshop(workshop_id)
    form = QuestionForm()
    facilitator = current_user._get_current_object()
    if form.validate_on_submit():

        def change(changes: Changes) -> None:
            services.set_question(workshop, facilitator, form.question.data or "")
            changes.everyone()

        try:
            run_change(workshop, change)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Question saved: every screen shows it now."))
    else:
        for error in form.question.errors or [_("The form expired; try again.")]:
            flash(str(error), "error")
    return redirect(url_for("workshops.facilitate", workshop_id=workshop.id))


@blueprint.route("/w/<int:workshop_id>/spotlight/release", methods=["POST"])
@login_required
def release_spotlight(workshop_id: int):
    """The console's Release button without JavaScript (it normally sends `release_spotlight`)."""
    workshop = get_workshop(workshop_id)
    if Form().validate_on_submit():
        facilitator = current_user._get_current_object()

        def change(changes: Changes) -> None:
            spotlight.release_spotlight(workshop, facilitator)
            changes.everyone()

        try:
            run_change(workshop, change)
        except DomainError as error:
            flash(error.message, "error")
    return redirect(url_for("workshops.facilitate", workshop_id=workshop.id))


@blueprint.route("/w/<int:workshop_id>/stage", methods=["POST"])
@login_required
def change_stage(workshop_id: int):
    """The no-JavaScript stage buttons; the console normally sends `change_stage` live."""
    workshop = get_workshop(workshop_id)
    form = StageForm()
    stage = typed_number(form.stage.data) if form.validate_on_submit() else None
    facilitator = current_user._get_current_object()

    def change(changes: Changes) -> None:
        services.change_stage(workshop, facilitator, -1 if stage is None else stage)
        changes.everyone()

    try:
        run_change(workshop, change)
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for("workshops.facilitate", workshop_id=workshop.id))


def _delete(workshop: Workshop, facilitator, changes: Changes) -> None:
    """Delete, then close every open connection of the workshop (phones, projector, consoles)."""
    sids = connection_ids(workshop_id=workshop.id)
    services.delete_workshop(workshop, facilitator)
    changes.close(sids, "ended")


class DeleteForm(Form):
    """The second question before deleting: the workshop's join code, typed."""

    code = StringField()


@blueprint.route("/w/<int:workshop_id>/close", methods=["POST"])
@login_required
def close_workshop(workshop_id: int):
    """Make the workshop read-only; connected phones get a state that says it is closed."""
    return _lifecycle_change(
        workshop_id,
        services.close_workshop,
        _(
            "The workshop is closed: nothing can be changed and its code no "
            "longer works. Its exports still work."
        ),
    )


@blueprint.route("/w/<int:workshop_id>/reopen", methods=["POST"])
@login_required
def reopen_workshop(workshop_id: int):
    return _lifecycle_change(
        workshop_id, services.reopen_workshop, _("The workshop is open again; its code works again.")
    )


def _lifecycle_change(workshop_id: int, operation, done: str):
    workshop = get_workshop(workshop_id)
    if Form().validate_on_submit():
        facilitator = current_user._get_current_object()

        def change(changes: Changes) -> None:
            operation(workshop, facilitator)
            changes.everyone()

        try:
            run_change(workshop, change)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(done)
    return redirect(url_for("workshops.facilitate", workshop_id=workshop.id) + "#lifecycle")


@blueprint.route("/w/<int:workshop_id>/delete", methods=["GET", "POST"])
@login_required
def delete_workshop(workshop_id: int):
    """Deleting is asked twice: the Delete button leads here, and this page wants the
    workshop's join code typed before it deletes anything."""
    workshop = get_workshop(workshop_id)
    form = DeleteForm()
    status = 200
    if form.validate_on_submit():
        if services.code_matches(workshop, form.code.data):
            title = workshop.title
            facilitator = current_user._get_current_object()
            try:
                run_change(workshop, lambda changes: _delete(workshop, facilitator, changes))
            except DomainError as error:
                flash(error.message, "error")
            else:
                flash(_('The workshop "%(title)s" and everything in it were deleted.', title=title))
                return redirect(url_for("workshops.dashboard"))
        else:
            form.code.errors.append(_("This is not the workshop's code; nothing was deleted."))
            status = 400
    return render_template(
        "workshops/confirm_delete.html",
        workshop=workshop,
        form=form,
        contents=services.workshop_contents(workshop),
        code=format_code(workshop.code),
    ), status
