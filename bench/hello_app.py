"""A bare Flask hello-world: the ceiling every page of ``make bench`` is compared with.

Served exactly like the shop (gunicorn, the same worker count), so the ratio of a page to this
app is what the shop's own work costs — routing, hooks, queries and templates.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, world!"
