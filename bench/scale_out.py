"""Scale-out check: two app servers and two job workers on one PostgreSQL and one Redis.

* the checkout race, each buyer filling the cart on one server and posting checkout on the
  other, places exactly as many orders as there are units;
* rate limits are shared: sign-in attempts spread over both servers meet the per-address limit
  once (``RATELIMIT_STORAGE_URI=redis://…``), not once per server or per worker process;
* a periodic job runs once per tick with two workers (``flask jobs worker``).

Each part it cannot run on this checkout (no ``redis`` package, no Redis server, no job worker
command) is skipped with the reason. ``make bench`` runs it last; ``--skip-scale-out`` leaves
it out.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SIGN_IN_LIMIT = 10  # "10 per minute" per address on POST /account/login
TICK_DONE = re.compile(r"job (\S+): tick (\S+) done")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Skip(Exception):
    """A piece the check needs is missing on this checkout."""


def _redis(url: str):
    try:
        import redis
    except ImportError:
        raise Skip(
            "the redis package is not installed (Redis rate-limit storage needs it)"
        ) from None
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise Skip(f"no Redis at {url}: {exc}") from None
    if client.dbsize():
        raise Skip(f"Redis database {url} is not empty: give an unused one with --redis-url")
    return client


def _worker_command() -> list[str]:
    flask = str(Path(sys.executable).parent / "flask")
    command = [flask, "--app", "wsgi", "jobs", "worker"]
    probe = subprocess.run(
        [*command, "--help"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        raise Skip("no job worker command (`flask jobs worker`) on this checkout")
    return command


def _start_app_server(env: dict, port: int, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}"]
    return subprocess.Popen(
        [*command, "wsgi:app"], cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def _wait_up(process: subprocess.Popen, base: str, log: Path) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise Skip(f"an app server did not start (see below):\n{log.read_text()[-1500:]}")
        try:
            requests.get(f"{base}/healthz", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{base} did not answer")


def check_shared_rate_limit(bases: list[str]) -> dict:
    """3 × the sign-in limit of wrong passwords, alternating servers, from one address."""
    from bench.racing import csrf as _csrf

    session = requests.Session()
    token = _csrf(session.get(f"{bases[0]}/account/login", timeout=30).text)
    statuses = []
    for i in range(3 * SIGN_IN_LIMIT):
        response = session.post(
            f"{bases[i % len(bases)]}/account/login",
            data={
                "csrf_token": token,
                "email": f"nobody{i}@example.vn",  # another account each time
                "password": "wrong password",
            },
            allow_redirects=False,
            timeout=60,
        )
        statuses.append(response.status_code)
    answered = sum(status != 429 for status in statuses)
    return {"attempts": len(statuses), "answered": answered, "limited": statuses.count(429)}


def check_periodic_jobs(logs: list[Path], seconds: float) -> dict:
    """Every (job, tick) done by exactly one of the workers."""
    time.sleep(seconds)
    done: Counter = Counter()
    for log in logs:
        done.update(TICK_DONE.findall(log.read_text(errors="replace")))
    return {
        "ticks": len(done),
        "run_twice": sorted(f"{j} {t}" for (j, t), n in done.items() if n > 1),
    }


def run(args) -> None:
    from bench.checkout_race import prepare, race

    print("\nscale-out: two app servers (gunicorn 2 workers × 4 threads each), two job workers")
    try:
        redis_client = _redis(args.redis_url)
    except Skip as why:
        print(f"scale-out check skipped: {why}")
        return
    try:
        worker = _worker_command()
    except Skip as why:
        worker = None
        print(f"periodic-job part skipped: {why}")

    server = make_url(args.race_database)
    name = f"ocop_scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    workdir = Path(tempfile.mkdtemp(prefix="ocop-scale-"))
    processes: list[subprocess.Popen] = []
    failures: list[str] = []
    try:
        product_id = prepare(url, args.units)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "INFO",
            "REDIS_URL": args.redis_url,
            "RATELIMIT_STORAGE_URI": args.redis_url,
            "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
            "JOBS_SQLITE_PATH": str(workdir / "jobs.db"),
        }
        ports = [free_port(), free_port()]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        logs = [workdir / f"app{i}.log" for i in range(2)]
        for port, log in zip(ports, logs, strict=True):
            processes.append(_start_app_server(env, port, log))
        worker_logs = [workdir / f"worker{i}.log" for i in range(2)]
        if worker:
            for log in worker_logs:
                processes.append(
                    subprocess.Popen(
                        worker, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
                    )
                )
        try:
            for process, base, log in zip(processes, bases, logs, strict=False):
                _wait_up(process, base, log)
        except Skip as why:
            print(f"scale-out check skipped: {why}")
            return
        started = time.monotonic()

        result = race(bases, product_id, args.buyers, url)
        print(
            f"checkout race over both servers: {result['buyers']} buyers for {args.units} units, "
            f"orders placed {result['placed']} (in the database: {result['orders_in_db']}), "
            f"sold out {result['sold_out']}, errors {len(result['errors'])}, "
            f"stock left {result['stock_left']}"
        )
        if (
            result["errors"]
            or result["placed"] != args.units
            or result["orders_in_db"] != args.units
            or result["stock_left"] != 0
        ):
            failures.append("checkout race over two servers: oversold, undersold or errors")

        limits = check_shared_rate_limit(bases)
        print(
            f"shared rate limit: {limits['attempts']} sign-in attempts over both servers, "
            f"{limits['answered']} answered before the limit of {SIGN_IN_LIMIT} a minute, "
            f"{limits['limited']} refused (429)"
        )
        if limits["answered"] != SIGN_IN_LIMIT:
            failures.append("rate limit not shared between the servers")

        if worker:
            # Wait past at least two minute ticks from the workers' start.
            wait = max(0.0, args.tick_wait - (time.monotonic() - started))
            ticks = check_periodic_jobs(worker_logs, wait)
            print(
                f"periodic jobs: {ticks['ticks']} job ticks run by two workers, "
                f"{len(ticks['run_twice'])} run twice"
            )
            if not ticks["ticks"]:
                failures.append("no periodic job ran (see the worker logs)")
            if ticks["run_twice"]:
                failures.append(f"periodic jobs ran twice: {ticks['run_twice']}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        redis_client.flushdb()  # checked empty before the run: only this run's keys
        if failures:
            for log in sorted(workdir.glob("*.log")):
                print(f"--- {log.name} (last lines)\n{log.read_text(errors='replace')[-1500:]}")
    if failures:
        raise SystemExit("scale-out check failed: " + "; ".join(failures))
    print("scale-out check passed")
