"""``make audit``: the report says how many packages pip-audit really looked up.

The documents below have the shape pip-audit 2.10 prints with ``--format json``.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

from accord.lib.audit import audit_result, main

OFFLINE = {
    "dependencies": [
        {
            "name": "altair",
            "skip_reason": "Dependency not found on PyPI and could not be audited: altair (6.3.0)",
        },
        {
            "name": "django",
            "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.8)",
        },
    ],
    "fixes": [],
}
ONLINE = {
    "dependencies": [
        {"name": "altair", "version": "6.3.0", "vulns": []},
        {
            "name": "django",
            "version": "5.2.8",
            "vulns": [
                {
                    "id": "PYSEC-2026-1",
                    "fix_versions": ["5.2.9"],
                    "aliases": ["CVE-2026-0001"],
                    "description": "…",
                }
            ],
        },
        {"name": "local-pkg", "skip_reason": "Dependency not found on PyPI"},
    ],
    "fixes": [],
}


def test_it_says_not_audited_when_no_package_could_be_looked_up():
    result = audit_result(OFFLINE)

    assert result.exit_code == 2
    assert result.report().startswith("Not audited: none of the 2 packages could be looked up")
    assert "No known vulnerabilities" not in result.report()


def test_it_counts_what_it_audited_and_names_vulnerabilities_and_skips():
    result = audit_result(ONLINE)

    assert result.exit_code == 1
    assert result.report().splitlines() == [
        "Audited 2 of 3 packages.",
        "VULNERABLE django: PYSEC-2026-1",
        "Not audited (1): local-pkg",
    ]


def test_it_passes_only_when_every_package_was_audited_and_none_is_vulnerable():
    clean = {"dependencies": [{"name": "altair", "version": "6.3.0", "vulns": []}]}

    assert audit_result(clean).exit_code == 0
    assert audit_result(clean).report() == (
        "Audited 1 of 1 packages.\nNo known vulnerabilities found."
    )


def test_it_runs_the_program_and_reports_a_failure_to_run_it(tmp_path: Path, capsys):
    program = tmp_path / "pip-audit"
    program.write_text(
        f"#!{sys.executable}\nimport json, sys\nprint(json.dumps({OFFLINE!r}))\nsys.exit(0)\n"
    )
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    assert main(["--pip-audit", str(program), "requirements.lock"]) == 2
    assert "Not audited" in capsys.readouterr().out

    program.write_text(f"#!{sys.executable}\nimport sys\nsys.exit('connection refused')\n")
    assert main(["--pip-audit", str(program), "requirements.lock"]) == 2
    assert "Not audited: pip-audit failed (connection refused)." in capsys.readouterr().err
