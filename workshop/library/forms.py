from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional

from workshop.forms import Form

SLUG_HELP = _l("Lower-case letters, digits or -, e.g. “waiting-times”: it names the file and the plan.")


class ImportPlanForm(Form):
    file = FileField(_l("Plan file (.toml)"), validators=[FileRequired(_l("Choose a .toml plan file."))])
    slug = StringField(
        _l("Short name (optional)"),
        description=_l(
            "Empty: the file's name. Lower-case letters, digits or -, e.g. “waiting-times”: "
            "it names the file and the plan."
        ),
        validators=[Optional(), Length(max=63)],
    )
    replace = BooleanField(_l("Replace the stored plan with this short name, if there is one"))


class NewPlanForm(Form):
    """Duplicate a plan, or save a workshop's plan: the new plan's short name and title."""

    slug = StringField(_l("Short name"), description=SLUG_HELP, validators=[DataRequired(), Length(max=63)])
    title = StringField(
        _l("Title (optional)"),
        description=_l("Empty: the plan keeps its title."),
        validators=[Optional(), Length(max=200)],
    )
