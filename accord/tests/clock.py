"""The test clock: a pytest plugin (loaded with ``-p accord.tests.clock``) that pins "now".

Loaded as a plugin rather than from a conftest so that ``--now`` exists however
pytest is started (a conftest below the root cannot add options).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
import time_machine

# Every test runs at a chosen instant, not at today's date: a mid-month,
# mid-quarter weekday unless `--now` (or ACCORD_TEST_NOW) picks another, which
# is how `make test-dates` replays the date-sensitive tests at month, quarter
# and year ends, on 29 February and across a daylight-saving change.
DEFAULT_NOW = "2026-06-17T10:00:00+00:00"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--now",
        default=os.environ.get("ACCORD_TEST_NOW", DEFAULT_NOW),
        help="ISO instant with offset that tests run at (default %(default)s)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"clock: tests run at {config.getoption('--now')}"


def chosen_now(config: pytest.Config) -> dt.datetime:
    """The instant tests run at; naive values are refused so the zone is never guessed."""
    instant = dt.datetime.fromisoformat(str(config.getoption("--now")))
    if instant.tzinfo is None:
        raise pytest.UsageError("--now needs an offset, e.g. 2026-02-28T23:30:00+00:00")
    return instant


@pytest.fixture(autouse=True)
def chosen_clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Traveller | None]:
    """Start every test's clock at the chosen instant; it then runs on normally.

    Browser tests and tests marked ``real_clock`` keep the real clock: they
    share timestamps with another process (Chromium, a worker, a server) whose
    clock is not ours to move. A test that needs a particular day travels
    again inside this one.
    """
    if request.node.get_closest_marker("browser") or request.node.get_closest_marker("real_clock"):
        yield None
        return
    with time_machine.travel(chosen_now(request.config), tick=True) as traveller:
        yield traveller


@pytest.fixture
def frozen_clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Traveller]:
    """The chosen instant with the clock stopped: for rules counted per minute
    or per second, which must not see a boundary pass mid-test. Move it with
    ``frozen_clock.shift(seconds)``."""
    with time_machine.travel(chosen_now(request.config), tick=False) as traveller:
        yield traveller
