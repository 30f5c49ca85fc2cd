"""Getting a process ready to serve: what ``wsgi.py`` (and the benchmark's app) run once, after
the app is built and before the first request."""

from __future__ import annotations

import gc

from flask import Flask


def ready_to_serve(app: Flask) -> Flask:
    """Keep the cyclic garbage collector off what the process built while starting.

    Building the app loads thousands of long-lived objects (modules, SQLAlchemy's mappers, the
    URL map, Babel's locale data, the 2025 address list). Every full collection walked all of
    them, pausing a worker for tens of milliseconds every few dozen requests; ``gc.freeze()``
    moves them to the permanent generation, so collections only walk what requests make.
    With gunicorn's default (no ``--preload``) each worker builds its own app and freezes it;
    with ``--preload`` the frozen objects also stay shared with the workers after the fork.
    """
    gc.collect()
    gc.freeze()
    return app
