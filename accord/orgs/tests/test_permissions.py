from __future__ import annotations

from pathlib import Path

from accord.orgs.permissions import matrix_markdown


def test_it_documents_the_matrix_that_the_code_enforces():
    doc = (Path(__file__).parents[3] / "docs" / "permissions.md").read_text()
    assert matrix_markdown() in doc
