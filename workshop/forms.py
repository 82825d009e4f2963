"""The base of every form: it reads what a browser's form sends, nothing else.

Flask-WTF also fills a form from a JSON body; then a field may hold a number, a list or
an object, or the body may not be an object at all, and a view that expects text fails
with a server error. No page of this app posts JSON, so a JSON body counts as an empty
form: the form does not validate and the page answers as for any incomplete form.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm


class Form(FlaskForm):
    def __init__(self, *args: Any, **kwargs: Any):
        if not args and "formdata" not in kwargs and request.is_json:
            kwargs["formdata"] = None
        super().__init__(*args, **kwargs)
