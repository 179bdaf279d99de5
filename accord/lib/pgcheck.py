"""``python -m accord.lib.pgcheck URL``: exit 0 when PostgreSQL answers at URL."""

from __future__ import annotations

import sys


def main(url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return 0
    except psycopg.Error as error:
        print(f"PostgreSQL not reachable: {error}".strip(), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
