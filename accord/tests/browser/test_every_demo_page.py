"""Every page of the demo, as each role, at a desktop's and a phone's width.

Each page answers 200, logs no console or CSP error, is no wider than the
screen, and axe-core finds no serious or critical violation on it.

The pages are found as a person finds them (test_demo_pages.pages_of): one
address per kind of page each role reaches by following links from the
organisation's home.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Browser, ViewportSize

from accord.cli.demo import seed_demo
from accord.jobs.testing import run_queued_jobs
from accord.orgs.models import Membership
from accord.tests.browser.axe import serious_violations
from accord.tests.browser.conftest import DESKTOP, REPORT_CSP_VIOLATIONS
from accord.tests.test_demo_pages import PEOPLE, pages_of

pytestmark = [
    pytest.mark.browser,
    # What the browser is sent does not depend on the database; that each page
    # answers as each role on both databases is test_demo_pages's job. Running
    # this twice would add minutes to the suite and find nothing new.
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the browser crawl of the demo runs on SQLite only",
    ),
]

PHONE: ViewportSize = {"width": 390, "height": 844}
WIDTHS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": DESKTOP},
    "phone": {"viewport": PHONE, "is_mobile": True, "has_touch": True},
}


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


def test_it_shows_every_demo_page_to_each_role_at_each_width(browser: Browser, site: str):
    # One seed for the six people: seeding is about a quarter of a person's crawl, and
    # reading pages changes nothing another person would see.
    organization = seed_demo()
    run_queued_jobs()
    problems: list[str] = []
    for role, email in PEOPLE.items():
        person = Membership.objects.get(organization=organization, user__email=email)
        problems += [f"{role} {problem}" for problem in problems_seen_by(person, browser, site)]
    assert not problems, "\n".join(problems)


def problems_seen_by(person: Membership, browser: Browser, site: str) -> list[str]:
    """What is wrong on each page ``person`` reaches, at each width, one line each."""
    client = Client()
    client.force_login(person.user)
    paths, _ = pages_of(client)
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
    return problems
