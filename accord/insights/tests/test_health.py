"""Alignment health: parts with and without data, weights, the trend, the API,
and the property that missing data never counts as zero."""

from __future__ import annotations

import dataclasses
import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from accord.goals import services as goal_services
from accord.insights import health
from accord.insights.models import HealthWeights
from accord.orgs.models import Membership, Organization
from accord.orgs.services import api_token_create
from accord.pulse import services as pulse_services

pytestmark = pytest.mark.django_db


def _answer(m, cycle, goals, vote, score, follow=""):
    return pulse_services.answer_submit(
        membership=m,
        cycle=cycle,
        votes={g.pk: (vote, "") for g in goals},
        internal_score=score,
        one_thing=f"{m.user.email} will share notes.",
        follow_through=follow,
    )


@pytest.fixture
def pulses(owner, goals, seller, sales_lead, marketer, marketing_lead):
    """Two monthly cycles: all Same and passive, then mostly Better."""
    first = pulse_services.cycle_open_now(membership=owner)
    for m in (seller, sales_lead, marketer, marketing_lead):
        _answer(m, first, goals, "same", 7)
    pulse_services.cycle_close(cycle=first)
    with time_machine.travel(first.opens_at + timedelta(days=31), tick=False) as later:
        second = pulse_services.cycle_open_now(membership=owner)
        _answer(seller, second, goals, "better", 10, "done")
        _answer(sales_lead, second, goals, "better", 9, "done")
        _answer(marketer, second, goals, "better", 8, "not_done")
        _answer(marketing_lead, second, goals, "worse", 6, "not_done")
        yield later


def _api(membership) -> Client:
    secret = api_token_create(membership=membership, name="test").secret
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_it_leaves_every_part_out_of_an_empty_organisation(owner, acme):
    found = health.health_now(acme)
    assert found.score is None
    assert [p.key for p in found.parts] == list(health.PART_KEYS)
    assert all(p.value is None and p.n == 0 for p in found.parts)
    assert all("left out" in p.raw for p in found.parts)
    assert [t.score for t in health.health_trend(acme)] == [None] * 12


def test_it_scores_only_the_parts_with_data(owner, acme, goals, pulses):
    goal_services.goal_check_in(membership=owner, goal=goals[0], value=Decimal("30"))
    found = health.health_now(acme)
    parts = {p.key: p for p in found.parts}
    # 16 votes: 6 Better, 2 Worse: balance +25 points, 62.5 on 0-100.
    assert (parts["pulse_balance"].value, parts["pulse_balance"].n) == (62.5, 16)
    assert "+25" in parts["pulse_balance"].raw
    # Two One Things done, two not done.
    assert (parts["follow_through"].value, parts["follow_through"].n) == (50.0, 4)
    # Marketing rated 7, 7, 10, 9 (NPS 50); sales rated 7, 7, 8, 6 (NPS -25): mean 12.5.
    assert parts["internal_nps"].value == pytest.approx(56.25, abs=0.1)
    assert parts["internal_nps"].n == 8
    # One of two agreed goals has a value above its line.
    assert (parts["goals"].value, parts["goals"].n) == (50.0, 2)
    for key in ("meetings", "loops", "sla", "activity"):
        assert parts[key].value is None and "left out" in parts[key].raw
    # Weighted mean of the four parts with data only (3, 2, 1, 2), not of eight.
    internal = parts["internal_nps"].value
    assert internal is not None
    expected = (50 * 3 + 62.5 * 2 + 50 * 1 + internal * 2) / 8
    assert found.score == pytest.approx(expected, abs=0.05)
    assert parts["goals"].url == f"/o/{acme.slug}/goals/"


