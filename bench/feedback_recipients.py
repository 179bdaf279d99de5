"""Adding a campaign's recipients from an uploaded list: the request against
the worker's run, and the queries per batch.

    .venv/bin/python bench/feedback_recipients.py [--rows 5000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_recipients_bench \\
        .venv/bin/python bench/feedback_recipients.py --rows 5000

1. Writes a list of ``--rows`` people (email, name, company, language, two
   segment columns); a tenth of them are already contacts (one in ten of
   those opted out) and a tenth are owned in the pipeline (not timed).
2. Times what the page's request does (``recipients_import_csv``: the
   header checked, the file stored, the job queued) and then the worker's
   run (``recipients_import_run``), counting its statements per batch.

The limit (issue 14): the request takes well under a second whatever the
list's size; the run's statements grow with the number of batches only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = f"sqlite:///{ROOT / 'var' / 'bench-recipients.sqlite3'}"
os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    options = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accord.accounts.models import User
    from accord.feedback.models import Contact, Recipient
    from accord.feedback.services import (
        campaign_create,
        recipients_import_csv,
        recipients_import_run,
        survey_create,
    )
    from accord.feedback.services.campaigns import ADD_BATCH
    from accord.orgs.models import Membership, Organization, Role
    from accord.pipeline.models import Lead, SourceSystem

    call_command("migrate", verbosity=0)
    run_id = time.time_ns()
    organization = Organization.objects.create(name=f"Recipients {run_id}", slug=f"r{run_id}")
    user = User.objects.create_user(email=f"owner{run_id}@bench.example", password=None)
    owner = Membership.objects.create(organization=organization, user=user, role=Role.OWNER)
    survey = survey_create(membership=owner, name="Bench survey", brand_name="Bench")
    campaign = campaign_create(membership=owner, survey=survey, name="Bench campaign")
    now = timezone.now()
    rows = options.rows
    Contact.objects.bulk_create(
        Contact(
            organization=organization,
            email=f"p{i}@customer.example",
            opted_out_at=now if i % 100 == 0 else None,
        )
        for i in range(0, rows, 10)
    )
    Lead.objects.bulk_create(
        Lead(
            organization=organization,
            source_system=SourceSystem.values[0],
            source_id=f"L{i}",
            email=f"p{i}@customer.example",
            owner=owner,
        )
        for i in range(5, rows, 10)
    )
    lines = ["email,name,company,language,plan,region"]
    lines += [
        f"p{i}@customer.example,Person {i},Company {i % 700},{'enfrdees'[2 * (i % 4) :][:2]},"
        f"{'gold' if i % 3 else 'silver'},{'EMEA' if i % 2 else 'NA'}"
        for i in range(rows)
    ]
    data = ("\n".join(lines) + "\n").encode()

    began = time.perf_counter()
    run = recipients_import_csv(
        membership=owner, campaign=campaign, data=data, filename="bench.csv"
    )
    request_seconds = time.perf_counter() - began
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        recipients_import_run(import_id=run.pk)
        run_seconds = time.perf_counter() - began
    run.refresh_from_db()
    added = Recipient.objects.filter(campaign=campaign).count()
    batches = -(-rows // ADD_BATCH)
    print(
        f"{connection.vendor}: {rows} rows ({len(data) / 1024:.0f} KiB), "
        f"batches of {ADD_BATCH}: {batches}"
    )
    print(f"request (check, store, queue): {request_seconds * 1000:.0f} ms")
    print(
        f"worker run: {run_seconds:.2f} s ({rows / run_seconds:,.0f} rows/s), "
        f"{len(queries)} statements ({len(queries) / batches:.1f} per batch)"
    )
    print(
        f"added {run.added} (stored {added}), opted out {run.skipped_opted_out}, "
        f"refused {run.refused}, status {run.status}"
    )
    if run.status != "done" or added != run.added:
        sys.exit("the run did not end as expected")


if __name__ == "__main__":
    main()
