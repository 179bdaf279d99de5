"""Rendering a chart defined once with Altair: SVG for pages and PDFs, PNG for email.

Each app defines its charts as Altair specs; these functions are the only
places a spec becomes a picture, so every medium draws the same one, offline
(vl-convert bundles the Vega renderer; nothing is fetched).

Pictures are drawn once per change of what they show and then read from the
cache: ``svg_of``/``png_of`` key on a digest of the whole spec (data
included), ``cached_svg`` on a digest of the data the caller names, which
also skips building and validating the spec.

altair and vl-convert take seconds to import, and most commands and requests
draw no chart: they are imported where a chart is drawn (here and in each
app's chart functions), never when a module is imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from django.core.cache import cache
from django.utils import timezone

if TYPE_CHECKING:
    import altair as alt

# Drawn pictures are kept this long; a change of the data makes a new key anyway.
CHART_CACHE_SECONDS = 7 * 24 * 3600

Picture = TypeVar("Picture", str, bytes)


PARTIAL = " (partial)"


def period_label(key: str, *, today: date | None = None) -> str:
    """A period's key as a chart's axis shows it: the current month ("2026-12")
    or quarter ("2026-Q4") is not over, so it is marked partial. Without the
    mark, a month with a few days of data reads as a collapse (n = 1, or a
    count near 0)."""
    today = today or timezone.localdate()
    current = (f"{today:%Y-%m}", f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    return f"{key}{PARTIAL}" if key in current else key


def chart_key(text: str, medium: str) -> str:
    """The cache key of a picture of ``text`` (a spec or a data repr) as ``medium``."""
    return f"chart:{medium}:{hashlib.sha256(text.encode()).hexdigest()}"


def _kept(key: str, kind: type[Picture], draw: Callable[[], Picture]) -> Picture:
    found = cache.get(key)
    if isinstance(found, kind):
        return found
    picture = draw()
    cache.set(key, picture, CHART_CACHE_SECONDS)
    return picture


def _svg_drawn(spec: str) -> str:
    import vl_convert as vlc

    svg: str = vlc.vegalite_to_svg(spec)
    # The SVG is embedded in the page: it is markup and must stay script-free.
    if "<script" in svg.lower():
        raise ValueError("Refusing to embed an SVG with a script.")
    return svg


def svg_of(chart: alt.TopLevelMixin) -> str:
    """The chart as SVG markup, for a page or a PDF (WeasyPrint keeps it vector)."""
    spec = chart.to_json()
    return _kept(chart_key(spec, "svg"), str, lambda: _svg_drawn(spec))


def cached_svg(kind: str, data: object, draw: Callable[[], alt.TopLevelMixin]) -> str:
    """``svg_of(draw())``, drawn once per change of ``data`` and kept in the cache.

    ``data`` is what the chart shows; its ``repr`` (dataclasses, numbers,
    strings) names the drawing, so equal data finds the SVG already drawn
    without building the spec again."""
    return _kept(chart_key(f"{kind}:{data!r}", "svg-of-data"), str, lambda: svg_of(draw()))


def png_of(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """The chart as a PNG image (``scale`` 2: sharp on high-density screens), for email."""
    spec = chart.to_json()

    def drawn() -> bytes:
        import vl_convert as vlc

        png: bytes = vlc.vegalite_to_png(spec, scale=scale)
        return png

    return _kept(chart_key(spec, f"png@{scale}"), bytes, drawn)
