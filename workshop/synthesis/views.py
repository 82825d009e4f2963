"""Placeholder: being written."""

from flask import Blueprint

blueprint = Blueprint("synthesis", __name__)
