from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from workshop.commitments.models import STATUS_NOTE_MAX_LENGTH
from workshop.forms import Form


class StatusForm(Form):
    """A facilitator's dated status update on a commitment (works without JavaScript)."""

    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("planned", _l("Planned")),
            SelectChoice("started", _l("Started")),
            SelectChoice("done", _l("Done")),
            SelectChoice("dropped", _l("Dropped")),
        ],
        validators=[DataRequired()],
    )
    noted_on = DateField(_l("Date"), validators=[DataRequired()])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=STATUS_NOTE_MAX_LENGTH)])
    next = HiddenField()
