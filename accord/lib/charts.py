"""Rendering a chart defined once with Altair: SVG for pages and PDFs, PNG for email.

Each app defines its charts as Altair specs; these two functions are the only
places a spec becomes a picture, so every medium draws the same one, offline
(vl-convert bundles the Vega renderer; nothing is fetched).

altair and vl-convert take seconds to import, and most commands and requests
draw no chart: they are imported where a chart is drawn (here and in each
app's chart functions), never when a module is imported.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.core.cache import cache

if TYPE_CHECKING:
    import altair as alt

# Drawn pictures are kept this long in the cache. The key is a digest of the
# whole spec, data included, so a chart is drawn again exactly when its data
# (or its look) changed, never on a mere page view.
CHART_CACHE_SECONDS = 7 * 24 * 3600


def chart_key(spec: str, medium: str) -> str:
    """The cache key of ``spec`` drawn as ``medium`` ("svg" or "png@<scale>")."""
    return f"chart:{medium}:{hashlib.sha256(spec.encode()).hexdigest()}"


def svg_of(chart: alt.TopLevelMixin) -> str:
    """The chart as SVG markup, for a page or a PDF (WeasyPrint keeps it vector).

    Drawn once per distinct spec and then read from the cache.
    """
    spec = chart.to_json()
    key = chart_key(spec, "svg")
    cached = cache.get(key)
    if isinstance(cached, str):
        return cached
    import vl_convert as vlc

    svg: str = vlc.vegalite_to_svg(spec)
    # The SVG is embedded in the page: it is markup and must stay script-free.
    if "<script" in svg.lower():
        raise ValueError("Refusing to embed an SVG with a script.")
    cache.set(key, svg, CHART_CACHE_SECONDS)
    return svg


def png_of(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """The chart as a PNG image (``scale`` 2: sharp on high-density screens), for email.

    Drawn once per distinct spec and scale, then read from the cache.
    """
    spec = chart.to_json()
    key = chart_key(spec, f"png@{scale}")
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached
    import vl_convert as vlc

    png: bytes = vlc.vegalite_to_png(spec, scale=scale)
    cache.set(key, png, CHART_CACHE_SECONDS)
    return png
