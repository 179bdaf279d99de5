"""Importing past survey responses in a browser: a file whose columns have
names of their own is previewed, its columns chosen on the preview and saved
as a mapping, then confirmed; the preview is accessible (axe-core finds no
serious or critical violation) and raises no console error."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accord.accounts.tests.factories import UserFactory
from accord.feedback.models import Response
from accord.orgs.tests.factories import OrganizationFactory
from accord.pipeline.models import ColumnMapping
from accord.tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser
MARCH = Path(__file__).parents[2] / "feedback" / "tests" / "data" / "generic_mapped_de_march.csv"


@pytest.fixture
def alice(transactional_db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    user = UserFactory.create(email="alice@acme.example", name="Alice Owner")
    OrganizationFactory.create(name="Acme", slug="acme", owner=user)
    return user


def test_it_chooses_the_columns_on_the_preview_saves_them_and_imports(
    page: Page, site, alice, log_in, console_errors
):
    log_in(alice)
    page.goto(site + "/o/acme/customers/import/")
    page.get_by_label("File").set_input_files(str(MARCH))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("The header row needs a 'score' column")).to_be_visible()
    columns = page.get_by_role("form", name="Choose the columns")
    columns.get_by_label("Score (0-10)").select_option("Bewertung")
    columns.get_by_label("Date answered").select_option("Beantwortet am")
    columns.get_by_label("Email").select_option("Kunden-E-Mail")
    columns.get_by_label("Comment (filed by the score's category)").select_option("Anmerkung")
    columns.get_by_label("Save these columns as a mapping named").fill("Kundenfeedback")
    columns.get_by_role("button", name="Preview again with these columns").click()
    expect(page.get_by_role("heading", name="Preview: nothing written yet")).to_be_visible()
    expect(page.get_by_text("with the mapping “Kundenfeedback”")).to_be_visible()
    assert serious_violations(page, "main") == []
    assert not Response.objects.exists()
    page.get_by_role("button", name="Import these 3 responses").click()
    expect(page.get_by_text("Imported 3 responses; 0 were already here.")).to_be_visible()
    assert sorted(Response.objects.values_list("score", "well", "better", "comment")) == [
        (4, "", "Rechnungen sind unverständlich", ""),
        (8, "", "", "Läuft; nichts Besonderes"),
        (10, "Schnelle Hilfe vom Support", "", ""),
    ]
    assert ColumnMapping.objects.get().name == "Kundenfeedback"
    # The refused first upload answers 400 (a form with errors, as every form
    # here); nothing else went wrong.
    assert console_errors and all(
        "/o/acme/customers/import/" in error and "400" in error for error in console_errors
    ), console_errors
