"""Pages and API operations look an organisation's rows up through the tenancy
selectors (``accord.orgs.selectors``: ``scoped``, ``get_scoped``, or an app's
selectors built on them), never through ``Model.objects`` themselves.

A model with an ``organization`` foreign key is a tenant model; a view or API
module that names ``<TenantModel>.objects`` fails here, so the scoping rule
stays in one place.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from django.conf import settings
from django.db import models

from accord.orgs.models import Organization

# accord/<app>/api.py and accord/<app>/views.py (accord/tests/api.py is a test helper).
MODULES = sorted(
    path
    for path in [*settings.BASE_DIR.glob("*/api.py"), *settings.BASE_DIR.glob("*/views.py")]
    if path.parent.name != "tests"
)


def is_tenant_model(value: Any) -> bool:
    if not (isinstance(value, type) and issubclass(value, models.Model)):
        return False
    return any(
        field.name == "organization" and field.is_relation and field.related_model is Organization
        for field in value._meta.get_fields()
    )


def resolve(module: ModuleType, node: ast.expr) -> Any:
    """The object a name or dotted name in ``module`` stands for, or None."""
    if isinstance(node, ast.Name):
        return getattr(module, node.id, None)
    if isinstance(node, ast.Attribute):
        owner = resolve(module, node.value)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def direct_lookups(path: Path) -> list[str]:
    name = ".".join(path.relative_to(settings.PROJECT_DIR).with_suffix("").parts)
    # The path comes from the glob above, not from input.
    module = importlib.import_module(name)
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            model = resolve(module, node.value)
            if is_tenant_model(model):
                found.append(f"{name}:{node.lineno} {model.__name__}.objects")
    return found


def test_it_finds_the_modules_it_checks():
    names = {f"{p.parent.name}/{p.name}" for p in MODULES}
    assert {"feedback/api.py", "goals/views.py", "orgs/api.py", "pipeline/views.py"} <= names


def test_it_knows_a_tenant_model():
    from accord.feedback.models import SurveyRateCounter
    from accord.goals.models import Goal

    assert is_tenant_model(Goal)
    assert not is_tenant_model(Organization)
    assert not is_tenant_model(SurveyRateCounter)


def test_it_looks_up_tenant_rows_only_through_the_selectors():
    offenders = [lookup for path in MODULES for lookup in direct_lookups(path)]
    assert offenders == [], "Use accord.orgs.selectors (scoped/get_scoped) or a selector"
