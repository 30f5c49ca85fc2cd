"""The shop's WSGI app plus a bare hello-world route, for measuring the server's ceiling.

Served like ``wsgi.py`` serves the shop (``ready_to_serve``).

Only the benchmark serves this (``gunicorn "bench.app:create_bench_app()"``); production
serves ``wsgi:app``.
"""

from flask import Flask

from shop import create_app
from shop.server import ready_to_serve


def create_bench_app(config=None) -> Flask:
    app = create_app(config)

    @app.get("/_bench/hello")
    def hello() -> str:
        return "Hello, world!"

    return ready_to_serve(app)
