"""No input reaches a 500: a corpus of bad values through every form, API
operation, upload and public page.

Nothing is listed by hand. The pages are the URL patterns (with Acme's objects
from each app's ``tests/outsider.py``, as the isolation crawl uses them); each
page's forms are read from its HTML, and every field of every form is sent
every value of the corpus. The API operations, their query parameters and
their body fields are read from the OpenAPI schema. A form with a file field
is also sent every file of the corpus. Any 5xx fails, with the request.

The corpus is a fixed list of known troublemakers (Unicode digits, NUL bytes,
lone surrogates, a 1 MiB value, numbers of 200 digits, dotted and numeric
names) plus values drawn from Hypothesis strategies of the same kinds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.orgs.services import api_token_create
from accord.orgs.tests import test_isolation as isolation
from accord.orgs.tests.test_isolation import api_bodies, api_operations, org_patterns

# The isolation crawl's fixtures: Acme's owner and Acme's objects per URL name
# and per API path parameter.
owner = isolation.owner
page_objects = isolation.page_objects
api_objects = isolation.api_objects

MIB = 1 << 20
# Values that each broke something once, or could.
FIXED: list[str] = [
    "²",
    "٣",
    "a\x00b",
    "x\udfffy",
    "9" * 200,
    "-" + "9" * 200,
    "99999999999999999999",
    "1e999",
    "NaN",
    "1.5.7",
    "plan.tier",
    "42",
    "",
    "<script>alert(1)</script>",
    "2026-02-30",
    "\u202e\ufeff\u200b",
]
# The sharpest of them, sent to every field of every form and operation (the
# rest reach fields through the drawn values below, to keep the crawl quick).
SHARP: list[str] = [
    "²",
    "٣",
    "a\x00b",
    "x\udfffy",
    "9" * 200,
    "99999999999999999999",
    "1e999",
    "plan.tier",
    "",
    "2026-02-30",
]
# Sent one field at a time (a request with several would be refused as too large
# before any field is read).
HUGE = "x" * (MIB + 1)


def bad_text() -> st.SearchStrategy[str]:
    """Text of the kinds that broke something once: digits of other scripts,
    long numbers, control characters and surrogates, dotted names, anything."""
    return st.one_of(
        st.sampled_from(FIXED),
        st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=6),
        st.from_regex(r"-?[0-9]{19,210}(\.[0-9]{1,5})?", fullmatch=True),
        st.text(st.characters(categories=("Cc", "Cs", "Cf")), min_size=1, max_size=6),
        st.from_regex(r"[a-z0-9]{1,6}(\.[a-z0-9]{1,6}){1,3}", fullmatch=True),
        st.text(st.characters(categories=("L", "N", "P", "S", "Z", "C")), max_size=40),
    )


# -- what to send where ------------------------------------------------------


@dataclass
class Form:
    """A form found on a page: where it posts and its fields' initial values."""

    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page_url
            self.forms.append(Form(a.get("method", "get").lower(), action))
            return
        if not self.forms or "name" not in a:
            return
        form, name = self.forms[-1], a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                form.files.append(name)
            elif kind in {"checkbox", "radio"}:
                if "checked" in a or name not in form.fields:
                    form.fields[name] = a.get("value", "on")
            elif kind not in {"submit", "button", "image", "reset"}:
                form.fields[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            form.fields.setdefault(name, "")
        elif tag == "option" and self._select:
            if "selected" in a or not form.fields.get(self._select):
                form.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            form.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data


def forms_of(url: str, html: str) -> list[Form]:
    parser = _FormParser(url)
    parser.feed(html)
    return [f for f in parser.forms if urlsplit(f.action).path.startswith("/")]


def encoded(fields: dict[str, str]) -> str:
    """A form body as a browser would send it; a lone surrogate goes as the
    bytes a careless client would write for it."""
    return urlencode(fields, errors="surrogatepass")


def _all_patterns() -> Iterator[tuple[str, str, list[str]]]:
    """(name, route, converter names) of every URL pattern."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, str, list[str]]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield pattern.name, route, re.findall(r"<(?:(\w+):)?\w+>", route)

    yield from walk(get_resolver().url_patterns, "")


# Forms not to send: signing out would end the crawl's session.
NOT_SENT = {"/accounts/logout/"}
# Downloads carry no forms, and rendering a PDF takes seconds.
DOWNLOAD = re.compile(r"(pdf|\.csv|export|\.ics)/?$")


@pytest.fixture
def alice_browser(alice) -> Client:
    """Alice signed in, with every 500 answered as a 500 (not raised in the test)."""
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    return client


@pytest.fixture
def api_client() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def forms(alice_browser: Client, acme, page_objects) -> list[Form]:
    """Every form on every page Acme's owner can open, one per action and set of fields."""
    pages = [
        reverse(name, kwargs={"org_slug": acme.slug, **page_objects[name]})
        for name in org_patterns()
    ]
    pages += [
        reverse(name)
        for name, route, converters in _all_patterns()
        if not converters and not route.startswith("api/")
    ]
    found: dict[tuple[str, str, tuple[str, ...]], Form] = {}
    for url in pages:
        if DOWNLOAD.search(url):
            continue
        response = alice_browser.get(url)
        assert response.status_code < 500, f"GET {url}: {response.status_code}"
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in forms_of(url, response.content.decode()):
            name = resolve(urlsplit(form.action).path).view_name
            if form.action not in NOT_SENT:
                found.setdefault((name, form.method, (*form.fields, *form.files)), form)
    return list(found.values())


@dataclass
class Operation:
    method: str
    url: str
    query: list[str]
    body: dict[str, Any]  # a valid body where the app gives one; "" elsewhere


@pytest.fixture
def operations(api_client: Client, owner, api_objects) -> tuple[str, list[Operation]]:
    """Acme's owner's token and every API operation that takes input."""
    token = api_token_create(membership=owner, name="corpus").secret
    schema = api_client.get("/api/v1/openapi.json").json()
    bodies = api_bodies()
    found = []
    for method, path in api_operations(api_client):
        operation = schema["paths"][path][method]
        url = re.sub(r"\{(\w+)\}", lambda m: str(api_objects[m.group(1)]), path)
        query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        body = dict.fromkeys(_api_body_fields(schema, operation), "")
        body.update(bodies.get((method, path.removeprefix("/api/v1")), {}))
        found.append(Operation(method, url, query, body))
    return token, found


def _api_body_fields(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    if not body:
        return {}
    while "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return dict(body.get("properties", {}))


# -- sending ------------------------------------------------------------------


class Failures(list[str]):
    def check(self, what: str, response: Any) -> None:
        if response.status_code >= 500:
            self.append(f"{what}: {response.status_code}")


def _short(data: Any) -> str:
    text = repr(data)
    return text if len(text) < 160 else text[:160] + "…"


def answer(call: Callable[[], Any]) -> Any:
    """One request in a savepoint rolled back afterwards: every request meets
    the same data, and on PostgreSQL a failed statement cannot abort the
    transaction for the requests after it."""
    with transaction.atomic():
        response = call()
        transaction.set_rollback(True)
    return response


def send_form(
    client: Client,
    form: Form,
    fields: dict[str, str],
    failures: Failures,
    files: dict[str, bytes] | None = None,
) -> None:
    if form.method == "post" and files:
        data: dict[str, Any] = {**fields}
        data.update({n: SimpleUploadedFile("bad.csv", b, "text/csv") for n, b in files.items()})
        response = answer(lambda: client.post(form.action, data))
    elif form.method == "post":
        body = encoded(fields)
        response = answer(
            lambda: client.post(form.action, body, content_type="application/x-www-form-urlencoded")
        )
    else:
        url = f"{form.action.split('?')[0]}?{encoded(fields)}"
        response = answer(lambda: client.get(url))
    what = f"{form.method.upper()} {form.action} {_short(fields)} {_short(files)}"
    failures.check(what, response)


def send_api(
    client: Client, token: str, operation: Operation, values: dict[str, Any], failures: Failures
) -> None:
    """``operation`` with ``values`` in its query parameters and body fields of
    those names (the rest of the body as valid as the app's fixtures make it)."""
    query = {n: v for n, v in values.items() if n in operation.query}
    params = encoded({n: v if isinstance(v, str) else json.dumps(v) for n, v in query.items()})
    url = f"{operation.url}?{params}" if params else operation.url
    body = {k: values.get(k, v) for k, v in operation.body.items()}
    response = answer(
        lambda: getattr(client, operation.method)(
            url,
            data=json.dumps(body) if operation.method != "get" else None,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    )
    failures.check(f"{operation.method.upper()} {url[:200]} {_short(body)}", response)


def rotations(names: list[str], values: list[Any]) -> Iterator[dict[str, Any]]:
    """len(values) assignments of values to names that together give every
    name every value (name j gets value k + j in assignment k), and each name,
    once, a value over 1 MiB (one at a time: several would make the request
    too large to be read at all)."""
    for k in range(max(len(values), len(names))):
        chosen = {name: values[(k + j) % len(values)] for j, name in enumerate(names)}
        if k < len(names):
            chosen[names[k]] = HUGE
        yield chosen


# -- the tests -------------------------------------------------------------------

JSON_EXTRA: list[Any] = [10**200, 1e308, [], None]


@pytest.mark.django_db
def test_it_never_answers_5xx_to_the_corpus_on_any_form(alice_browser, forms):
    failures = Failures()
    for form in forms:
        names = [n for n in form.fields if n != "csrfmiddlewaretoken"]
        for values in rotations(names, SHARP) if names else ():
            send_form(alice_browser, form, {**form.fields, **values}, failures)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_it_never_answers_5xx_to_the_corpus_on_any_api_operation(api_client, operations):
    token, found = operations
    failures = Failures()
    for operation in found:
        names = [*operation.query, *operation.body]
        for values in rotations(names, [*SHARP, *JSON_EXTRA]) if names else ():
            send_api(api_client, token, operation, values, failures)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@settings(max_examples=30, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_it_never_answers_5xx_to_drawn_text_in_any_field(
    alice_browser, api_client, forms, operations, data
):
    """Hypothesis picks a form or an operation, a field and a value."""
    token, found = operations
    failures = Failures()
    value = data.draw(bad_text(), label="value")
    target = data.draw(st.sampled_from([*forms, *found]), label="target")
    if isinstance(target, Form):
        names = [n for n in target.fields if n != "csrfmiddlewaretoken"] or ["q"]
        name = data.draw(st.sampled_from(names), label="field")
        send_form(alice_browser, target, {**target.fields, name: value}, failures)
    else:
        names = [*target.query, *target.body] or ["q"]
        name = data.draw(st.sampled_from(names), label="field")
        send_api(api_client, token, target, {name: value}, failures)
    assert not failures, "\n".join(failures)


BAD_FILES: dict[str, bytes] = {
    "a NUL byte": b"email,name\nnul@example.com,a\x00b\n",
    "a field over 1 MiB": b"email,name\nbig@example.com," + b"x" * (MIB + 1) + b"\n",
    "20,000 columns": (",".join(f"c{i}" for i in range(20_000)) + "\n").encode()
    + (",".join("1" for _ in range(20_000)) + "\n").encode(),
    "bytes that are not UTF-8": b"email,name\nx@example.com,\xed\xa0\x80\xff\xfe\n",
    "a UTF-16 file": "email,score\nx@example.com,9\n".encode("utf-16"),
    "Unicode digits and long numbers": (
        "email,score,value,amount,asset\nx@example.com,²,٣," + "9" * 200 + ",²\n"
    ).encode(),
    "an unterminated quote": b'email,name\n"x@example.com,a\n',
    "nothing": b"",
}


@pytest.mark.django_db
def test_it_never_answers_5xx_to_a_bad_file_on_any_upload(alice_browser, forms):
    failures = Failures()
    for form in forms:
        for content in BAD_FILES.values() if form.files else ():
            send_form(
                alice_browser, form, form.fields, failures, dict.fromkeys(form.files, content)
            )
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_it_never_answers_5xx_to_a_200_digit_id_in_a_page_address(
    alice_browser, acme, page_objects
):
    failures = Failures()
    for name in org_patterns():
        kwargs = page_objects[name]
        if kwargs and all(isinstance(v, int) for v in kwargs.values()):
            url = reverse(name, kwargs={"org_slug": acme.slug, **dict.fromkeys(kwargs, 10**200)})
            failures.check(f"GET {url[:60]}", answer(lambda: alice_browser.get(url)))
            failures.check(f"POST {url[:60]}", answer(lambda: alice_browser.post(url)))
    for url in ("/s/brand/" + "9" * 200 + "/style.css", "/s/brand/" + "9" * 200 + "/logo"):
        failures.check(f"GET {url[:60]}", answer(lambda: alice_browser.get(url)))
    assert not failures, "\n".join(failures)
