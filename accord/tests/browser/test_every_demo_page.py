"""Every page of the demo, as each role, at a desktop's and a phone's width.

Each page answers 200, logs no console or CSP error, is no wider than the
screen, and axe-core finds no serious or critical violation on it. axe reads
markup, so a page whose content (its ``<main>``) another role was already
shown at the same width is not checked by axe again: its own frame (header,
navigation) is, on the first page each role sees at each width.

The pages are found as a person finds them (test_demo_pages.pages_of): one
address per kind of page each role reaches by following links from the
organisation's home.
"""

from __future__ import annotations

import hashlib
import os
import re
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


# A page's own content as axe reads it; the form token differs per person.
MAIN = "() => document.querySelector('main')?.outerHTML ?? ''"
PER_PERSON = re.compile(r'(name="csrfmiddlewaretoken" value=|nonce=)"[^"]*"')


def content_of(page: Any) -> str:
    """A digest of the page's ``<main>`` as shown, or "" for a page without one."""
    main = PER_PERSON.sub(r"\1", page.evaluate(MAIN))
    return hashlib.sha256(main.encode()).hexdigest() if main else ""


def test_it_shows_every_demo_page_to_each_role_at_each_width(browser: Browser, site: str):
    # One seed for the six people: seeding is about a quarter of a person's crawl, and
    # reading pages changes nothing another person would see.
    organization = seed_demo()
    run_queued_jobs()
    problems: list[str] = []
    checked: dict[str, set[str]] = {width: set() for width in WIDTHS}
    for role, email in PEOPLE.items():
        person = Membership.objects.get(organization=organization, user__email=email)
        found = problems_seen_by(person, browser, site, checked)
        problems += [f"{role} {problem}" for problem in found]
    # Far fewer contents than the 650 or so page visits: a token that differs
    # per response inside <main> would make every page's content new.
    assert 0 < sum(map(len, checked.values())) < 500
    assert not problems, "\n".join(problems)


def problems_seen_by(
    person: Membership, browser: Browser, site: str, checked: dict[str, set[str]]
) -> list[str]:
    """What is wrong on each page ``person`` reaches, at each width, one line
    each; axe checks the pages whose content is not in ``checked`` yet at
    that width (and adds it), and the first page, for the frame."""
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
            content = content_of(page)
            if path == paths[0] or not content or content not in checked[width]:
                found += serious_violations(page)
                checked[width].add(content)
            found += errors
            problems += [f"{width} {path}: {problem}" for problem in found]
        context.close()
    return problems
