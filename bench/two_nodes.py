"""Two web nodes and two job workers on one PostgreSQL, driven from loopback.

Starts two ``accord serve --no-worker`` processes on two ports (each gunicorn
with 2 workers) and two ``accord worker`` processes, all on DATABASE_URL
(PostgreSQL) and, with REDIS_URL, Redis as the shared cache. Then checks and
measures what several machines must get right:

1. a session signed in on one node works on the other;
2. survey answers submitted concurrently across both nodes — each link
   answered once on each node at the same moment — are each stored exactly
   once;
3. queued jobs each run exactly once across both workers (every job writes
   one row under a unique key: a second run would fail and show);
4. p50, p95 and p99 of the main pages and API lists, requested alternately
   from both nodes, against a bare page served the same way (one row read).

With ``--pgbouncer`` the nodes and workers connect through Debian's PgBouncer
in transaction pooling mode (started here on a free port) with the one
setting Accord needs there, DB_DISABLE_SERVER_SIDE_CURSORS=true.
Run by hand; results go to docs/BENCHMARKS.md:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_two_nodes \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/two_nodes.py [--pgbouncer]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import owner_of, sent_survey_links  # noqa: E402

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.two_nodes_settings"

# The servers a bench starts: development settings, and API rates no load
# generator reaches (one token sends thousands of requests a minute here,
# far above the default throttle of 600 a minute, which is for people).
SERVER_ENV = {
    "PYTHONPATH": str(ROOT),
    "ACCORD_ENV": "development",
    "ACCORD_API_RATE_PER_TOKEN": "1000000/m",
    "ACCORD_API_RATE_PER_ADDRESS": "1000000/m",
}

SLUG = "two-nodes"
PASSWORD = "two-nodes-bench-password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port} within {seconds:.0f} s")


def ready(port: int, seconds: float = 600) -> None:
    """Wait until the node answers a page (its workers have loaded Accord)."""
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/bench/page/", timeout=60).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise SystemExit(f"port {port} did not answer a page within {seconds:.0f} s")


# -- setup, in this process ------------------------------------------------------------


def setup(*, answers: int, leads: int, responses: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accord.cli.benchdata import Sizes, bench_data
    from accord.orgs.services import api_token_create

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_row (id bigserial PRIMARY KEY, "
            "created timestamptz NOT NULL, value integer NOT NULL)"
        )
    (filled,) = bench_data(slugs=[SLUG], sizes=Sizes(leads=leads, responses=responses))
    organization = filled.organization
    owner = owner_of(organization)
    owner.user.set_password(PASSWORD)
    owner.user.save(update_fields=["password"])
    token = api_token_create(membership=owner, name=f"two nodes {time.time():.0f}").secret
    campaign, links = sent_survey_links(organization, answers, "Two nodes")
    run = int(time.time())
    connection.close()
    return {
        "email": owner.user.email,
        "api_token": token,
        "campaign_id": campaign.pk,
        "links": links,
        "run": run,
    }


# -- the processes ---------------------------------------------------------------------


@contextmanager
def process(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("w") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield child
        finally:
            child.terminate()
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()


@contextmanager
def pgbouncer(database_url: str, folder: Path) -> Iterator[str]:
    """PgBouncer in transaction pooling mode in front of ``database_url``; yields its URL."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        sys.exit("pgbouncer is not installed (Debian: apt-get install pgbouncer).")
    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    port = free_port()
    ini = folder / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"{name} = host={parts.hostname or '127.0.0.1'} port={parts.port or 5432} "
        f"dbname={name} user={parts.username or 'postgres'}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\n"
        "auth_type = any\npool_mode = transaction\n"
        "max_client_conn = 400\ndefault_pool_size = 20\n"
        f"unix_socket_dir = {folder}\nlogfile = {folder / 'pgbouncer.log'}\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    folder.chmod(0o777)
    ini.chmod(0o644)
    command = [binary, str(ini)]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        command[1:1] = ["-u", "postgres"]
    with process(command, dict(os.environ), folder / "pgbouncer.out"):
        wait_for(port, 30)
        yield urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{port}"))


