"""``accord serve``: web server and worker start together and stop together."""

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

# Another process reads timestamps this test writes, on the real clock.
pytestmark = pytest.mark.real_clock


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.own_databases
def test_it_serves_pages_with_a_worker_and_stops_both_on_ctrl_c(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "ACCORD_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
    }
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "accord",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as r:
                    status = r.status
            except OSError:
                assert serve.poll() is None, serve.stdout.read() if serve.stdout else ""
                time.sleep(0.5)
        assert status == 200
        children = children_of(serve.pid)
        assert len(children) == 2, "a web server and a worker run beside each other"

        serve.send_signal(signal.SIGINT)
        output, _ = serve.communicate(timeout=40)
    finally:
        if serve.poll() is None:
            serve.kill()

    assert serve.returncode == 0
    assert f"Accord is serving http://127.0.0.1:{port}/" in output
    assert "a job worker runs beside it" in output
    assert "Stopped the web server and the worker." in output
    assert not any(alive(pid) for pid in children)
