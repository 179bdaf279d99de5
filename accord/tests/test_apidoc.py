"""docs/api.md lists every API operation, generated from the OpenAPI schema."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.test import Client

from accord.lib.apidoc import BEGIN, END, expected_text, operations, reference

API_DOC = Path(settings.PROJECT_DIR) / "docs" / "api.md"


def test_it_documents_every_api_operation(client: Client, db):
    schema = client.get("/api/v1/openapi.json").json()
    text = API_DOC.read_text()
    missing = [
        f"{method.upper()} {path}"
        for _, method, path, _ in operations(schema)
        if f"| `{method.upper()} {path}` |" not in text
    ]
    assert not missing, f"Run `make docs-api`; docs/api.md lacks {missing}"
    assert text == expected_text(text, schema), "Run `make docs-api`: docs/api.md is stale"


def test_it_gives_a_curl_example_for_each_group(client: Client, db):
    schema = client.get("/api/v1/openapi.json").json()
    generated = reference(schema)
    groups = re.split(r"^### ", generated, flags=re.M)[1:]
    tags = {tag for tag, *_ in operations(schema)}
    assert len(groups) == len(tags)
    for group in groups:
        assert "```sh\ncurl -s " in group, group.splitlines()[0]


def test_it_keeps_the_hand_written_sections(client: Client, db):
    text = API_DOC.read_text()
    head, _, rest = text.partition(BEGIN)
    assert "## Authentication" in head and "## Errors" in head and "## Pagination" in head
    assert "## Examples" in rest.partition(END)[2]