# -- HTTP from loopback ----------------------------------------------------------------


def session_on(port: int, email: str) -> Any:
    import requests

    session = requests.Session()
    login = f"http://127.0.0.1:{port}/accounts/login/"
    session.get(login, timeout=60)
    answer = session.post(
        login,
        data={
            "login": email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        },
        headers={"Referer": login},
        timeout=60,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        sys.exit(f"signing in on port {port} answered {answer.status_code}")
    return session


def answer_everywhere(ports: list[int], links: list[str]) -> list[int]:
    """Answer each link once on every node at the same moment; return the statuses."""
    import requests

    def answer(pair: tuple[int, str]) -> int:
        index, link = pair
        opened = requests.get(
            f"http://127.0.0.1:{ports[0]}/s/{link}", allow_redirects=False, timeout=60
        )
        form = opened.headers["Location"]
        body = {"score": str(index % 11), "better": "Faster replies", "well": ""}

        def post(port: int) -> int:
            return requests.post(
                f"http://127.0.0.1:{port}{form}",
                data=body,
                cookies=opened.cookies,
                allow_redirects=False,
                timeout=60,
            ).status_code

        with ThreadPoolExecutor(len(ports)) as both:
            return max(both.map(post, ports))

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(answer, enumerate(links)))


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def latencies(fetch: Callable[[int, str], int], ports: list[int], path: str, count: int) -> Any:
    def one(index: int) -> tuple[float, int]:
        began = time.perf_counter()
        status = fetch(ports[index % len(ports)], path)
        return time.perf_counter() - began, status

    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(one, range(count)))
    bad = [status for _, status in done if status != 200]
    if bad:
        sys.exit(f"{path} answered {sorted(set(bad))}")
    return percentiles([seconds for seconds, _ in done])


# -- checks against the database -------------------------------------------------------


def stored_answers(campaign_id: int) -> tuple[int, int]:
    from accord.feedback.models import Response

    answered = Response.objects.filter(recipient__campaign_id=campaign_id)
    return answered.count(), answered.values("recipient_id").distinct().count()


