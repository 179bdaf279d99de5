"""Browser tests: Playwright drives Debian's Chromium against Django's live server.

The browser is never downloaded: these tests use /usr/bin/chromium. Without it
they skip and say why; with ``CI=true`` a missing Chromium fails them instead.

pytest-playwright's ``context`` and ``page`` fixtures are used as they are
(with its ``--tracing``/``--screenshot`` options), but Playwright itself and
the browser live for one test only, not for the session: Playwright's sync API
keeps an asyncio event loop running in the main thread, and a session-long
loop would break every later test in the same process that calls
``async_to_sync`` or Django's ORM.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
# Waits are for conditions (an element, a response), and their limit is a
# ceiling, not a pace: 5 s failed on a 2-core machine busy with other suites.
TIMEOUT_MS = 30_000

# Chromium reports enforced CSP violations on the console already; this also
# catches any it might only raise as an event. Injected scripts are not
# subject to the page's CSP.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + event.blockedURI);
});
"""

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium, never a downloaded one."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"{CHROMIUM} is missing, and CI=true requires the browser tests "
                "(apt-get install chromium).",
                pytrace=False,
            )
        reason = f"browser tests skipped: {CHROMIUM} is not installed (apt-get install chromium)"
        warnings.warn(reason, stacklevel=1)
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def playwright(monkeypatch) -> Iterator[Playwright]:
    """Playwright for one test; Django's ORM is allowed beside its event loop meanwhile.

    Playwright's sync API runs an asyncio event loop in this thread, so Django
    would refuse the ORM calls a test makes between browser steps (factories,
    run_queued_jobs). They are safe: nothing else uses the loop's thread.
    The variable is restored when the test's database has been flushed.
    """
    monkeypatch.setitem(os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture
def browser(playwright: Playwright, browser_type_launch_args) -> Iterator[Browser]:
    browser = playwright.chromium.launch(**browser_type_launch_args)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def browser_context_args() -> dict[str, Any]:
    return {"viewport": DESKTOP, "locale": "en-GB"}


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(TIMEOUT_MS)
    return page


@pytest.fixture
def site(live_server, settings, transactional_db) -> str:
    """The live server's address; links in emails point at it too.

    Mail is captured into the Outbox, as on an instance without EMAIL_URL
    (Django's test setup would otherwise swap in its in-memory backend).
    """
    settings.SITE_URL = live_server.url
    settings.EMAIL_BACKEND = "accord.mail.backends.CapturingBackend"
    settings.EMAIL_CAPTURED = True
    url: str = live_server.url
    return url


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Every console error, uncaught exception and CSP violation on ``page``."""
    errors: list[str] = []
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on(
        "console",
        lambda message: errors.append(f"{page.url}: {message.text}")
        if message.type == "error"
        else None,
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    # The console names no address for a failed load; the response does.
    page.on(
        "response",
        lambda response: errors.append(f"{response.url}: HTTP {response.status}")
        if response.status >= 400
        else None,
    )
    return errors


@pytest.fixture
def log_in(context: BrowserContext, site: str):
    """``log_in(user)`` gives the browser a session for ``user``, no password typed."""

    def log_in(user) -> None:
        client = Client()
        client.force_login(user)
        name = django_settings.SESSION_COOKIE_NAME
        context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": site}])

    return log_in
