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
# mid-quarter weekday unless `--now` (or ACCORD_TEST_NOW) picks another. Given
# several instants, comma-separated, each test runs once at each of them: that
# is how `make test-dates` replays the date-sensitive tests at month, quarter
# and year ends, on 29 February and across a daylight-saving change, in one
# run (one start-up and one set of test databases rather than one per instant).
# `--dates-also` adds instants for the tests marked `dates` alone: `make test`'s
# SQLite run replays them so, beside everything else, rather than in a run of
# its own.
DEFAULT_NOW = "2026-06-17T10:00:00+00:00"

# The instant the tests that read the seeded demo (``northwind_seeded``) see
# Northwind at: 20 November 2026, so its last complete quarter is 2026Q3 and
# its pulse's last cycle 2026-11.
DEMO_NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--now",
        default=os.environ.get("ACCORD_TEST_NOW", DEFAULT_NOW),
        help="ISO instant with offset that tests run at, or several comma-separated"
        " (each test then runs at each); default %(default)s",
    )
    parser.addoption(
        "--dates-also",
        default="",
        help="ISO instants, comma-separated, at which the tests marked `dates` run"
        " too, besides --now",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"clock: tests run at {config.getoption('--now')}"


def chosen_instants(config: pytest.Config, option: str = "--now") -> list[dt.datetime]:
    """The instants tests run at (``option``'s); naive values are refused so the
    zone is never guessed."""
    instants = []
    for text in str(config.getoption(option)).split(","):
        if not text.strip() and option != "--now":
            continue
        try:
            instant = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            raise pytest.UsageError(f"{option}: {text.strip()!r} is not an ISO instant") from None
        if instant.tzinfo is None:
            raise pytest.UsageError(f"{option} needs an offset, e.g. 2026-02-28T23:30:00+00:00")
        instants.append(instant)
    return instants


def keeps_real_clock(node: pytest.Item | pytest.Function) -> bool:
    return bool(node.get_closest_marker("browser") or node.get_closest_marker("real_clock"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With several instants, run each test whose clock we own once at each."""
    instants = chosen_instants(metafunc.config)
    if metafunc.definition.get_closest_marker("dates"):
        instants += chosen_instants(metafunc.config, "--dates-also")
    if len(instants) < 2 or "chosen_clock" not in metafunc.fixturenames:
        return
    if keeps_real_clock(metafunc.definition):
        return
    metafunc.parametrize(
        "chosen_clock", instants, indirect=True, ids=[i.isoformat() for i in instants]
    )


def chosen_now(request: pytest.FixtureRequest) -> dt.datetime:
    """The instant this test runs at: its own when several were given, else the one."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and "chosen_clock" in callspec.params:
        instant: dt.datetime = callspec.params["chosen_clock"]
        return instant
    return chosen_instants(request.config)[0]


@pytest.fixture(autouse=True)
def chosen_clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Traveller | None]:
    """Start every test's clock at the chosen instant; it then runs on normally.

    Browser tests and tests marked ``real_clock`` keep the real clock: they
    share timestamps with another process (Chromium, a worker, a server) whose
    clock is not ours to move. A test that needs a particular day travels
    again inside this one.
    """
    if keeps_real_clock(request.node):
        yield None
        return
    with time_machine.travel(chosen_now(request), tick=True) as traveller:
        yield traveller


@pytest.fixture
def frozen_clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Traveller]:
    """The chosen instant with the clock stopped: for rules counted per minute
    or per second, which must not see a boundary pass mid-test. Move it with
    ``frozen_clock.shift(seconds)``."""
    with time_machine.travel(chosen_now(request), tick=False) as traveller:
        yield traveller
