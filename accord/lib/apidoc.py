"""Keep docs/api.md in step with the OpenAPI schema.

``python -m accord.lib.apidoc --write docs/api.md`` rewrites the reference
between the markers (every operation, grouped by its tag, with what it does
and a curl example per group); ``--check`` fails when the file differs, so an
operation added to the API without its line in the doc fails ``make checks``
and the suite. The hand-written sections around the markers stay as written.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from accord.lib.docblock import docblock_main, with_block

BEGIN = "<!-- operations:begin -->"
END = "<!-- operations:end -->"
PREFIX = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")


def operations(schema: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(tag, method, path without the prefix, operation) for every operation."""
    found = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or ["other"])[0]
                found.append((tag, method, path.removeprefix(PREFIX), operation))
    return found


def _does(operation: dict[str, Any]) -> str:
    """The first paragraph of the operation's docstring, on one line."""
    text = (operation.get("description") or "").strip()
    first = text.split("\n\n")[0] if text else operation.get("summary", "")
    return re.sub(r"\s+", " ", first).replace("|", "\\|")


def _example_body(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return None
    body = content["schema"]
    while "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    properties = body.get("properties", {})
    # The required fields; for a body where all are optional (a PATCH), the first.
    names = body.get("required") or list(properties)[:1]
    return {name: _example_value(schema, properties.get(name, {})) for name in names}


def _example_value(schema: dict[str, Any], field: dict[str, Any]) -> Any:
    while "$ref" in field:
        field = schema["components"]["schemas"][field["$ref"].rsplit("/", 1)[1]]
    if "enum" in field:
        return field["enum"][0]
    for option in field.get("anyOf", []):
        if option.get("type") != "null":
            return _example_value(schema, option)
    kind = field.get("type")
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return {}
    if field.get("format") == "date":
        return "2026-01-31"
    if field.get("format") == "date-time":
        return "2026-01-31T09:00:00Z"
    if field.get("format") == "email":
        return "lee@example.com"
    return "text"


def _curl(schema: dict[str, Any], method: str, path: str, operation: dict[str, Any]) -> str:
    url = "$BASE" + re.sub(r"\{\w+\}", "1", path)
    auth = '-H "Authorization: Bearer $TOKEN"'
    if method == "get":
        return f'curl -s {auth} "{url}"'
    body = _example_body(schema, operation)
    verb = "" if method == "post" and body is not None else f"-X {method.upper()} "
    if body is None:
        return f'curl -s {verb}{auth} "{url}"'
    data = json.dumps(body, ensure_ascii=False)
    return f'curl -s {verb}{auth} -H "Content-Type: application/json" \\\n  -d \'{data}\' "{url}"'


def reference(schema: dict[str, Any]) -> str:
    """The generated part of docs/api.md: a table and examples per group."""
    groups: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for tag, method, path, operation in operations(schema):
        groups.setdefault(tag, []).append((method, path, operation))
    lines = [
        f"{sum(len(g) for g in groups.values())} operations in {len(groups)} groups, "
        "generated from the OpenAPI schema by `python -m accord.lib.apidoc --write "
        "docs/api.md` (`make checks` fails when this list falls behind). Who may call "
        "each one is in [permissions.md](permissions.md); a caller without the right "
        "gets *403*.",
        "",
    ]
    for tag, entries in groups.items():
        lines += [f"### {tag.capitalize()}", "", "| Method and path | Does |", "|---|---|"]
        for method, path, operation in entries:
            lines.append(f"| `{method.upper()} {path}` | {_does(operation)} |")
        reads = [e for e in entries if e[0] == "get"]
        writes = [e for e in entries if e[0] != "get"]
        examples = [min(reads, key=lambda e: e[1].count("{"))] if reads else []
        posts = [e for e in writes if e[0] == "post" and "{" not in e[1]]
        examples += (posts or writes)[:1]
        lines += ["", "```sh"]
        lines += [_curl(schema, method, path, op) for method, path, op in examples]
        lines += ["```", ""]
    return "\n".join(lines)


def expected_text(current: str, schema: dict[str, Any]) -> str:
    """``current`` (docs/api.md) with its block of operations rewritten from ``schema``."""
    return with_block(current, BEGIN, END, reference(schema))


def served_schema() -> dict[str, Any]:
    """The schema as the instance serves it at /api/v1/openapi.json (read
    through the URL configuration: this low layer imports no app)."""
    from django.test import RequestFactory
    from django.urls import resolve

    request = RequestFactory().get(f"{PREFIX}/openapi.json")
    match = resolve(request.path)
    response = match.func(request, *match.args, **match.kwargs)
    schema: dict[str, Any] = json.loads(response.content)
    return schema


if __name__ == "__main__":
    sys.exit(
        docblock_main(
            begin=BEGIN, end=END, render=lambda: reference(served_schema()), hint="make docs-api"
        )
    )
