"""Start-up: commands and the web process do not import the chart stack until a chart is drawn."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings

CHECK = (
    "import django, sys; django.setup(); import accord.urls, accord.api; "
    "print(sorted(m for m in ('altair', 'vl_convert', 'weasyprint') if m in sys.modules))"
)


def test_it_imports_the_urls_and_the_api_without_the_chart_stack():
    run = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=settings.PROJECT_DIR,
        env={"DJANGO_SETTINGS_MODULE": "accord.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert run.stdout.strip() == "[]", run.stderr
