"""``python -m accord.lib.audit --pip-audit PATH LOCKFILE``: a dependency audit
that says what it really checked (``make audit``).

pip-audit prints "No known vulnerabilities found" even when it could reach no
advisory source and skipped every package. This runs it with JSON output and
counts: a package is audited only when pip-audit looked it up. Exit codes:
0 every package audited and none vulnerable; 1 a known vulnerability; 2 not
audited (no package could be looked up) or only partly audited.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any


@dataclass
class AuditResult:
    """What one pip-audit run checked and found."""

    audited: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    vulnerable: dict[str, list[str]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if self.vulnerable:
            return 1
        if not self.audited or self.skipped:
            return 2
        return 0

    def report(self) -> str:
        total = len(self.audited) + len(self.skipped)
        if not self.audited:
            reasons = sorted(set(self.skipped.values()))[:1]
            return (
                f"Not audited: none of the {total} packages could be looked up "
                "(no advisory source reachable?). "
                + (f"First reason: {reasons[0]}" if reasons else "")
            ).strip()
        lines = [f"Audited {len(self.audited)} of {total} packages."]
        for name, ids in sorted(self.vulnerable.items()):
            lines.append(f"VULNERABLE {name}: {', '.join(ids)}")
        if self.skipped:
            lines.append(f"Not audited ({len(self.skipped)}): {', '.join(sorted(self.skipped))}")
        if not self.vulnerable:
            lines.append(
                "No known vulnerabilities in the audited packages."
                if self.skipped
                else "No known vulnerabilities found."
            )
        return "\n".join(lines)


def audit_result(document: dict[str, Any]) -> AuditResult:
    """Read pip-audit's ``--format json`` document."""
    result = AuditResult()
    for dependency in document.get("dependencies", []):
        name = str(dependency.get("name", "?"))
        if "skip_reason" in dependency:
            result.skipped[name] = str(dependency["skip_reason"])
            continue
        result.audited.append(name)
        ids = [str(vuln.get("id", "?")) for vuln in dependency.get("vulns", [])]
        if ids:
            result.vulnerable[name] = ids
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--pip-audit", required=True, help="the pip-audit program")
    parser.add_argument("lockfile")
    options = parser.parse_args(argv)
    run = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            options.pip_audit,
            "--requirement",
            options.lockfile,
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        document = json.loads(run.stdout)
    except json.JSONDecodeError:
        error = (run.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"Not audited: pip-audit failed ({error}).", file=sys.stderr)
        return 2
    result = audit_result(document)
    print(result.report())
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
