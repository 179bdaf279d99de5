"""What the benchmarks share: timing that alternates the contenders in each round."""

from __future__ import annotations

import time
from collections.abc import Callable


def alternate(rounds: int, **contenders: Callable[[], object]) -> dict[str, float]:
    """Best time in seconds of each contender over ``rounds`` rounds, running
    each once per round in turn, so a busy moment of the machine falls on all
    alike. Each runs once first, untimed, to warm caches."""
    for work in contenders.values():
        work()
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, work in contenders.items():
            began = time.perf_counter()
            work()
            best[name] = min(best[name], time.perf_counter() - began)
    return best
