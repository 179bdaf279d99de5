"""Every app's jobs are registered once Django is set up: the lookup by name
imports nothing, so a fresh worker knows them before it runs any."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

LIST_JOBS = (
    "import django, json; django.setup(); "
    "from accord.jobs.registry import _REGISTRY; print(json.dumps(sorted(_REGISTRY)))"
)


def test_it_registers_every_apps_jobs_at_start_up():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "accord.settings"}
    out = subprocess.run(
        [sys.executable, "-c", LIST_JOBS],
        cwd=settings.PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    names = set(json.loads(out.strip().splitlines()[-1]))
    prefixes = {name.rsplit(".", 1)[0] for name in names}
    assert {
        "accord.feedback.jobs",
        "accord.feedback.themes",
        "accord.goals.jobs",
        "accord.mail.jobs",
        "accord.pipeline.jobs",
        "accord.integrations.jobs",
    } <= prefixes
    assert "accord.integrations.jobs.crm_sync_job" in names
