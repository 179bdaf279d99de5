"""Where an agenda's items come from: a registry of sources.

A source is ``fn(organization, since, until) -> list[AgendaCandidate]``: what
happened in [since, until) that the joint meeting should talk about, each
candidate saying why and linking to where it comes from. Meetings registers
its built-in sources (goals, feedback, pipeline, its own issues and action
items) in ``MeetingsConfig.ready()``; apps above meetings (the pulse) register
theirs in their own ``ready()``.

A source that fails is logged and skipped: one app's bug must not leave a
meeting without an agenda.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from accord.orgs.models import Organization

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgendaCandidate:
    """One proposed agenda item.

    ``key`` identifies what it is about (``goal:12``) so that a rebuilt agenda
    does not hold it twice; ``team_kind`` ("sales", "marketing" or "") says
    which team it comes from, when one does.
    """

    section: str
    title: str
    why: str
    source_url: str
    key: str = ""
    team_kind: str = ""


AgendaSource = Callable[[Organization, dt.datetime, dt.datetime], list[AgendaCandidate]]

_SOURCES: dict[str, AgendaSource] = {}


def register_agenda_source(name: str, fn: AgendaSource) -> None:
    """Add (or replace) the source called ``name``."""
    _SOURCES[name] = fn


def agenda_sources() -> dict[str, AgendaSource]:
    """Every registered source by name, in registration order."""
    return dict(_SOURCES)


def collect(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> list[AgendaCandidate]:
    """Every source's candidates for [since, until), skipping sources that fail."""
    found: list[AgendaCandidate] = []
    for name, source in _SOURCES.items():
        try:
            found.extend(source(organization, since, until))
        except Exception:  # a broken source must not cost the meeting its agenda
            logger.exception("agenda source %s failed for %s", name, organization.slug)
    return found
