"""Every page of the demo, as each role, at a desktop's and a phone's width.

Each page answers 200, logs no console or CSP error, is no wider than the
screen, and axe-core finds no serious or critical violation on it.

The pages are found as a person finds them: following the links from the
organisation's home, as that person (Django's test client, which is quick);
one address per kind of page (URL route), as the same template draws every
goal or campaign alike. The demo has no admin (an owner sees everything an
admin does, and more).
"""

from __future__ import annotations

import html
import re
from collections import deque
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import Resolver404, resolve
from playwright.sync_api import Browser, ViewportSize

from accord.cli.demo import seed_demo
from accord.jobs.testing import run_queued_jobs
from accord.orgs.models import Membership
from accord.tests.browser.axe import serious_violations
from accord.tests.browser.conftest import DESKTOP, REPORT_CSP_VIOLATIONS

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
WIDTHS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": DESKTOP},
    "phone": {"viewport": PHONE, "is_mobile": True, "has_touch": True},
}
PEOPLE = {
    "owner": "nadia@northwind.example",
    "sales_lead": "sam@northwind.example",
    "marketing_lead": "maya@northwind.example",
    "sales_member": "alex@northwind.example",
    "marketing_member": "priya@northwind.example",
    "viewer": "vera@northwind.example",
}
LINK = re.compile(r'href="(/o/northwind/[^"#]*)"')
# Links that leave, sign out or download rather than show a page.
NOT_PAGES = ("/logout", "/leave", "/delete", "/remove", ".pdf", ".csv", ".ics", "/export")


def pages_of(client: Client, limit: int = 150) -> list[str]:
    """One address per kind of page ``client``'s person reaches by following links."""
    routes: dict[str, str] = {}
    seen: set[str] = set()
    queue = deque(["/o/northwind/"])
    while queue and len(routes) < limit:
        path = queue.popleft()
        if path in seen or any(part in path for part in NOT_PAGES):
            continue
        seen.add(path)
        try:
            route = resolve(path.split("?")[0]).route
        except Resolver404:
            continue
        if route in routes:
            continue
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        routes[route] = path
        for link in LINK.findall(response.content.decode()):
            queue.append(html.unescape(link))
    return list(routes.values())


def width_of_page(page: Any) -> int:
    """The page's widest extent in CSS pixels (a mobile browser widens its layout
    viewport to fit content that overflows, so ``innerWidth`` alone would hide it)."""
    width: int = page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    return width


# The innermost elements that reach past the screen's right edge, to name the culprit.
TOO_WIDE = """screen => Array.from(document.querySelectorAll("body *"))
  .filter(e => e.getBoundingClientRect().right > screen + 1
    && !Array.from(e.children).some(c => c.getBoundingClientRect().right > screen + 1)
    && !e.closest(".table-wrap, nav"))
  .slice(0, 3)
  .map(e => e.tagName.toLowerCase()
    + (e.className ? "." + String(e.className).split(" ").join(".") : "")
    + " " + Math.round(e.getBoundingClientRect().right) + "px")"""


@pytest.mark.parametrize("role", PEOPLE)
def test_it_shows_every_demo_page_to_each_role_at_each_width(
    browser: Browser, site: str, role: str
):
    organization = seed_demo()
    run_queued_jobs()
    person = Membership.objects.get(organization=organization, user__email=PEOPLE[role])
    client = Client()
    client.force_login(person.user)
    paths = pages_of(client)
    assert len(paths) >= (10 if role == "viewer" else 20), paths
    cookie = {
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": site,
    }

    problems: list[str] = []
    for width, options in WIDTHS.items():
        context = browser.new_context(locale="en-GB", **options)
        context.add_cookies([cookie])  # type: ignore[list-item]
        page = context.new_page()
        page.add_init_script(REPORT_CSP_VIOLATIONS)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "response",
            lambda r: errors.append(f"{r.url}: HTTP {r.status}") if r.status >= 400 else None,
        )
        screen = options["viewport"]["width"]
        for path in paths:
            errors.clear()
            response = page.goto(site + path)
            found = [] if response and response.status == 200 else ["not HTTP 200"]
            if (wide := width_of_page(page)) > screen:
                culprits = ", ".join(page.evaluate(TOO_WIDE, screen))
                found.append(f"{wide} px wide on a {screen} px screen ({culprits})")
            found += serious_violations(page)
            found += errors
            problems += [f"{width} {path}: {problem}" for problem in found]
        context.close()
    assert not problems, "\n".join(problems)
