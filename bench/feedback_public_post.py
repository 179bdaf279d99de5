"""The public survey POST under gunicorn (2 workers) on PostgreSQL, against a bare
Django view that writes one row, in the same run.

The limit (issue 12): the survey POST reaches at least 0.33x the requests per
second of the bare view. Printed ratio = (bare rps * 0.33) / survey rps: below
1.0 is within the limit.

Each POST is a real customer answering a personal link (a random 0-10 score
and a comment) from its own address: the link's cookie is read, the link
looked up, then in one transaction both rate limits counted, the response
stored under its unique constraint, the recipient stamped and the follow-up
job queued (no worker runs here, so the jobs stay queued). The GET that puts
each link in a cookie is done before the clock starts. Both views are
requested from the same spread of loopback addresses.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_feedback_bench \\
        .venv/bin/python bench/feedback_public_post.py --requests 4000
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import sent_survey_links  # noqa: E402

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.feedback_settings"

# The survey POST's requests per second must reach this share of the bare view's.
LIMIT = 0.33
COMMENTS = ["Support was slow this month", "Great onboarding", "Pricing is confusing", ""]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request(
    port: int, method: str, path: str, body: str = "", cookie: str = "", source: str = ""
) -> tuple[int, dict[str, str]]:
    # Customers answer from many addresses: each request may come from its own
    # loopback address (127.0.0.0/8), so the per-address counter is not one hot row.
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=30, source_address=(source, 0) if source else None
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    found = {k.lower(): v for k, v in response.getheaders()}
    connection.close()
    return response.status, found


def prepare(args: tuple[int, str]) -> tuple[str, str]:
    """GET the emailed link; return (session cookie, token-free form path)."""
    port, token = args
    status, headers = request(port, "GET", f"/s/{token}")
    assert status == 302, status
    cookie = headers["set-cookie"].split(";", 1)[0]
    return cookie, headers["location"]


def hammer(args: tuple[int, list[tuple[str, str]], int]) -> list[int]:
    """POST every job with ``threads`` threads; return the status codes."""
    port, jobs, threads = args
    rng = random.Random(len(jobs))

    def one(job: tuple[str, str]) -> int:
        cookie, path = job
        body = urllib.parse.urlencode(
            {"score": rng.randint(0, 10), "better": rng.choice(COMMENTS), "well": ""}
        )
        source = f"127.0.{rng.randint(1, 250)}.{rng.randint(1, 250)}"
        return request(port, "POST", path, body, cookie, source)[0]

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, jobs))


def timed(
    port: int, jobs: list[tuple[str, str]], processes: int, threads: int
) -> tuple[float, list[int]]:
    slices = [jobs[i::processes] for i in range(processes)]
    started = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        statuses = [
            s for part in pool.map(hammer, [(port, part, threads) for part in slices]) for s in part
        ]
    return time.perf_counter() - started, statuses


def setup(count: int, history: int) -> list[str]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accord.cli.benchdata import Sizes, bench_data

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_row (id bigserial PRIMARY KEY, "
            "created timestamptz NOT NULL, value integer NOT NULL)"
        )
    (filled,) = bench_data(slugs=["survey-bench"], sizes=Sizes(responses=history))
    organization = filled.organization
    _, tokens = sent_survey_links(organization, count, "Bench")
    connection.close()
    return tokens


def in_process(tokens: list[str], rounds_of: int = 50) -> dict[str, tuple[float, float, float]]:
    """CPU per request of each view, served in this process through Django's
    WSGI handler (no HTTP, no load generator): (wall ms, Python CPU ms, CPU ms
    of the PostgreSQL backend serving the connection, read from /proc, so the
    server must run on this machine). Rounds of ``rounds_of`` survey POSTs and
    as many bare POSTs alternate."""
    import io

    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    application = get_wsgi_application()
    rng = random.Random(7)

    def call(
        method: str, path: str, body: str = "", cookie: str = ""
    ) -> tuple[str, dict[str, str]]:
        data = body.encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": f"127.0.{rng.randint(1, 250)}.{rng.randint(1, 250)}",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(data)),
            "HTTP_COOKIE": cookie,
            "wsgi.input": io.BytesIO(data),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            answer["status"], answer["headers"] = status, {k.lower(): v for k, v in headers}

        b"".join(application(environ, start_response))
        return answer["status"], answer["headers"]

    def backend_seconds() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    jobs = []
    for token in tokens:
        _, headers = call("GET", f"/s/{token}")
        jobs.append((headers["set-cookie"].split(";", 1)[0], headers["location"]))

    def survey(job: tuple[str, str]) -> None:
        cookie, path = job
        body = urllib.parse.urlencode(
            {"score": rng.randint(0, 10), "better": rng.choice(COMMENTS), "well": ""}
        )
        status, _ = call("POST", path, body, cookie)
        assert status.startswith("200"), status

    def bare(_: tuple[str, str]) -> None:
        status, _ = call("POST", "/bench/bare/", "score=3")
        assert status.startswith("200"), status

    # The first round warms the caches and is not counted, when there are more.
    warm, jobs = (jobs[:rounds_of], jobs[rounds_of:]) if len(jobs) > rounds_of else ([], jobs)
    for job in warm:
        survey(job)
        bare(job)
    totals = {"survey": [0.0, 0.0, 0.0], "bare": [0.0, 0.0, 0.0]}
    for start in range(0, len(jobs), rounds_of):
        chunk = jobs[start : start + rounds_of]
        for name, view in (("survey", survey), ("bare", bare)):
            pg, wall, cpu = backend_seconds(), time.perf_counter(), time.process_time()
            for job in chunk:
                view(job)
            spent = totals[name]
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu
            spent[2] += backend_seconds() - pg
    return {
        name: (w * 1000 / len(jobs), c * 1000 / len(jobs), p * 1000 / len(jobs))
        for name, (w, c, p) in totals.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per process")
    parser.add_argument(
        "--server-threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (1: sync workers; `accord serve` runs 4)",
    )
    parser.add_argument(
        "--history", type=int, default=10_000, help="past responses of the organisation"
    )
    parser.add_argument(
        "--in-process",
        type=int,
        default=0,
        help="then as many POSTs of each view in this process, for their CPU per request",
    )
    options = parser.parse_args()

    load = os.getloadavg()
    tokens = setup(options.requests + options.in_process, options.history)
    local_tokens, tokens = tokens[: options.in_process], tokens[options.in_process :]
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "bench.feedback_urls_wsgi:application",
            "--workers",
            "2",
            "--threads",
            str(options.server_threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ},
    )
    try:
        for _ in range(100):
            try:
                request(port, "GET", "/s/warm-up")
                break
            except OSError:
                time.sleep(0.1)
        with ThreadPoolExecutor(8) as pool:
            jobs = list(pool.map(prepare, [(port, t) for t in tokens]))
        warm = [(c, p) for c, p in jobs[:50]]
        timed(port, [("", "/bench/bare/")] * 200, options.processes, options.threads)
        timed(port, warm, options.processes, options.threads)

        # Rounds alternate between the two, so a busy moment of the machine
        # falls on both alike.
        rest = jobs[50:]
        rounds = 5
        survey_seconds = bare_seconds = 0.0
        statuses: list[int] = []
        bare_statuses: list[int] = []
        for index in range(rounds):
            chunk = rest[index::rounds]
            seconds, done = timed(port, chunk, options.processes, options.threads)
            survey_seconds += seconds
            statuses += done
            bare_jobs = [("", "/bench/bare/")] * len(chunk)
            seconds, done = timed(port, bare_jobs, options.processes, options.threads)
            bare_seconds += seconds
            bare_statuses += done
        bad = [s for s in statuses if s != 200]
        assert all(s == 200 for s in bare_statuses), set(bare_statuses)
    finally:
        server.terminate()
        server.wait(timeout=30)
    survey_rps = len(statuses) / survey_seconds
    bare_rps = len(bare_statuses) / bare_seconds
    threads = options.server_threads
    server = f"gunicorn, 2 {f'workers x {threads} threads' if threads > 1 else 'sync workers'}"
    print(f"requests per run        {len(statuses)} ({server}, PostgreSQL)")
    print(f"survey POST             {survey_rps:8.0f} req/s  (non-200 answers: {len(bad)})")
    print(f"bare one-row view       {bare_rps:8.0f} req/s")
    print(f"survey / bare           {survey_rps / bare_rps:8.2f}  (must be >= {LIMIT})")
    print(f"ratio against limit     {(bare_rps * LIMIT) / survey_rps:8.2f}  (<= 1.0 passes)")
    print(f"load average            {' '.join(f'{x:.2f}' for x in load)} (before the run)")
    if local_tokens:
        spent = in_process(local_tokens)
        # The first round of 50 warms the caches when there are more.
        timed_count = len(local_tokens) - 50 if len(local_tokens) > 50 else len(local_tokens)
        print(f"in process, per request ({timed_count} of each, ms): wall, Python CPU, PG CPU")
        for name, (wall, cpu, pg) in spent.items():
            print(f"  {name:6}                {wall:6.2f} {cpu:6.2f} {pg:6.2f}")
        print(f"  survey / bare (wall)  {spent['bare'][0] / spent['survey'][0]:6.2f}")


if __name__ == "__main__":
    main()
