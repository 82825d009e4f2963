"""Placeholder: being written."""

from flask import Blueprint

blueprint = Blueprint("importing", __name__)
