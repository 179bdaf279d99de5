"""Themes: the worker groups comments, people rename, merge and route them,
promoter quotes become testimonials with consent."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError

from accord.feedback.models import Response, Theme, ThemeMention, ThemeModel
from accord.feedback.services import testimonial_save, theme_merge, theme_update
from accord.feedback.tests.factories import ResponseFactory
from accord.feedback.themes import themes_update

pytestmark = pytest.mark.django_db

TOPICS = {
    "support": [
        "support team answered quickly",
        "support tickets resolved fast",
        "friendly support staff helped",
        "support chat was responsive",
    ],
    "pricing": [
        "pricing is too expensive",
        "price increase hurt our budget",
        "expensive licence pricing",
        "pricing tiers are confusing and expensive",
    ],
    "onboarding": [
        "onboarding was smooth and guided",
        "onboarding training sessions helped",
        "guided onboarding checklist",
        "onboarding took our team one week",
    ],
}


def make_comments(acme, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    for _ in range(count):
        topic = rng.choice(list(TOPICS))
        text = rng.choice(TOPICS[topic])
        if topic == "pricing":
            ResponseFactory.create(organization=acme, score=rng.randint(0, 6), better=text)
        else:
            ResponseFactory.create(
                organization=acme, score=rng.randint(9, 10), well=text, may_quote=True
            )


def theme_of(word: str) -> Theme:
    return next(t for t in Theme.objects.filter(merged_into__isnull=True) if word in t.top_terms)


def test_it_groups_comments_into_themes_with_top_terms(acme):
    make_comments(acme, 240)
    themes_update(organization_id=acme.pk)
    assert Theme.objects.count() >= 3
    pricing = theme_of("pricing")
    mentions = ThemeMention.objects.filter(theme=pricing)
    assert mentions.count() > 40
    assert all(m.response.category == "detractor" for m in mentions.select_related("response"))
    assert ThemeModel.objects.filter(organization=acme).exists()
    assert not Response.objects.filter(themed_at__isnull=True).exists()


def test_it_assigns_new_comments_incrementally(acme):
    make_comments(acme, 200)
    themes_update(organization_id=acme.pk)
    fitted = ThemeModel.objects.get().fitted_at
    ResponseFactory.create(organization=acme, score=2, better="pricing is far too expensive now")
    themes_update(organization_id=acme.pk)
    assert ThemeModel.objects.get().fitted_at == fitted  # no refit for one comment
    newest = Response.objects.latest("id")
    assert newest.mentions.get().theme == theme_of("pricing")


def test_it_keeps_a_renamed_and_routed_theme_through_a_refit(acme, owner):
    make_comments(acme, 200)
    themes_update(organization_id=acme.pk)
    pricing = theme_of("pricing")
    theme_update(membership=owner, theme=pricing, name="Price", backlog="marketing")
    themes_update(organization_id=acme.pk, refit=True)
    pricing.refresh_from_db()
    assert (pricing.name, pricing.backlog) == ("Price", "marketing")
    assert pricing.mentions.count() > 30


def test_it_merges_themes(acme, owner):
    make_comments(acme, 200)
    themes_update(organization_id=acme.pk)
    support, onboarding = theme_of("support"), theme_of("onboarding")
    total = support.mentions.count() + onboarding.mentions.count()
    theme_merge(membership=owner, theme=onboarding, into=support)
    assert support.mentions.count() == total
    with pytest.raises(ValidationError):
        theme_merge(membership=owner, theme=support, into=support)


def test_it_saves_a_consenting_promoters_quote_as_a_testimonial(acme, owner):
    from accord.goals.models import ContentAsset

    quoted = ResponseFactory.create(
        organization=acme,
        score=10,
        well="Best support ever",
        may_quote=True,
        name="Ana",
        company="Customer SA",
    )
    testimonial_save(membership=owner, response=quoted)
    asset = ContentAsset.objects.get(organization=acme)
    assert asset.kind == "testimonial" and "Best support ever" in asset.body
    shy = ResponseFactory.create(organization=acme, score=10, well="Great", may_quote=False)
    with pytest.raises(ValidationError, match="did not agree"):
        testimonial_save(membership=owner, response=shy)
    detractor = ResponseFactory.create(organization=acme, score=3, well="x", may_quote=True)
    with pytest.raises(ValidationError, match="promoter"):
        testimonial_save(membership=owner, response=detractor)


def test_it_shows_themes_with_quotes_and_split(alice_client, acme):
    make_comments(acme, 200)
    themes_update(organization_id=acme.pk)
    listing = alice_client.get("/o/acme/customers/themes/").content.decode()
    assert "Top terms" in listing
    pricing = theme_of("pricing")
    page = alice_client.get(f"/o/acme/customers/themes/{pricing.pk}/").content.decode()
    assert "Representative quotes" in page and "expensive" in page
    assert "from detractors" in page


def test_it_waits_for_enough_comments(acme):
    ResponseFactory.create(organization=acme, score=3, better="too slow")
    assert themes_update(organization_id=acme.pk) == "too few comments"


def test_it_shows_each_quote_of_a_theme_once(alice_client, acme):
    """Many customers write the same words: the theme quotes them once."""
    from accord.feedback.selectors import theme_quotes

    theme = Theme.objects.create(organization=acme, name="Speed", top_terms=["slow"])
    for n, text in enumerate(["Too slow", "too  slow", "Too slow", "Exports are slow"]):
        response = ResponseFactory.create(organization=acme, score=3, better=text)
        ThemeMention.objects.create(
            organization=acme, theme=theme, response=response, field="better", weight=1 - n / 10
        )
    quotes = theme_quotes(theme, limit=8)
    assert [q.response.better for q in quotes] == ["Too slow", "Exports are slow"]
    page = alice_client.get(f"/o/acme/customers/themes/{theme.pk}/").content.decode()
    assert page.count("<blockquote>Too slow</blockquote>") == 1
    assert page.count("<blockquote>too  slow</blockquote>") == 0


def test_it_themes_a_general_comment_on_neither_side(acme, owner):
    """An imported passive's single comment is read by the themes but counted
    as neither "what we do well" nor "what we can do better"."""
    from accord.feedback.selectors import theme_summaries

    make_comments(acme, 200)
    themes_update(organization_id=acme.pk)
    ResponseFactory.create(organization=acme, score=7, comment="pricing is too expensive again")
    themes_update(organization_id=acme.pk)
    mention = Response.objects.latest("id").mentions.get()
    assert (mention.theme, mention.field) == (theme_of("pricing"), "comment")
    row = next(t for t in theme_summaries(owner) if t.theme.pk == mention.theme_id)
    assert row.total == row.better + row.well + 1
