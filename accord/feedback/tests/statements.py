"""What a block of code sent to the database, in a form a test can compare."""

from __future__ import annotations

import re

from django.test.utils import CaptureQueriesContext


def statements(queries: CaptureQueriesContext) -> list[str]:
    """Each captured statement as its verb and the first table it reads or
    writes, savepoints left out (a test's own transaction makes a service's
    atomic block a savepoint)."""
    found = []
    for query in queries:
        sql = query["sql"]
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"([a-z_]+)"', sql)
        if "SAVEPOINT" not in sql.upper() and table is not None:
            found.append(f"{sql.split()[0]} {table[1]}")
    return found
