"""The statistics every NPS in Accord comes with (docs/nps.md)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.lib.nps import MIN_FOR_CHANGE_INTERVAL, category, change, confidence_interval, nps


def test_it_categorises_scores():
    assert [category(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]
    with pytest.raises(ValueError):
        category(11)


def test_it_computes_the_worked_example_of_the_docs():
    result = nps(60, 25, 15)
    assert result.n == 100
    assert result.nps == 45.0
    assert result.ci95 == (29.3, 58.0)
    assert not result.small_sample


def test_it_keeps_the_interval_inside_minus_100_and_100():
    low, high = confidence_interval(10, 0, 10)
    assert -100 <= low < high <= 100
    assert high < 100 or low < 100
    everyone = nps(10, 0, 0)
    assert everyone.nps == 100.0
    assert everyone.ci95 is not None
    assert everyone.ci95[1] == pytest.approx(min(everyone.ci95[1], 100))
    assert everyone.ci95[0] < 100  # the adjusted interval never collapses to a point


def test_it_warns_below_30_responses():
    assert nps(10, 10, 9).small_sample
    assert not nps(10, 10, 10).small_sample


def test_it_has_no_score_without_responses():
    empty = nps(0, 0, 0)
    assert empty.nps is None and empty.ci95 is None and empty.n == 0


def test_it_labels_a_change_significant_or_not():
    big = change(nps(40, 30, 30), nps(60, 25, 15))
    assert big.delta == 35.0 and big.significant
    small = change(nps(5, 3, 2), nps(6, 2, 2))
    assert not small.significant


def test_it_centres_the_change_interval_on_the_observed_change():
    # The worked example of docs/nps.md: NPS 10 last quarter, 45 this quarter.
    result = change(nps(40, 30, 30), nps(60, 25, 15))
    assert result.delta == 35.0
    assert result.ci95 == (13.5, 56.5)
    assert result.ci95[1] - result.delta == pytest.approx(result.delta - result.ci95[0], abs=0.1)
    assert result.significant and result.reason == ""
    assert result.as_dict() == {
        "delta": 35.0,
        "ci95": [13.5, 56.5],
        "significant": True,
        "reason": "",
    }


def test_it_contains_the_change_where_the_adjusted_centre_would_not():
    # Few answers, all promoters then all detractors: the adjusted-Wald centres
    # are pulled toward zero, so an interval around them would miss -200.
    result = change(nps(3, 0, 0), nps(0, 0, 3))
    assert result.delta == -200.0
    assert result.ci95 is not None and result.ci95[0] <= -200.0 <= result.ci95[1]
    assert result.significant


def test_it_shows_no_change_interval_below_3_responses_and_says_why():
    fewer_before = change(nps(1, 0, 1), nps(5, 3, 2))
    assert fewer_before.delta == 30.0
    assert fewer_before.ci95 is None and fewer_before.significant is False
    assert fewer_before.reason == "No interval: the previous period has 2 responses, fewer than 3."
    fewer_now = change(nps(40, 30, 30), nps(1, 0, 0))
    assert fewer_now.delta == 90.0 and fewer_now.ci95 is None and not fewer_now.significant
    assert fewer_now.reason == "No interval: this period has 1 response, fewer than 3."
    just_enough = change(nps(1, 1, 1), nps(3, 0, 0))
    assert just_enough.ci95 is not None and just_enough.reason == ""


def test_it_has_no_change_without_responses_and_says_why():
    assert change(nps(0, 0, 0), nps(5, 0, 0)).as_dict() == {
        "delta": None,
        "ci95": None,
        "significant": False,
        "reason": "No responses in the previous period: nothing to compare.",
    }
    assert change(nps(5, 0, 0), nps(0, 0, 0)).reason == (
        "No responses in this period: nothing to compare."
    )


counts = st.tuples(st.integers(0, 400), st.integers(0, 400), st.integers(0, 400)).filter(
    lambda c: sum(c) > 0
)


@given(before=counts, after=counts)
def test_it_always_puts_the_observed_change_inside_its_interval(before, after):
    first, second = nps(*before), nps(*after)
    result = change(first, second)
    assert first.nps is not None and second.nps is not None
    assert result.delta == round(second.nps - first.nps, 1)
    if min(first.n, second.n) < MIN_FOR_CHANGE_INTERVAL:
        assert result.ci95 is None and not result.significant and result.reason
    else:
        assert result.ci95 is not None and result.reason == ""
        low, high = result.ci95
        assert -200 <= low <= result.delta <= high <= 200
        assert result.significant == (low > 0 or high < 0)


def test_it_prints_the_documented_shape():
    result = nps(3, 1, 1)
    data = result.as_dict()
    assert set(data) >= {"n", "promoters", "passives", "detractors", "nps", "ci95", "groups"}
    assert data["nps"] == 40.0 and isinstance(data["ci95"], list)
