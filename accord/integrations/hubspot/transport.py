"""The HubSpot client: a private-app token, retries on 429 and 5xx.

urllib3's Retry honours ``Retry-After`` (HubSpot sends it with 429) and backs
off exponentially otherwise; the search endpoint is a POST, so POST is retried
too (a search changes nothing).
"""

from __future__ import annotations

from typing import Any

from hubspot import HubSpot  # type: ignore[import-untyped]
from urllib3.util.retry import Retry

DEFAULT_HOST = "https://api.hubapi.com"
RETRY_STATUSES = (429, 500, 502, 503, 504)
BACKOFF_FACTOR = 1.0
MAX_RETRIES = 6


def retry_policy() -> Retry:
    return Retry(
        total=MAX_RETRIES,
        backoff_factor=BACKOFF_FACTOR,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def client_for(token: str, *, host: str = "") -> Any:
    """A HubSpot client for ``token``; ``host`` overrides the API's address (tests)."""
    return HubSpot(
        access_token=token, host=(host or DEFAULT_HOST).rstrip("/"), retry=retry_policy()
    )
