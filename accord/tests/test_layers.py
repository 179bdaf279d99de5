"""Apps import only the layers below them (the contract in pyproject.toml).

lib → accounts → jobs → mail → orgs → goals → pipeline → feedback → pulse →
integrations, meetings → insights → the project's api.py, urls.py and
the cli app. An import that runs against the layers fails here, as it does
in ``lint-imports`` (``make lint``).
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings
from importlinter.cli import lint_imports

PYPROJECT = settings.PROJECT_DIR / "pyproject.toml"


def test_it_keeps_every_import_in_its_layer(capsys):
    exit_code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert exit_code == 0, report


def test_it_imports_no_app_by_name():
    """No importlib or string-named module imports: every dependency is visible to grep and mypy.

    Tests are left out: the isolation crawl finds each app's ``tests/outsider.py``
    by name, so that a new app's joins it without a list to keep.
    """
    offenders: list[str] = []
    for path in sorted(Path(settings.BASE_DIR).rglob("*.py")):
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            named = (
                isinstance(node, ast.Import) and any(a.name == "importlib" for a in node.names)
            ) or (isinstance(node, ast.ImportFrom) and node.module == "importlib")
            called = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name | ast.Attribute)
                and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
                in ("import_module", "import_string", "__import__")
            )
            if (named or called) and isinstance(node, ast.stmt | ast.expr):
                offenders.append(f"{path.relative_to(settings.PROJECT_DIR)}:{node.lineno}")
    assert offenders == []
