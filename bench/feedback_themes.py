"""Themes over 100,000 comments: time and peak memory, and that memory stays
bounded as the number of comments grows (issue 4).

Each size runs in a fresh process (so its peak resident memory is its own):
it fills ``themes-<size>`` up to that many responses with ``accord
bench-data`` (generated comments on most answers), then runs the themes
job (fit on a bounded sample, assign every comment in chunks). Printed: time,
peak memory, and the peak at the largest size over the peak at the smallest
(bounded memory means it stays near 1, not near the size ratio).

    .venv/bin/python bench/feedback_themes.py --sizes 20000 100000

Uses SQLite at var/bench-feedback-themes-<size>.sqlite3 unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(size: int) -> None:
    """Load ``size`` responses (if missing) and time the themes job; print JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from accord.cli.benchdata import Sizes, bench_data
    from accord.feedback.models import Response, Theme
    from accord.feedback.themes import themes_update

    call_command("migrate", verbosity=0)
    (filled,) = bench_data(slugs=[f"themes-{size}"], sizes=Sizes(responses=size))
    organization = filled.organization
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    outcome = themes_update(organization_id=organization.pk, refit=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    comments = Response.objects.filter(organization=organization).exclude(better="", well="")
    print(
        json.dumps(
            {
                "size": size,
                "comments": comments.count(),
                "themes": Theme.objects.filter(organization=organization).count(),
                "outcome": outcome,
                "seconds": seconds,
                "peak_mb": peak / 1024,
                "before_mb": baseline / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.child)
        return
    results = []
    for size in options.sizes:
        env = dict(os.environ)
        env.setdefault(
            "DATABASE_URL", f"sqlite:///{ROOT / 'var' / f'bench-feedback-themes-{size}.sqlite3'}"
        )
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(size)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
    for r in results:
        print(
            f"{r['size']:>8,} responses, {r['comments']:>7,} with comments: themes in "
            f"{r['seconds']:6.1f} s, peak {r['peak_mb']:6.0f} MB "
            f"(before the job {r['before_mb']:.0f} MB), {r['themes']} themes, {r['outcome']}"
        )
    if len(results) > 1:
        growth = results[-1]["peak_mb"] / results[0]["peak_mb"]
        size_ratio = results[-1]["size"] / results[0]["size"]
        print(f"peak memory grew {growth:.2f}x while the comments grew {size_ratio:.0f}x")


if __name__ == "__main__":
    main()
