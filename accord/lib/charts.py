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
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import altair as alt


def svg_of(chart: alt.TopLevelMixin) -> str:
    """The chart as SVG markup, for a page or a PDF (WeasyPrint keeps it vector)."""
    import vl_convert as vlc

    svg: str = vlc.vegalite_to_svg(chart.to_json())
    # The SVG is embedded in the page: it is markup and must stay script-free.
    if "<script" in svg.lower():
        raise ValueError("Refusing to embed an SVG with a script.")
    return svg


# Drawn SVGs are kept this long; a change of the data makes a new key anyway.
SVG_CACHE_SECONDS = 24 * 3600


def cached_svg(kind: str, data: object, draw: Callable[[], alt.TopLevelMixin]) -> str:
    """``svg_of(draw())``, drawn once per change of ``data`` and kept in the cache.

    ``data`` is what the chart shows; its ``repr`` (dataclasses, numbers,
    strings) names the drawing, so equal data finds the SVG already drawn
    instead of paying for the spec's validation and the rendering again."""
    from django.core.cache import cache

    key = f"svg:{kind}:{hashlib.sha256(repr(data).encode()).hexdigest()}"
    found = cache.get(key)
    if isinstance(found, str):
        return found
    svg = svg_of(draw())
    cache.set(key, svg, SVG_CACHE_SECONDS)
    return svg


def png_of(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """The chart as a PNG image (``scale`` 2: sharp on high-density screens), for email."""
    import vl_convert as vlc

    png: bytes = vlc.vegalite_to_png(chart.to_json(), scale=scale)
    return png
