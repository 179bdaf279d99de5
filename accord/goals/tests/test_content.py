"""The content library: assets, use by sales, the untouched list, and the activity it counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accord.goals import selectors, services
from accord.goals.models import ActivityLog, ContentUsage
from accord.orgs.models import TeamKind

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_it_creates_an_asset_through_the_shared_service(marketer):
    asset = services.content_asset_create(
        membership=marketer,
        title="Acme: what customers say",
        kind="testimonial",
        tags=["NPS", "nps", " quote "],
        body="“They answer within a day.” — Dana, Initech",
    )
    assert asset.owner == marketer
    assert asset.tags == ["nps", "quote"]


def test_it_refuses_a_bad_url_naming_the_field(marketer):
    with pytest.raises(ValidationError) as caught:
        services.content_asset_create(
            membership=marketer, title="Acme deck", kind="deck", url="javascript:alert(1)"
        )
    assert "url" in caught.value.message_dict


def test_it_counts_a_sellers_first_use_toward_sales_content_goal(owner, seller, acme):
    goal = services.activity_goal_create(
        membership=owner,
        team=acme.teams.get(kind=TeamKind.SALES),
        activity_type="content_use",
        target_count=2,
    )
    asset = services.content_asset_create(membership=owner, title="Acme deck", kind="deck")
    services.content_usage_log(membership=seller, asset=asset, note="Initech demo")
    services.content_usage_log(membership=seller, asset=asset, note="Hooli demo")

    firsts = ContentUsage.objects.order_by("pk").values_list("first_use", flat=True)
    assert list(firsts) == [True, False]
    log = ActivityLog.objects.get()
    assert (log.member, log.activity_goal, log.source) == (seller, goal, "content")
    assert selectors.activity_progress(goal, services.today()).team_count == 1


def test_it_counts_content_use_by_sales_members_only(marketer):
    asset = services.content_asset_create(membership=marketer, title="Acme deck", kind="deck")
    with pytest.raises(ValidationError) as caught:
        services.content_usage_log(membership=marketer, asset=asset)
    assert "not in Sales" in caught.value.message_dict["member"][0]


def test_it_lists_assets_no_one_in_sales_used_in_n_days_as_untouched(owner, seller):
    services.goals_settings_update(membership=owner, untouched_days=30)
    fresh = services.content_asset_create(membership=owner, title="Acme fresh", kind="deck")
    stale = services.content_asset_create(membership=owner, title="Acme stale", kind="deck")
    never = services.content_asset_create(membership=owner, title="Acme never", kind="deck")
    services.content_usage_log(membership=seller, asset=fresh)
    services.content_usage_log(
        membership=seller, asset=stale, used_on=services.today() - dt.timedelta(days=45)
    )

    untouched = selectors.content_assets(owner, untouched=True)

    assert [a.title for a in untouched] == ["Acme never", "Acme stale"]
    counts = {a.title: a.uses for a in selectors.content_assets(owner)}
    assert counts == {"Acme fresh": 1, "Acme never": 0, "Acme stale": 1}
    assert never.pk in {a.pk for a in untouched}


def test_it_names_an_unknown_asset_row_and_imports_nothing(owner, seller):
    services.content_asset_create(membership=owner, title="Acme deck", kind="deck")
    with pytest.raises(ValidationError) as caught:
        services.content_usage_import_csv(
            membership=owner,
            data=(
                b"email,asset,date\n"
                b"bob@acme.example,acme deck,2026-01-02\n"
                b"bob@acme.example,Ghost,\n"
            ),
        )
    assert caught.value.message_dict["file"] == [
        "Row 3, column 'asset': no asset 'Ghost' in the content library."
    ]
    assert not ContentUsage.objects.exists()
    count = services.content_usage_import_csv(
        membership=owner, data=b"email,asset,date\nbob@acme.example,acme deck,2026-01-02\n"
    )
    assert count == 1


def test_it_filters_untouched_assets_on_the_library_page(owner, seller):
    used = services.content_asset_create(membership=owner, title="Acme used deck", kind="deck")
    services.content_asset_create(membership=owner, title="Acme forgotten paper", kind="whitepaper")
    services.content_usage_log(membership=seller, asset=used)
    client = Client()
    client.force_login(owner.user)

    html = client.get("/o/acme/goals/content/?untouched=1").content.decode()

    assert "Acme forgotten paper" in html
    assert "Acme used deck" not in html


def test_it_lets_a_seller_log_a_use_on_the_asset_page(seller, owner):
    asset = services.content_asset_create(membership=owner, title="Acme deck", kind="deck")
    client = Client()
    client.force_login(seller.user)
    response = client.post(f"/o/acme/goals/content/{asset.pk}/", {"note": "Acme renewal call"})
    assert response.status_code == 302
    assert "Acme renewal call" in client.get(f"/o/acme/goals/content/{asset.pk}/").content.decode()


def test_it_says_what_will_appear_in_an_empty_library(alice_client):
    html = alice_client.get("/o/acme/goals/content/").content.decode()
    assert "The library is empty" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'email,asset,date,note\nbob@acme.example,acme deck,"2026-01-02,x\n'
            b'bob@acme.example,acme deck,2026-01-03,y"\n',
            "Row 2: has 3 fields where the header has 4; a quote may be left open.",
        ),
        (
            b"email,asset,date,note\nbob@acme.example,acme deck,2026-01-02\n",
            "Row 2: has 3 fields where the header has 4.",
        ),
        (
            b"email,asset,date,note\nbob@acme.example,acme deck,2026-01-02,ok\n"
            b'bob@acme.example,"acme deck,2026-01-02,x\n',
            "Row 3: not valid CSV (a quote opened on this row is never closed).",
        ),
        (
            b"email,asset,date,note\nbob@acme.example,acme deck,2026-01-02,\xe9t\xe9\n"
            b"bob@acme.example,acme deck,2026-01-02,\x9d\n",
            "Row 3: byte 0x9d cannot be read as Windows-1252; Accord reads UTF-8 (with or "
            'without BOM), UTF-16 or Windows-1252 (Latin-1): save the file as "CSV UTF-8".',
        ),
        (
            b"email,asset,date,note\nbob@acme.example,acme deck,2026-01-02," + b"n" * 301 + b"\n",
            "Row 2, column 'note': At most 300 characters.",
        ),
    ],
    ids=["quote", "narrow", "open", "byte", "long"],
)
def test_it_refuses_a_malformed_csv_naming_the_row_and_stores_nothing(owner, seller, data, message):
    services.content_asset_create(membership=owner, title="Acme deck", kind="deck")
    with pytest.raises(ValidationError) as caught:
        services.content_usage_import_csv(membership=owner, data=data)
    assert caught.value.message_dict["file"] == [message]
    assert not ContentUsage.objects.exists()
