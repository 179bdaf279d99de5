"""Keep docs/permissions.md in step with the matrix in code.

``python -m accord.orgs.permissions_doc --write docs/permissions.md`` rewrites
the table between the markers; ``--check`` fails when they differ.
"""

from __future__ import annotations

import sys

from accord.lib.docblock import docblock_main

BEGIN = "<!-- matrix:begin -->"
END = "<!-- matrix:end -->"


def matrix() -> str:
    from accord.orgs.permissions import matrix_markdown

    return matrix_markdown()


if __name__ == "__main__":
    sys.exit(docblock_main(begin=BEGIN, end=END, render=matrix, hint="make docs-permissions"))
