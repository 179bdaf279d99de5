"""Charts are drawn once per change of their data, then read from the cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from accord.lib.charts import chart_key, png_of, svg_of

pytestmark = pytest.mark.django_db


def bars(values: list[int]):
    import altair as alt

    rows = [{"month": f"2026-{i + 1:02d}", "n": n} for i, n in enumerate(values)]
    return alt.Chart(alt.Data(values=rows)).mark_bar().encode(x="month:N", y="n:Q")


def test_it_draws_a_chart_once_and_serves_the_same_svg_from_the_cache():
    chart = bars([3, 5, 8])
    key = chart_key(chart.to_json(), "svg")

    drawn = svg_of(chart)
    cache.set(key, "<svg><!-- from the cache --></svg>")

    assert drawn.startswith("<svg")
    assert svg_of(bars([3, 5, 8])) == "<svg><!-- from the cache --></svg>"


def test_it_draws_again_when_the_data_changes():
    before = svg_of(bars([3, 5, 8]))

    after = svg_of(bars([3, 5, 13]))

    assert after != before
    assert cache.get(chart_key(bars([3, 5, 13]).to_json(), "svg")) == after


def test_it_keeps_png_pictures_per_scale():
    chart = bars([1, 2])

    sharp = png_of(chart, scale=2.0)
    plain = png_of(chart, scale=1.0)

    assert sharp.startswith(b"\x89PNG")
    assert len(plain) < len(sharp)
    assert cache.get(chart_key(chart.to_json(), "png@2.0")) == sharp
