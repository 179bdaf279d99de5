"""Resident memory of a web worker over many requests, and of the job worker
during an import uploaded through the web, sampled as they run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_memory_bench \\
        .venv/bin/python bench/memory.py [--requests 10000] [--import-rows 1000000]

1. Starts ``accord serve --no-worker`` with one web process of one thread
   (so one process answers everything) and one ``accord worker``.
2. Signs in and sends ``--requests`` requests, a fixed mix of pages and API
   lists (goals, follow-ups, responses, imports, the leads API at many
   pages, ...), one after another, and samples the web process's resident
   memory (VmRSS) every tenth of the way.
3. Uploads a HubSpot contacts export of ``--import-rows`` leads through the
   imports page, as a person would, and samples the worker's resident memory
   every half second until the import is done: the upload's time, the
   import's rows per second from upload to done, and the worker's peak.
   Meanwhile four signed-in members load ``--page-loads`` pages between
   them; on SQLite every one must answer 200 while the import writes
   (issue 13: SQLite stays responsive under work).

Memory that does not grow with requests or rows stays flat from the second
sample on; the script prints the growth from the first sample after warm-up
to the last (the limit of issue 13: neither grows with the number of
requests or rows). The themes fit over 100,000 comments is measured by
bench/feedback_themes.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.two_nodes_settings")

from bench.common import owner_of  # noqa: E402
from bench.pipeline_import import write_csv  # noqa: E402
from bench.two_nodes import (  # noqa: E402
    PASSWORD,
    SERVER_ENV,
    free_port,
    process,
    ready,
    session_on,
)

SLUG = "memory-bench"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> Iterator[int]:
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        yield int(child)
        yield from descendants(int(child))


def web_worker_pid(serve_pid: int) -> int:
    """The gunicorn worker under ``accord serve`` (master and worker both run gunicorn)."""
    found = list(descendants(serve_pid))
    if not found:
        raise SystemExit("no gunicorn worker found")
    return found[-1]  # the master's only child, the deepest process


def setup(leads: int, responses: int) -> tuple[list[str], str]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accord.cli.benchdata import Sizes, bench_data
    from accord.orgs.services import api_token_create

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    (filled,) = bench_data(slugs=[SLUG], sizes=Sizes(leads=leads, responses=responses))
    owner = owner_of(filled.organization)
    members = [owner, *filled.organization.memberships.exclude(pk=owner.pk).order_by("pk")[:3]]
    for member in members:
        member.user.set_password(PASSWORD)
        member.user.save(update_fields=["password"])
    token = api_token_create(membership=owner, name=f"memory {time.time():.0f}").secret
    connection.close()
    return [str(member.user.email) for member in members], token


def growth(samples: list[tuple[int, float]]) -> str:
    first, last = samples[1][1] if len(samples) > 1 else samples[0][1], samples[-1][1]
    peak = max(mb for _, mb in samples)
    return (
        f"{first:.0f} MB after warm-up, {last:.0f} MB at the end, peak {peak:.0f} MB, "
        f"growth {last - first:+.0f} MB"
    )


def mixed_requests(
    session: Any, bearer: dict[str, str], port: int, count: int, sample: Callable[[int], None]
) -> float:
    home = f"http://127.0.0.1:{port}/o/{SLUG}/"
    paths = [
        "goals/",
        "customers/followups/",
        "customers/responses/",
        "pipeline/imports/",
        "goals/activity/",
        "customers/campaigns/",
    ]
    api = f"http://127.0.0.1:{port}/api/v1/"
    began = time.perf_counter()
    for index in range(count):
        kind = index % 10
        if kind < 6:
            url = home + paths[kind]
        elif kind < 8:
            url = f"{api}pipeline/leads?page={1 + index % 50}"
        elif kind == 8:
            url = f"{api}feedback/responses?page={1 + index % 20}"
        else:
            url = f"{api}goals"
        answer = session.get(url, timeout=300, headers=bearer if kind >= 6 else None)
        if answer.status_code != 200:
            raise SystemExit(f"{url} answered {answer.status_code}")
        sample(index + 1)
    return time.perf_counter() - began


def page_load(session: Any, port: int, index: int, began: float) -> tuple[int, float]:
    """One signed-in page load; its status and when it finished (seconds after ``began``)."""
    pages = ["goals/", "customers/followups/", "pipeline/imports/", "customers/responses/"]
    url = f"http://127.0.0.1:{port}/o/{SLUG}/{pages[index % len(pages)]}"
    status = session.get(url, timeout=300).status_code
    return status, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--leads", type=int, default=20_000, help="history before the import")
    parser.add_argument("--responses", type=int, default=5_000)
    parser.add_argument(
        "--page-loads", type=int, default=200, help="by signed-in members during the import"
    )
    options = parser.parse_args()
    if options.requests < 10 or options.import_rows < 10:
        sys.exit("--requests and --import-rows must be at least 10.")
    failed = False
    emails, token = setup(options.leads, options.responses)
    bearer = {"Authorization": f"Bearer {token}"}
    env = {**os.environ, **SERVER_ENV}
    with tempfile.TemporaryDirectory(prefix="accord-memory-") as name, ExitStack() as stack:
        folder = Path(name)
        port = free_port()
        serve = [sys.executable, "-m", "accord", "serve", "--no-worker", "--no-migrate"]
        serve += ["--port", str(port), "--workers", "1", "--threads", "1"]
        web = stack.enter_context(process(serve, env, folder / "web.log"))
        worker_command = [sys.executable, "-m", "accord", "worker", "--worker-id", "memory"]
        worker = stack.enter_context(process(worker_command, env, folder / "worker.log"))
        ready(port)
        session = session_on(port, emails[0])
        web_pid = web_worker_pid(web.pid)

        # 1. Many requests: sample every tenth of the way.
        web_samples: list[tuple[int, float]] = [(0, rss_mb(web_pid))]
        step = max(1, options.requests // 10)

        def sample(done: int) -> None:
            if done % step == 0:
                web_samples.append((done, rss_mb(web_pid)))

        mixed_requests(
            session, bearer, port, min(200, options.requests), lambda done: None
        )  # warm-up
        web_samples = [(0, rss_mb(web_pid))]
        seconds = mixed_requests(session, bearer, port, options.requests, sample)
        print(f"web process, {options.requests:,} mixed requests in {seconds:.0f} s:")
        print("  " + ", ".join(f"{done:,}: {mb:.0f} MB" for done, mb in web_samples))
        print(f"  {growth(web_samples)}")

        # 2. An import uploaded through the web, run by the worker.
        export = folder / "contacts.csv"
        write_csv(export, options.import_rows)
        imports = f"http://127.0.0.1:{port}/o/{SLUG}/pipeline/imports/"
        members = [session_on(port, email) for email in emails]
        session.get(imports, timeout=300)
        began = time.perf_counter()
        with export.open("rb") as upload:
            answer = session.post(
                imports,
                data={
                    "kind": "leads",
                    "format": "hubspot",
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                },
                files={"file": ("contacts.csv", upload, "text/csv")},
                headers={"Referer": imports},
                timeout=600,
                allow_redirects=False,
            )
        uploaded = time.perf_counter() - began
        if answer.status_code != 302:
            raise SystemExit(f"the upload answered {answer.status_code}: {answer.text[:500]}")
        from accord.pipeline.models import ImportRun

        run = ImportRun.objects.filter(organization__slug=SLUG).latest("pk")
        pool = stack.enter_context(ThreadPoolExecutor(len(members)))
        pending = [
            pool.submit(page_load, members[index % len(members)], port, index, began)
            for index in range(options.page_loads)
        ]
        worker_samples: list[tuple[int, float]] = []
        while True:
            run.refresh_from_db()
            worker_samples.append((int(time.perf_counter() - began), rss_mb(worker.pid)))
            if run.status not in ("queued", "running"):
                break
            time.sleep(0.5)
        total = time.perf_counter() - began
        print(
            f"import of {options.import_rows:,} leads through the web: upload {uploaded:.1f} s, "
            f"done after {total:.0f} s ({options.import_rows / total:,.0f} rows/s), "
            f"status {run.status}"
        )
        loads = [future.result() for future in pending]
        statuses = Counter(status for status, _ in loads)
        during = sum(1 for _, finished in loads if finished <= total)
        print(
            f"  {options.page_loads} page loads by {len(members)} signed-in members meanwhile: "
            f"statuses {dict(statuses)}, {during} of them before the import was done"
        )
        tenth = max(1, len(worker_samples) // 10)
        if set(statuses) != {200}:
            failed = True
        print("  worker: " + ", ".join(f"{s}s: {mb:.0f} MB" for s, mb in worker_samples[::tenth]))
        print(f"  {growth(worker_samples)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
