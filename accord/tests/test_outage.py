"""Outages end with a clear message: a database that cannot be reached, for real.

Each test starts a separate process whose DATABASE_URL points where no
database answers: a PostgreSQL port on 127.0.0.1 where nothing listens, or
an SQLite file in a directory that does not exist. Nothing is mocked: the
driver really fails to connect, whichever database the suite runs on.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

# Every process here points at a database of its own (an unreachable one).
pytestmark = [pytest.mark.slow, pytest.mark.real_clock, pytest.mark.own_databases]


def _closed_port() -> int:
    """A port on 127.0.0.1 where, once the probe is closed, nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable(request, tmp_path) -> str:
    if request.param == "postgresql":
        return f"postgres://accord@127.0.0.1:{_closed_port()}/accord"
    return f"sqlite:///{tmp_path / 'missing-directory' / 'accord.sqlite3'}"


def _env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "ACCORD_", "DATABASE_", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="accord.settings",
        ACCORD_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=database_url,
        **extra,
    )
    return env


REQUESTS = """
import json, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
seen = {}
api = client.get("/api/v1/pipeline/leads", HTTP_AUTHORIZATION="Bearer acc_not-checked")
seen["api"] = [api.status_code, api["Content-Type"], api.json(), api.get("Retry-After")]
api_post = client.post(
    "/api/v1/pipeline/leads/1/touch", "{}", content_type="application/json",
    HTTP_AUTHORIZATION="Bearer acc_not-checked",
)
seen["api_post"] = [api_post.status_code, api_post.json()]
client.cookies["sessionid"] = "a" * 32  # a signed-in browser: the session is read
page = client.get("/")
seen["page"] = [page.status_code, page["Content-Type"], page.content.decode()]
survey = Client(raise_request_exception=False).get("/s/some-token")
seen["survey"] = [survey.status_code, survey.content.decode()]
print(json.dumps(seen))
"""


def test_it_answers_503_with_a_clear_message_when_the_database_is_unreachable(
    unreachable, tmp_path
):
    run = subprocess.run(
        [sys.executable, "-c", REQUESTS],
        cwd=settings.PROJECT_DIR,
        env=_env(unreachable, tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    status, content_type, body, retry_after = seen["api"]
    assert (status, content_type, body) == (
        503,
        "application/json",
        {"detail": "database unavailable"},
    )
    assert retry_after == "30"
    assert seen["api_post"] == [503, {"detail": "database unavailable"}]
    status, content_type, html = seen["page"]
    assert status == 503 and content_type.startswith("text/html")
    assert "Accord is temporarily unavailable" in html
    assert "cannot reach its database" in html
    assert "Traceback" not in html
    status, html = seen["survey"]
    assert status == 503 and "Accord is temporarily unavailable" in html


@pytest.mark.parametrize("command", [["migrate"], ["jobs", "list"]])
def test_it_ends_a_command_with_one_line_when_the_database_is_unreachable(
    unreachable, tmp_path, command
):
    run = subprocess.run(
        [sys.executable, "-m", "accord", *command],
        cwd=settings.PROJECT_DIR,
        env=_env(unreachable, tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("accord: database unavailable: ")
    assert "Traceback" not in run.stderr


def test_it_shows_the_whole_traceback_when_asked(tmp_path):
    database = f"sqlite:///{tmp_path / 'missing-directory' / 'accord.sqlite3'}"
    run = subprocess.run(
        [sys.executable, "-m", "accord", "migrate", "--traceback"],
        cwd=settings.PROJECT_DIR,
        env=_env(database, tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode != 0 and "Traceback" in run.stderr


def test_it_keeps_the_worker_waiting_with_back_off_until_stopped(unreachable, tmp_path):
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "accord", "worker"],
            cwd=settings.PROJECT_DIR,
            env=_env(unreachable, tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 240
            waits: list[str] = []
            while time.monotonic() < deadline and len(waits) < 3:
                assert worker.poll() is None, log.read_text()
                waits = [
                    line.rsplit(" tries again in ", 1)[1]
                    for line in log.read_text().splitlines()
                    if line.startswith("Database unavailable (")
                ]
                time.sleep(0.2)
            # It waits, longer each time, and has not exited.
            assert waits[:3] == ["1 s.", "2 s.", "4 s."], log.read_text()
            assert worker.poll() is None
            assert "Traceback" not in log.read_text()
        finally:
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(timeout=60)
    assert code == 0, log.read_text()
    assert log.read_text().rstrip().endswith("stopped.")


WEAK_KEYS = {
    "too short": "s3cr3t-Key-that-is-only-thirty-chars",
    "few characters": "ab" * 30,
}


@pytest.mark.parametrize("key", WEAK_KEYS.values(), ids=WEAK_KEYS.keys())
def test_it_refuses_to_start_in_production_with_a_weak_secret_key(tmp_path, key):
    run = subprocess.run(
        [sys.executable, "-m", "accord", "check", "--deploy"],
        cwd=settings.PROJECT_DIR,
        env=_env(
            f"sqlite:///{tmp_path / 'accord.sqlite3'}",
            tmp_path,
            ACCORD_ENV="production",
            SECRET_KEY=key,
            ALLOWED_HOSTS="accord.example.com",
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("accord: configuration error: SECRET_KEY is too weak for production")
    assert "at least 50 characters and 10 different ones" in line
    assert key not in line  # the key is never printed
