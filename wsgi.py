"""WSGI entry point: ``gunicorn wsgi:app``. WhiteNoise (set up in create_app) serves static/."""

from shop import create_app
from shop.server import ready_to_serve

app = ready_to_serve(create_app())
