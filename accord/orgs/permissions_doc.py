"""Keep docs/permissions.md in step with the matrix in code.

``python -m accord.orgs.permissions_doc --write docs/permissions.md`` rewrites
the table between the markers; ``--check`` fails when they differ.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

BEGIN = "<!-- matrix:begin -->"
END = "<!-- matrix:end -->"


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()
    from accord.orgs.permissions import matrix_markdown

    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    text = args.path.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    expected = f"{head}{BEGIN}\n{matrix_markdown()}{END}{tail}"
    if args.write:
        args.path.write_text(expected)
        return 0
    if text != expected:
        print(f"{args.path} is out of date: run `make docs-permissions`.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
