"""`make run` is one command: `flask run-all` serves the shop and runs the job worker beside it,
and stopping it stops both."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


@pytest.mark.slow
def test_run_all_serves_and_runs_the_worker_and_stops_both(tmp_path):
    if not Path("/proc/self/task").exists():
        pytest.skip("needs /proc to find the worker process")
    port = free_port()
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}",
        "JOBS_SQLITE_PATH": str(tmp_path / "jobs.db"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "flask", "run-all", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                    status = r.status
            except OSError:
                time.sleep(0.5)
        assert status == 200
        [worker] = children(server.pid)
        assert alive(worker)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        for _ in range(60):
            if not alive(worker):
                break
            time.sleep(0.5)
        assert not alive(worker)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
