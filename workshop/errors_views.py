"""Friendly error pages: no stack trace ever reaches a person."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from workshop.errors import DomainError
from workshop.extensions import db

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/")


def _page(status: int, title: str, message: str):
    if _wants_json():
        return jsonify({"ok": False, "message": message}), status
    return render_template("errors/error.html", title=title, message=message), status


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return _page(error.status, _("That did not work"), error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _page(
            400,
            _("Please try again"),
            _("The form expired or came from elsewhere. Reload the page and send it again."),
        )

    @app.errorhandler(429)
    def too_many(error: HTTPException):
        return _page(
            429,
            _("Too many attempts"),
            _("Too many attempts from this network. Wait a minute and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {
            404: _("This page does not exist."),
            405: _("This page cannot be used that way."),
            413: _("What you sent is too large."),
        }
        return _page(
            error.code or 500,
            _("Something is not right"),
            messages.get(error.code or 500, _("The request could not be handled.")),
        )

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s", request.path)
        return _page(
            500,
            _("Something went wrong"),
            _("The server had a problem. Nothing you had saved was lost; try again."),
        )
