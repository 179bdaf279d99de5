"""``accord serve``: real gunicorn processes against the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from accord.jobs.testing import current_database_url

# Other processes, on the real clock.
pytestmark = pytest.mark.real_clock


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answer(port: int, deadline: float) -> int:
    """The status of the login page on ``port``, waiting for the server to start."""
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as page:
                return int(page.status)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_it_serves_two_instances_on_one_machine_without_a_shared_control_socket(tmp_path: Path):
    home = tmp_path / "home"
    runtime = tmp_path / "runtime"
    home.mkdir()
    runtime.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "PYTHONUNBUFFERED": "1",
    }
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "accord",
                "serve",
                "--no-migrate",
                "--no-worker",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            cwd=settings.PROJECT_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 90
        assert [answer(port, deadline) for port in ports] == [200, 200]
        # Neither gunicorn claimed the per-user control socket path the
        # other would have taken over.
        assert sorted(p.name for p in [*home.rglob("*"), *runtime.rglob("*")]) == []
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    assert [server.returncode for server in servers] == [0, 0]