def run_jobs(count: int, run: int, timeout: float) -> tuple[int, int, float]:
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from accord.jobs.services import job_enqueue
    from accord.jobs.tests.jobs_for_tests import record
    from accord.mail.models import Delivery

    prefix = f"two-nodes-{run}-"
    ids: list[str] = []
    for start in range(0, count, 1000):
        with transaction.atomic():
            ids += [
                job_enqueue(record, key=f"{prefix}{i}")
                for i in range(start, min(count, start + 1000))
            ]
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if not DBTaskResult.objects.filter(id__in=ids, status__in=["READY", "RUNNING"]).exists():
            break
        time.sleep(1)
    seconds = time.monotonic() - began
    succeeded = DBTaskResult.objects.filter(id__in=ids, status="SUCCESSFUL").count()
    written = Delivery.objects.filter(key__startswith=prefix).count()
    return succeeded, written, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200, help="requests per page measured")
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--pgbouncer", action="store_true")
    parser.add_argument("--job-timeout", type=float, default=1800)
    options = parser.parse_args()
    if min(options.answers, options.jobs, options.samples) < 1:
        sys.exit("--answers, --jobs and --samples must be at least 1.")
    load = os.getloadavg()
    made = setup(answers=options.answers, leads=options.leads, responses=options.responses)
    database_url = os.environ["DATABASE_URL"]
    python = sys.executable
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="accord-two-nodes-") as name, ExitStack() as stack:
        folder = Path(name)
        env = {**os.environ, **SERVER_ENV}
        if options.pgbouncer:
            env["DATABASE_URL"] = stack.enter_context(pgbouncer(database_url, folder))
            env["DB_DISABLE_SERVER_SIDE_CURSORS"] = "true"
        ports = [free_port(), free_port()]
        for node, port in enumerate(ports):
            command = [python, "-m", "accord", "serve", "--no-worker", "--no-migrate"]
            command += ["--port", str(port), "--workers", "2"]
            stack.enter_context(process(command, env, folder / f"web{node}.log"))
        for node in range(2):
            # `accord worker` with the jobs that write one row under a unique key loaded.
            worker = [python, "-m", "accord.jobs.tests.worker_main", "worker"]
            worker += ["--worker-id", f"node{node}"]
            stack.enter_context(process(worker, env, folder / f"worker{node}.log"))
        for port in ports:
            wait_for(port)
            ready(port)

        # 1. A session from one node works on the other.
        session = session_on(ports[0], made["email"])
        home = f"/o/{SLUG}/"
        other = session.get(f"http://127.0.0.1:{ports[1]}{home}", allow_redirects=False)
        session_ok = other.status_code == 200
        print(f"session signed in on node A, page on node B: {other.status_code}")
        if not session_ok:
            failures.append("session")

        # 2. Survey answers, each posted to both nodes at once.
        began = time.perf_counter()
        statuses = answer_everywhere(ports, made["links"])
        seconds = time.perf_counter() - began
        rows, recipients = stored_answers(made["campaign_id"])
        print(
            f"survey answers: {options.answers} links x 2 nodes in {seconds:.1f} s; "
            f"stored {rows} responses for {recipients} recipients; "
            f"statuses {sorted(set(statuses))}"
        )
        if rows != options.answers or recipients != options.answers:
            failures.append("survey answers")

        # 3. Jobs across both workers.
        succeeded, written, seconds = run_jobs(options.jobs, made["run"], options.job_timeout)
        print(
            f"jobs: {options.jobs} queued, {succeeded} succeeded, {written} effects written, "
            f"{seconds:.1f} s for both workers ({options.jobs / max(seconds, 0.001):.0f} jobs/s)"
        )
        if succeeded != options.jobs or written != options.jobs:
            failures.append("jobs")

        # 4. Latency of the main pages and API lists against the bare page.
        import requests

        cookies = session.cookies
        bearer = {"Authorization": f"Bearer {made['api_token']}"}

        def page(port: int, path: str) -> int:
            url = f"http://127.0.0.1:{port}{path}"
            return requests.get(url, cookies=cookies, timeout=120).status_code

        def api(port: int, path: str) -> int:
            url = f"http://127.0.0.1:{port}{path}"
            return requests.get(url, headers=bearer, timeout=120).status_code

        measured = [
            ("bare page (one row read)", page, "/bench/page/"),
            ("Overview", page, home),
            ("goals board", page, f"{home}goals/"),
            ("pipeline", page, f"{home}pipeline/"),
            ("customer feedback (NPS)", page, f"{home}customers/"),
            ("follow-ups", page, f"{home}customers/followups/"),
            ("API leads", api, "/api/v1/pipeline/leads"),
            ("API goals", api, "/api/v1/goals"),
            ("API responses", api, "/api/v1/feedback/responses"),
        ]
        print(f"\n{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}   ({options.samples} each)")
        bare_p50 = 0.0
        for label, fetch, path in measured:
            p50, p95, p99 = latencies(fetch, ports, path, options.samples)
            bare_p50 = bare_p50 or p50
            print(f"{label:28} {p50:8.0f} {p95:8.0f} {p99:8.0f}   {p50 / bare_p50:5.1f}x bare p50")
    print(
        f"\n{'through PgBouncer (transaction pooling)' if options.pgbouncer else 'direct'}; "
        f"load average before: {' '.join(f'{x:.2f}' for x in load)}"
    )
    if failures:
        print(f"FAILED: {', '.join(failures)}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