def test_it_draws_a_monthly_trend_from_the_same_parts(owner, acme, pulses):
    trend = health.health_trend(acme)
    assert len(trend) == 12
    assert trend[-1].month == dt.date(2026, 12, 1)
    assert trend[-2].month == dt.date(2026, 11, 1)
    november = health.health_between(acme, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert trend[-2].score == november.score is not None
    assert all(t.score is None for t in trend[:-2])


def test_it_stores_weights_and_refuses_a_sum_of_zero(owner, acme, pulses):
    health.health_weights_set(membership=owner, weights={"goals": 0, "pulse_balance": 5})
    stored = HealthWeights.objects.get(organization=acme).weights
    assert stored["goals"] == 0 and stored["pulse_balance"] == 5
    with pytest.raises(ValidationError) as error:
        health.health_weights_set(membership=owner, weights=dict.fromkeys(health.PART_KEYS, 0))
    assert "sum to zero" in error.value.message_dict["weights"][0]
    assert HealthWeights.objects.get(organization=acme).weights["pulse_balance"] == 5
    with pytest.raises(ValidationError) as error:
        health.health_weights_set(membership=owner, weights={"sla": 11, "nope": 1})
    assert set(error.value.message_dict) == {"sla", "nope"}


def test_it_lets_only_leads_set_weights(viewer, seller):
    for member in (viewer, seller):
        with pytest.raises(PermissionDenied):
            health.health_weights_set(membership=member, weights={"goals": 1})


def test_it_serves_health_to_every_member_and_weights_to_leads(owner, viewer, acme, pulses):
    response = _api(viewer).get("/api/v1/insights/health")
    assert response.status_code == 200
    body = response.json()
    assert body["score"] == health.health_now(acme).score
    assert len(body["trend"]) == 12 and body["weights"]["goals"] == 3
    sla = next(p for p in body["parts"] if p["key"] == "sla")
    assert (sla["value"], sla["has_data"]) == (None, False)
    assert (
        _api(viewer)
        .put("/api/v1/insights/health/weights", {"goals": 1}, content_type="application/json")
        .status_code
        == 403
    )
    zero = _api(owner).put(
        "/api/v1/insights/health/weights",
        dict.fromkeys(health.PART_KEYS, 0),
        content_type="application/json",
    )
    assert zero.status_code == 422
    assert zero.json()["detail"][0]["loc"] == ["body", "weights"]
    assert not HealthWeights.objects.filter(organization=acme).exists()
    ok = _api(owner).put(
        "/api/v1/insights/health/weights", {"goals": 0}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["weights"]["goals"] == 0
    assert HealthWeights.objects.get(organization=acme).weights["goals"] == 0


maybe_value = st.one_of(st.none(), st.floats(min_value=-50, max_value=150, allow_nan=False))
pairs_strategy = st.lists(
    st.tuples(maybe_value, st.integers(min_value=0, max_value=10)), max_size=8
)


@given(pairs_strategy, st.integers(min_value=1, max_value=10))
def test_it_never_counts_missing_data_as_zero(pairs, weight):
    score = health.weighted_score(pairs)
    with_missing = health.weighted_score([*pairs, (None, weight)])
    # A part without data changes nothing, whatever its weight.
    assert with_missing == score
    counted = [(v, w) for v, w in pairs if v is not None and w > 0]
    if not counted:
        assert score is None
    else:
        assert score is not None and 0 <= score <= 100
        assert min(min(100, max(0, v)) for v, _ in counted) - 0.05 <= score
        assert score <= max(min(100, max(0, v)) for v, _ in counted) + 0.05


def test_it_reads_only_the_acting_organisations_health(owner, acme, globex, charlie, pulses):
    other = Membership.objects.get(organization=globex, user=charlie)
    body = _api(other).get("/api/v1/insights/health").json()
    assert body["score"] is None
    assert all(not p["has_data"] and p["url"].startswith("/o/globex/") for p in body["parts"])
    assert health.health_now(acme).score is not None


figures = st.one_of(
    st.none(),
    st.builds(
        health.Figure,
        value=st.floats(min_value=0, max_value=100, allow_nan=False),
        raw=st.just("measured"),
        n=st.integers(min_value=1, max_value=1000),
    ),
)


@given(
    st.lists(figures, min_size=len(health.PARTS), max_size=len(health.PARTS)),
    st.lists(
        st.integers(min_value=0, max_value=10),
        min_size=len(health.PARTS),
        max_size=len(health.PARTS),
    ),
)
def test_it_scores_the_parts_with_data_and_only_them(found, weights):
    """Whatever parts have data: missing ones are left out and say so, the
    score is within 0-100 and is None only when nothing is counted."""

    def measured(figure: health.Figure | None) -> Any:
        return lambda _org, periods, _reads: [figure] * len(periods)

    parts = tuple(
        dataclasses.replace(part, measure=measured(figure))
        for part, figure in zip(health.PARTS, found, strict=True)
    )
    original = health.PARTS
    health.PARTS = parts
    try:
        result = health.health_between(
            Organization(slug="acme", name="Acme"),
            dt.date(2026, 11, 1),
            dt.date(2026, 11, 30),
            weights=dict(zip(health.PART_KEYS, weights, strict=True)),
        )
    finally:
        health.PARTS = original
    counted = [(f.value, w) for f, w in zip(found, weights, strict=True) if f and w]
    if not counted:
        assert result.score is None
    else:
        assert result.score is not None and 0 <= result.score <= 100
        mean = sum(v * w for v, w in counted) / sum(w for _, w in counted)
        # The score is rounded to one decimal: at most 0.05 away (1.25 -> 1.2),
        # and a float's last bit beyond that.
        assert result.score == pytest.approx(mean, abs=0.05 + 1e-9)
    for part, figure in zip(result.parts, found, strict=True):
        if figure is None:
            assert part.value is None and part.n == 0 and "left out" in part.raw
        else:
            assert part.value == figure.value
