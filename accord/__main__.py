"""The ``accord`` command: the project's manage.py under its own name.

A command that cannot reach the database, or that finds the configuration
wrong, prints one line saying so and exits with status 1; ``--traceback``
shows the whole stack instead.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    name = sys.argv[0].rsplit("/", 1)[-1] or "accord"
    if name == "__main__.py":
        name = "accord"
    try:
        execute_from_command_line([name, *sys.argv[1:]])
    except ImproperlyConfigured as error:
        if "--traceback" in sys.argv:
            raise
        sys.exit(f"{name}: configuration error: {' '.join(str(error).split())}")
    except Exception as error:
        from accord.lib.outage import is_database_outage, outage_reason

        if "--traceback" in sys.argv or not is_database_outage(error):
            raise
        sys.exit(f"{name}: database unavailable: {outage_reason(error)}")


if __name__ == "__main__":
    main()
