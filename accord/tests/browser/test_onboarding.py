"""The first week of a new company, as its people would click through it.

The owner signs up, creates the organisation and invites both teams' leads;
the marketing lead reads the invitation from the Outbox link, signs up and
lands in the organisation with the role she was given.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accord.jobs.testing import run_queued_jobs

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "screenshot.png"
PASSWORD = "plum-harbour-lantern-42"


def sign_up(page: Page, email: str) -> None:
    expect(page.get_by_role("heading", name="Sign Up")).to_be_visible()
    page.get_by_label("Email:", exact=True).fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()


def invite(page: Page, email: str, role: str) -> None:
    form = page.get_by_role("form", name="Invite a colleague")
    form.get_by_label("Email address").fill(email)
    form.get_by_label("Role").select_option(label=role)
    form.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {email}.")


def test_it_takes_a_new_company_from_sign_up_to_both_teams_on_board(
    page: Page, site: str, console_errors: list[str]
):
    # The owner arrives on the welcome page and creates an account.
    page.goto(site + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sales and marketing, on the same side."
    )
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    sign_up(page, "nadia@initech.example")

    # With no organisation yet, she is asked to create one.
    expect(page).to_have_url(site + "/new/")
    expect(page.get_by_role("heading", name="Create your organisation")).to_be_visible()
    page.get_by_label("Company name").fill("Initech")
    page.get_by_role("button", name="Create organisation").click()

    # The new organisation opens on People, where she is the only member.
    expect(page).to_have_url(site + "/o/initech/members/")
    expect(page.get_by_role("status")).to_contain_text("Initech is ready.")
    people = page.get_by_role("table", name="Members of Initech")
    expect(people.get_by_role("row")).to_have_count(2)
    expect(people).to_contain_text("nadia@initech.example")
    expect(people).to_contain_text("Owner")

    # She invites the lead of each team.
    invite(page, "sam@initech.example", "Sales lead")
    invite(page, "maya@initech.example", "Marketing lead")
    pending = page.get_by_role("table").filter(has_text="maya@initech.example")
    expect(pending.get_by_role("row", name=re.compile("maya@initech.example"))).to_contain_text(
        "Marketing lead"
    )

    # The worker sends the two invitations; without EMAIL_URL they are captured.
    assert run_queued_jobs() >= 2

    page.get_by_role("note").get_by_role("link", name="Outbox").click()
    expect(page.get_by_role("heading", name="Outbox")).to_be_visible()
    page.get_by_role("row", name=re.compile("maya@initech.example")).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "nadia@initech.example invited you to Initech on Accord"
    )
    expect(page.get_by_role("main")).to_contain_text("as Marketing lead in Marketing")
    accept_link = page.get_by_role("main").get_by_role("link", name=re.compile("invitations"))
    accept_url = accept_link.get_attribute("href")
    assert accept_url is not None and accept_url.startswith(site + "/invitations/")

    # She logs out; the marketing lead opens the link from her email.
    page.get_by_role("button", name="Log out").click()
    account = page.get_by_role("navigation", name="Account")
    expect(account.get_by_role("link", name="Log in")).to_be_visible()
    expect(account).not_to_contain_text("nadia@initech.example")
    page.goto(accept_url)
    expect(page.get_by_role("heading", name="Join Initech")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        "invited maya@initech.example to join as Marketing lead in Marketing."
    )

    # She has no account yet: signing up brings her back to the invitation.
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    sign_up(page, "maya@initech.example")
    expect(page).to_have_url(accept_url)
    page.get_by_role("button", name="Accept and join").click()

    # She lands in Initech, as Marketing lead of the Marketing team.
    expect(page).to_have_url(site + "/o/initech/")
    expect(page.get_by_role("status")).to_contain_text("Welcome to Initech.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Initech")
    expect(page.get_by_text("Marketing lead in Marketing")).to_be_visible()
    expect(page.get_by_text("people in 2 teams")).to_be_visible()

    # On People both leads appear: one member, one invitation still pending.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="People").click()
    people = page.get_by_role("table", name="Members of Initech")
    expect(people.get_by_role("row")).to_have_count(3)
    expect(people.get_by_role("row", name=re.compile("maya@initech.example"))).to_contain_text(
        "Marketing lead"
    )
    expect(page.get_by_role("row", name=re.compile("sam@initech.example"))).to_contain_text(
        "Sales lead"
    )

    # Only a page that loaded cleanly (styles, scripts, no CSP violation)
    # replaces the picture in the README.
    assert console_errors == []
    page.screenshot(path=SCREENSHOT)
