"""hubspot sync (arrives next)."""

from __future__ import annotations

from accord.pipeline.models import CrmConnection


def sync(connection: CrmConnection) -> None:
    raise NotImplementedError("CRM sync is not available yet.")
