"""Work the organisations app hands to the worker: filing stored months again
when the organisation's time zone changes.

Days and months are the organisation's (``accord.lib.local_time``): apps
store the month an instant falls in, in the organisation's time zone (a
response's ``month``, a lead's ``mql_month``), so that grouping by month is
an indexed GROUP BY. Those apps sit above this one; each registers here, in
its ``AppConfig.ready()``, what files its rows again and rebuilds its
rollups, and ``organization_update`` queues ``organization_months_refile``
in the transaction that changes the zone.
"""

from __future__ import annotations

from collections.abc import Callable

from accord.jobs.registry import job
from accord.orgs.models import Organization

# What each app does when an organisation's time zone changed.
_ON_TIME_ZONE_CHANGE: list[Callable[[Organization], object]] = []


def on_time_zone_change(func: Callable[[Organization], object]) -> Callable[[Organization], object]:
    """Register ``func(organization)``: file the app's stored months again in
    the organisation's current time zone and bring its rollups up to date.
    It must be idempotent (the job may run twice)."""
    if func not in _ON_TIME_ZONE_CHANGE:
        _ON_TIME_ZONE_CHANGE.append(func)
    return func


@job()
def organization_months_refile(*, organization_id: int) -> None:
    """File every stored month of the organisation again in its time zone, and
    rebuild the rollups that count by those months.

    Safe to run twice, and in any order with further changes: the zone is
    read when the job runs (not when it was queued), and every registered
    step computes the months from the stored instants and that zone, writing
    only the rows filed elsewhere, so a second run moves nothing and a run
    queued by an older change files under the newest zone, as the last run
    does. Each step marks its rollups stale in the transaction that moves
    rows, so a crash between moving and rebuilding leaves the marks for the
    next refresh. An organisation deleted meanwhile is skipped.
    """
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return
    for step in tuple(_ON_TIME_ZONE_CHANGE):
        step(organization)
