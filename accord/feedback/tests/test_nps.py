"""The statistics every NPS in Accord comes with (docs/nps.md)."""

from __future__ import annotations

import pytest

from accord.lib.nps import category, change, confidence_interval, nps


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


def test_it_prints_the_documented_shape():
    result = nps(3, 1, 1)
    data = result.as_dict()
    assert set(data) >= {"n", "promoters", "passives", "detractors", "nps", "ci95", "groups"}
    assert data["nps"] == 40.0 and isinstance(data["ci95"], list)
