"""Net Promoter Score with an honest confidence interval. Pure functions, no models.

Promoters score 9-10, passives 7-8, detractors 0-6; NPS = %promoters - %detractors,
a number from -100 to 100. Every NPS Accord shows comes with n and a 95%
confidence interval by the adjusted-Wald method (Rocks, "Interval Estimation
for the 'Net Promoter Score'", The American Statistician 70(4), 2016): add 3 to
n and 3/4 to the promoters and to the detractors, then take the variance of a
difference of two proportions of one multinomial sample. See docs/nps.md for a
worked example.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

Z95 = 1.959963984540054
SMALL_SAMPLE = 30


def category(score: int) -> str:
    """``"promoter"``, ``"passive"`` or ``"detractor"`` for a 0-10 score."""
    if not 0 <= score <= 10:
        raise ValueError(f"A score is a whole number from 0 to 10, not {score}.")
    if score >= 9:
        return "promoter"
    if score >= 7:
        return "passive"
    return "detractor"


def _adjusted(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """The adjusted-Wald centre and variance of the NPS as a proportion (-1..1)."""
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    centre = p - d
    variance = (p + d - centre**2) / n_adj
    return centre, variance


def confidence_interval(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """The 95% adjusted-Wald interval of the NPS, in points (-100..100), clipped."""
    if n < 0 or promoters < 0 or detractors < 0 or promoters + detractors > n:
        raise ValueError("Counts must be non-negative and promoters + detractors <= n.")
    centre, variance = _adjusted(promoters, detractors, n)
    half = Z95 * math.sqrt(variance)
    return (max(-100.0, 100 * (centre - half)), min(100.0, 100 * (centre + half)))


@dataclass(frozen=True)
class Nps:
    """An NPS with its counts, interval and a small-sample flag. ``nps`` is None when n = 0."""

    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    ci95: tuple[float, float] | None
    small_sample: bool
    key: str = ""
    groups: list[Nps] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The shape the API and ``accord nps --json`` print; percentages are numbers."""
        out: dict[str, Any] = {}
        if self.key:
            out["key"] = self.key
        out.update(
            n=self.n,
            promoters=self.promoters,
            passives=self.passives,
            detractors=self.detractors,
            nps=self.nps,
            ci95=list(self.ci95) if self.ci95 else None,
            small_sample=self.small_sample,
        )
        if not self.key:
            out["groups"] = [g.as_dict() for g in self.groups]
        return out


def nps(promoters: int, passives: int, detractors: int, *, key: str = "") -> Nps:
    """The NPS of these counts, rounded to one decimal, with its 95% interval."""
    n = promoters + passives + detractors
    if n == 0:
        return Nps(0, 0, 0, 0, None, None, True, key)
    low, high = confidence_interval(promoters, detractors, n)
    score = 100 * (promoters - detractors) / n
    return Nps(
        n,
        promoters,
        passives,
        detractors,
        round(score, 1),
        (round(low, 1), round(high, 1)),
        n < SMALL_SAMPLE,
        key,
    )


# Below this many responses in either period the change gets no interval: the
# adjusted-Wald interval of so few answers says more about the adjustment than
# about the customers.
MIN_FOR_CHANGE_INTERVAL = 3


@dataclass(frozen=True)
class Change:
    """The change from ``before`` to ``after`` in points, its 95% interval, and whether
    that interval excludes zero (the change is significant). Without an interval,
    ``reason`` says why (no responses, or fewer than 3 in a period)."""

    delta: float | None
    ci95: tuple[float, float] | None
    significant: bool
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The shape the API and ``accord nps --json`` print."""
        return {
            "delta": self.delta,
            "ci95": list(self.ci95) if self.ci95 else None,
            "significant": self.significant,
            "reason": self.reason,
        }


def change(before: Nps, after: Nps) -> Change:
    """Compare two independent periods.

    The change is the difference of the two NPS as shown (so the three figures a
    reader sees add up); its interval is centred on that change, half as wide as
    the adjusted-Wald variances of the two periods added (Rocks 2016), so it
    always contains the observed change. With fewer than 3 responses in either
    period there is no interval, and the change is never significant.
    """
    if before.nps is None or after.nps is None:
        empty = "this period" if after.nps is None else "the previous period"
        return Change(None, None, False, f"No responses in {empty}: nothing to compare.")
    delta = round(after.nps - before.nps, 1)
    fewest = min(before.n, after.n)
    if fewest < MIN_FOR_CHANGE_INTERVAL:
        which = "this period" if after.n == fewest else "the previous period"
        return Change(
            delta,
            None,
            False,
            f"No interval: {which} has {fewest} response{'s' if fewest != 1 else ''}, "
            f"fewer than {MIN_FOR_CHANGE_INTERVAL}.",
        )
    _, v1 = _adjusted(before.promoters, before.detractors, before.n)
    _, v2 = _adjusted(after.promoters, after.detractors, after.n)
    half = 100 * Z95 * math.sqrt(v1 + v2)
    # A change lies between -200 and 200 points.
    low, high = round(max(-200.0, delta - half), 1), round(min(200.0, delta + half), 1)
    # Significant as shown: the interval, to one decimal, excludes zero.
    return Change(delta, (low, high), low > 0 or high < 0)
