"""WSGI entry point: ``gunicorn wsgi:app``. WhiteNoise (set up in create_app) serves static/."""

from shop import create_app

app = create_app()
