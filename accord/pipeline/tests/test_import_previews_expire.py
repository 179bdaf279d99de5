"""Previews never confirmed are deleted 24 hours after they were made, with
their files: the pipeline's dry runs and the survey-responses page's kept
upload, by the worker's hourly sweep. A confirmed preview, a file an import
still reads and a file of the user's own (the command line's dry run) stay."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accord.feedback.models import Response
from accord.jobs.testing import run_queued_jobs
from accord.pipeline.jobs import import_previews_sweep, import_previews_sweep_ensure
from accord.pipeline.models import ImportRowError, ImportRun, ImportStatus
from accord.pipeline.services import IMPORT_PREVIEW_LIFETIME, import_previews_expire

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
RESPONSES = Path(__file__).parents[2] / "feedback" / "tests" / "data"
MADE = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def url(name, **kw):
    return reverse(name, kwargs={"org_slug": "acme", **kw})


def _pipeline_preview(client) -> ImportRun:
    upload = SimpleUploadedFile(
        "leads.csv", (DATA / "salesforce_leads_en_US.csv").read_bytes(), "text/csv"
    )
    form = {"kind": "leads", "format": "auto", "file": upload, "dry_run": "on"}
    assert client.post(url("pipeline_imports"), form).status_code == 302
    run_queued_jobs()
    run = ImportRun.objects.latest("pk")
    assert (run.dry_run, run.status) == (True, ImportStatus.DONE)
    return run


def _responses_preview(client) -> str:
    upload = SimpleUploadedFile("answers.csv", (RESPONSES / "delighted.csv").read_bytes())
    page = client.post(url("feedback_import"), {"file": upload, "format": "auto", "dry_run": "on"})
    found = re.search(r'name="token" value="([0-9a-f]{32})"', page.content.decode())
    assert found is not None
    return found.group(1)


def _made_at(folder: Path, when: dt.datetime) -> None:
    """The files' times as if written at ``when`` (the pinned clock does not
    reach the file system)."""
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (when.timestamp(), when.timestamp()))


def test_it_deletes_previews_never_confirmed_after_24_hours(
    alice_client, acme, settings, tmp_path, capsys
):
    settings.VAR_DIR = tmp_path / "var"
    own = tmp_path / "mine.csv"
    own.write_bytes((DATA / "salesforce_leads_en_US.csv").read_bytes())
    with time_machine.travel(MADE, tick=False):
        forgotten = _pipeline_preview(alice_client)
        assert forgotten.row_errors.exists()
        confirmed = _pipeline_preview(alice_client)
        alice_client.post(url("pipeline_import", pk=confirmed.pk), {"mapping": ""})
        token = _responses_preview(alice_client)
        # The command line's dry run reads the user's own file where it is.
        call_command("import", "leads", str(own), "--org", "acme", "--dry-run", "--quiet")
        cli = ImportRun.objects.latest("pk")
        assert cli.stored_path == str(own)
    capsys.readouterr()
    responses_file = settings.VAR_DIR / "imports" / str(acme.pk) / f"responses-{token}.csv"
    assert Path(forgotten.stored_path).exists() and responses_file.exists()
    _made_at(tmp_path, MADE)

    with time_machine.travel(MADE + IMPORT_PREVIEW_LIFETIME - dt.timedelta(minutes=1)):
        assert import_previews_expire() == (0, 0)
    assert Path(forgotten.stored_path).exists() and responses_file.exists()

    with time_machine.travel(MADE + IMPORT_PREVIEW_LIFETIME + dt.timedelta(minutes=1)):
        assert import_previews_expire() == (2, 2)
        # A second sweep (another worker's) finds nothing more to delete.
        assert import_previews_expire() == (0, 0)
    assert not ImportRun.objects.filter(pk__in=[forgotten.pk, cli.pk]).exists()
    assert not ImportRowError.objects.filter(run_id=forgotten.pk).exists()
    assert not Path(forgotten.stored_path).exists()
    assert not responses_file.exists()
    # Kept: the confirmed preview and its import, and the user's own file.
    assert ImportRun.objects.filter(pk=confirmed.pk, confirmed_as__isnull=False).exists()
    assert own.exists()

    # Confirming the deleted preview now says so, and writes nothing.
    with time_machine.travel(MADE + IMPORT_PREVIEW_LIFETIME + dt.timedelta(minutes=2)):
        gone = alice_client.post(url("feedback_import"), {"token": token, "format": "auto"})
        assert gone.status_code == 302
        page = alice_client.get(gone["Location"]).content.decode()
    assert "The previewed file is gone" in page
    assert not Response.objects.exists()


def test_it_keeps_a_file_a_newer_preview_of_it_still_reads(alice_client, acme, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    with time_machine.travel(MADE, tick=False):
        first = _pipeline_preview(alice_client)
    with time_machine.travel(MADE + dt.timedelta(hours=20), tick=False):
        # Previewed again (another mapping): a new run reading the same file.
        newer = ImportRun.objects.create(
            organization=acme,
            kind=first.kind,
            format=first.format,
            filename=first.filename,
            stored_path=first.stored_path,
            dry_run=True,
            status=ImportStatus.DONE,
        )
    _made_at(tmp_path, MADE)
    with time_machine.travel(MADE + dt.timedelta(hours=25)):
        assert import_previews_expire() == (1, 0)
    assert Path(newer.stored_path).exists()
    with time_machine.travel(MADE + dt.timedelta(hours=45)):
        assert import_previews_expire() == (1, 1)
    assert not Path(newer.stored_path).exists()


def _queued_sweeps() -> int:
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, args_kwargs__args__0=import_previews_sweep.job_name
    ).count()


def test_it_sweeps_every_hour_from_the_worker_start_without_doubling(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    with time_machine.travel(MADE, tick=False):
        import_previews_sweep_ensure()
        import_previews_sweep_ensure()  # a second worker starting
        assert _queued_sweeps() == 1
        assert run_queued_jobs() == 0  # a minute after the worker started
    with time_machine.travel(MADE + dt.timedelta(minutes=1), tick=False):
        assert run_queued_jobs() == 1
        # The next sweep waits an hour; running a stray copy adds no second one.
        assert _queued_sweeps() == 1
        import_previews_sweep()
        assert _queued_sweeps() == 1
        assert run_queued_jobs() == 0
    with time_machine.travel(MADE + dt.timedelta(hours=1, minutes=1), tick=False):
        assert run_queued_jobs() == 1
        assert _queued_sweeps() == 1
