"""Standing people for every test, after healthchecks' alice, bob and charlie.

* alice owns Acme; bob is a sales member of Acme; carol is Acme's marketing lead.
* charlie owns Globex, another organisation: he must never see Acme's data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
import time_machine
from aiosmtpd.smtp import Envelope
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accord.accounts.tests.factories import PASSWORD, UserFactory
from accord.orgs.models import Membership, Organization, Role, TeamKind
from accord.orgs.tests.factories import OrganizationFactory, team_of
from accord.tests.clock import DEMO_NOW

# Property tests judge what is computed, not how fast: on a busy 2-core
# machine Hypothesis's timing checks (a per-example deadline, "input
# generation is slow") failed tests whose answers were right.
hypothesis_settings.register_profile(
    "accord", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("accord")


@pytest.fixture(scope="module")
def northwind_seeded(django_db_setup, django_db_blocker) -> Iterator[int]:
    """Northwind seeded at DEMO_NOW once for every test of a module that asks
    for it (its id): seeding takes seconds, and each test reads the same demo.

    The seed stays in a transaction held open until the module's last test is
    done, then rolled back. Each test's own transaction (the ``db`` fixture,
    set up after this one) is a savepoint inside it, so whatever one test
    writes is gone before the next starts. Not for transactional tests, and
    only in a module whose every test asks for it: any other test of the
    module would run beside the seed (``pytest_collection_modifyitems``
    refuses such a module).
    """
    from accord.cli.demo import seed_demo

    held = transaction.atomic()
    with django_db_blocker.unblock():
        held.__enter__()
        with time_machine.travel(DEMO_NOW, tick=False):
            organization_id = seed_demo().pk
    try:
        yield organization_id
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            held.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def captured_email(settings):
    """Email is captured into the Outbox, as on an instance without EMAIL_URL.

    (Django's test runner would otherwise swap in its in-memory backend.)
    ``smtp`` below switches a test to a real SMTP server instead.
    """
    settings.EMAIL_BACKEND = "accord.mail.backends.CapturingBackend"
    settings.EMAIL_CAPTURED = True
    # A deliberately weak, fast hasher: tests create many users, and the real
    # one costs a quarter of a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def alice(db):
    return UserFactory.create(email="alice@acme.example", name="Alice Owner")


@pytest.fixture
def acme(alice) -> Organization:
    return OrganizationFactory.create(name="Acme", slug="acme", owner=alice)


@pytest.fixture
def bob(acme):
    user = UserFactory.create(email="bob@acme.example", name="Bob Seller")
    Membership.objects.create(
        organization=acme, user=user, role=Role.MEMBER, team=team_of(acme, TeamKind.SALES)
    )
    return user


@pytest.fixture
def carol(acme):
    user = UserFactory.create(email="carol@acme.example", name="Carol Marketer")
    Membership.objects.create(
        organization=acme,
        user=user,
        role=Role.MARKETING_LEAD,
        team=team_of(acme, TeamKind.MARKETING),
    )
    return user


@pytest.fixture
def charlie(db):
    return UserFactory.create(email="charlie@globex.example", name="Charlie Outsider")


@pytest.fixture
def globex(charlie) -> Organization:
    return OrganizationFactory.create(name="Globex", slug="globex", owner=charlie)


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice, acme) -> Client:
    return _logged_in(alice)


@pytest.fixture
def bob_client(bob) -> Client:
    return _logged_in(bob)


@pytest.fixture
def charlie_client(charlie, globex) -> Client:
    return _logged_in(charlie)


def membership(user, organization) -> Membership:
    return Membership.objects.get(user=user, organization=organization)


class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self) -> None:
        import socket

        from aiosmtpd.controller import Controller

        self.messages: list[tuple[Envelope, EmailMessage]] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                from email import message_from_bytes, policy

                sink.messages.append(
                    (envelope, message_from_bytes(envelope.content, policy=policy.default))
                )
                return "250 OK"

        # Controller(port=0) cannot report the port it got: pick a free one.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp(settings):
    """Send every email through a real SMTP server on 127.0.0.1; read ``smtp.messages``."""
    sink = SmtpSink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_CAPTURED = False
    yield sink
    sink.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the longest tests first: the browser tests, then those marked slow.

    pytest-xdist hands tests out in collection order, so long tests collected
    last (the browser tests live under accord/tests/) kept one worker busy for
    minutes after the other had run out of work. Started first, they overlap
    with the many short tests instead. The order within each group is kept,
    and every worker collects the same order, as xdist requires.
    """

    def weight(item: pytest.Item) -> int:
        if item.get_closest_marker("browser"):
            return 0
        return 1 if item.get_closest_marker("slow") else 2

    items.sort(key=weight)
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        # The same processes on the same files as in the SQLite run: nothing
        # of the PostgreSQL run's to test.
        again = pytest.mark.skip(
            reason="starts processes on databases of its own (SQLite files, unreachable"
            " servers), never the suite's: the SQLite run already runs it unchanged"
        )
        for item in items:
            if item.get_closest_marker("own_databases"):
                item.add_marker(again)
    seeded: dict[str, set[bool]] = {}
    for item in items:
        uses = "northwind_seeded" in getattr(item, "fixturenames", ())
        seeded.setdefault(item.nodeid.split("::")[0], set()).add(uses)
    mixed = sorted(module for module, uses in seeded.items() if uses == {True, False})
    if mixed:
        raise pytest.UsageError(
            "Every test of a module that reads the seeded demo (northwind_seeded) must"
            f" read it, or the others run beside the seed: {', '.join(mixed)}"
        )


def pytest_unconfigure(config):
    """Remove this process's test database files, WAL and shared-memory included."""
    import os

    from django.conf import settings

    for leftover in settings.VAR_DIR.glob(f"test-{os.getpid()}.sqlite3*"):
        leftover.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Let the test database be dropped at the end on PostgreSQL.

    The live server's thread keeps its own connection open; end every other
    session on the test database before pytest-django drops it.
    """
    yield
    with django_db_blocker.unblock():
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(autouse=True)
def api_rates(settings):
    """Rates no test reaches by accident (schemathesis sends hundreds of calls
    a minute with one token); accord/tests/test_throttling.py sets its own."""
    settings.ACCORD_API_RATE_PER_TOKEN = "1000000/m"
    settings.ACCORD_API_RATE_PER_ADDRESS = "1000000/m"


@pytest.fixture
def back_to_the_latest_schema():
    """For tests that migrate back and forth: whatever they migrated to, the
    next test finds every migration applied again."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
