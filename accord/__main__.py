"""The ``accord`` command: the project's manage.py under its own name."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0].rsplit("/", 1)[-1] or "accord", *sys.argv[1:]])


if __name__ == "__main__":
    main()
