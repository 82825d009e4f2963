"""WSGI entry point for an external server, e.g.
``gunicorn -w 1 --threads 500 -k gthread wsgi:app`` (one worker per process)."""

from workshop import create_app

app = create_app()
