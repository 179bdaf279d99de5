"""``python -m accord worker`` that also knows the jobs declared for the tests.

A deployed worker learns its jobs from the installed apps (each AppConfig
imports its job modules); the test jobs belong to no app, so this entry point
imports them before handing over to the ordinary command line.
"""

from __future__ import annotations

import os
import sys

import django

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    django.setup()
    from django.core.management import execute_from_command_line

    from accord.jobs.tests import jobs_for_tests  # noqa: F401  (registers the test jobs)

    execute_from_command_line(["accord", *sys.argv[1:]])
