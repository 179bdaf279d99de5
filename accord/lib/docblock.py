"""Docs that keep a block generated from the code between two markers.

docs/permissions.md (the role matrix), docs/api.md (every API operation) and
docs/operations.md (migrations that need care) each hold such a block. One
command line serves all three: ``--write PATH`` rewrites the block,
``--check PATH`` (in ``make checks``) exits 1 when it differs from the code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path


def with_block(text: str, begin: str, end: str, body: str) -> str:
    """``text`` with what stands between ``begin`` and ``end`` replaced by ``body``.

    Raises ValueError when either marker is missing."""
    head, found_begin, rest = text.partition(begin)
    _, found_end, tail = rest.partition(end)
    if not found_begin or not found_end:
        raise ValueError(f"The markers {begin} and {end} are missing.")
    return f"{head}{begin}\n{body}{end}{tail}"


def docblock_main(*, begin: str, end: str, render: Callable[[], str], hint: str) -> int:
    """The ``--write``/``--check PATH`` command line; ``render`` runs after Django is set up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    text = args.path.read_text()
    try:
        expected = with_block(text, begin, end, render())
    except ValueError as error:
        print(f"{args.path}: {error}", file=sys.stderr)
        return 1
    if args.write:
        args.path.write_text(expected)
        return 0
    if text != expected:
        print(f"{args.path} is out of date: run `{hint}`.", file=sys.stderr)
        return 1
    return 0
