"""The scripted set-up commands: accord org create, member add, demo."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client

from accord.accounts.models import User
from accord.orgs.models import Membership, Organization, Role

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_creates_an_organisation_and_a_one_time_password_link():
    output = run(
        "org", "create", "initech", "--name", "Initech", "--owner", "Peter@Initech.example"
    )

    organization = Organization.objects.get(slug="initech")
    owner = User.objects.get(email="peter@initech.example")
    assert Membership.objects.get(organization=organization, user=owner).role == Role.OWNER
    assert "Created Initech at /o/initech/" in output
    link = next(
        line.strip() for line in output.splitlines() if "/accounts/password/reset/key/" in line
    )

    client = Client()
    path = link.split("127.0.0.1:8000", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else path
    done = client.post(
        set_url, {"password1": "a new long passphrase", "password2": "a new long passphrase"}
    )
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("a new long passphrase")
    # One-time: the link no longer works.
    again = Client().get(path, follow=True)
    assert "invalid" in again.content.decode().lower()


def test_it_names_the_field_of_a_bad_slug():
    with pytest.raises(CommandError, match="slug: Use lower-case letters"):
        run("org", "create", "Bad Slug", "--name", "X", "--owner", "x@x.example")
    assert not Organization.objects.exists()


def test_it_refuses_an_invalid_owner_email_and_writes_nothing():
    with pytest.raises(CommandError, match="email: 'not-an-email' is not an email address"):
        run("org", "create", "initech", "--name", "Initech", "--owner", "not-an-email")
    assert not Organization.objects.exists()
    assert not User.objects.exists()


def test_it_adds_a_member_to_a_team(acme):
    output = run(
        "member", "add", "acme", "sid@acme.example", "--role", "sales_lead", "--team", "sales"
    )

    member = Membership.objects.get(organization=acme, user__email="sid@acme.example")
    assert member.role == Role.SALES_LEAD
    assert member.team is not None and member.team.name == "Sales"
    assert "sid@acme.example is Sales lead in Sales of Acme." in output


def test_it_names_an_unknown_team(acme):
    with pytest.raises(CommandError, match="team: no team 'Legal'"):
        run("member", "add", "acme", "sid@acme.example", "--role", "member", "--team", "Legal")


def test_it_names_an_unknown_organisation():
    with pytest.raises(CommandError, match="slug: no organisation 'nope'"):
        run("member", "add", "nope", "sid@acme.example", "--role", "member")


def snapshot() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in {"sessions", "django_tasks_database"}
    }


def test_it_seeds_the_demo_once_and_a_second_run_changes_nothing():
    output = run("demo")
    assert "Demo organisation: Northwind" in output
    assert "sam@northwind.example" in output
    northwind = Organization.objects.get(slug="northwind")
    roles = set(northwind.memberships.values_list("role", flat=True))
    assert {Role.OWNER, Role.SALES_LEAD, Role.MARKETING_LEAD, Role.MEMBER} <= roles
    teams = set(northwind.memberships.exclude(team=None).values_list("team__kind", flat=True))
    assert teams == {"sales", "marketing"}

    before = snapshot()
    run("demo")
    assert snapshot() == before


def test_it_lets_the_demo_people_log_in():
    run("demo")
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "sam@northwind.example", "password": "accord-demo"}
    )
    assert response.status_code == 302
    overview = client.get("/o/northwind/")
    assert overview.status_code == 200
    assert "Northwind" in overview.content.decode()
