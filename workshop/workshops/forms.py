from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from workshop.config import DISPLAY_NAME_MAX_LENGTH, NOTE_MAX_LENGTH, QUESTION_MAX_LENGTH
from workshop.forms import Form


class NewWorkshopForm(Form):
    plan = SelectField(_l("Session plan"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(
        _l("Language"), default="es", choices=[SelectChoice("es", "Español"), SelectChoice("en", "English")]
    )
    place = StringField(_l("Place (optional)"), validators=[Optional(), Length(max=200)])
    held_on = DateField(_l("Date (optional)"), validators=[Optional()])
    second_language = SelectField(
        _l("Prompts also in (optional)"),
        description=_l("A second language the plan has prompts in: phones, projector and console show both."),
        default="",
        validate_choice=False,  # the service checks it against the chosen plan
    )
    question = TextAreaField(
        _l("Challenge question (optional)"),
        description=_l("What this room works on, in its own words: shown on every screen and in the report."),
        validators=[Optional(), Length(max=QUESTION_MAX_LENGTH)],
    )


class QuestionForm(Form):
    """The facilitator edits the challenge question (a plain form: works without JavaScript)."""

    question = TextAreaField(
        _l("Challenge question"), validators=[Optional(), Length(max=QUESTION_MAX_LENGTH)]
    )


class NoteForm(Form):
    """The no-JavaScript way to post a note; the page's script normally sends it live."""

    text = TextAreaField(_l("Your note"), validators=[DataRequired(), Length(max=NOTE_MAX_LENGTH)])
    lane = HiddenField()
    stage = HiddenField()
    stage_id = HiddenField()
    client_id = HiddenField()


class NameForm(Form):
    display_name = StringField(
        _l("Your name (optional)"), validators=[Optional(), Length(max=DISPLAY_NAME_MAX_LENGTH)]
    )


class ProfileForm(Form):
    """Only the CSRF token: the answers are the plan's questions, checked by the service."""


class StageForm(Form):
    stage = HiddenField()


class SecondLanguageForm(Form):
    """The console's "prompts also in" setting (a plain form: works without JavaScript)."""

    second_language = SelectField(_l("Prompts also in"), default="", validate_choice=False)
