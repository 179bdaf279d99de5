"""The Salesforce client: an access token and the instance URL, with retries.

simple-salesforce talks through a ``requests`` session; an adapter with
urllib3's Retry backs off on 429 and 5xx (honouring ``Retry-After``).
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce  # type: ignore[attr-defined]
from urllib3.util.retry import Retry

API_VERSION = "59.0"
RETRY_STATUSES = (429, 500, 502, 503, 504)
BACKOFF_FACTOR = 1.0
MAX_RETRIES = 6


def session() -> requests.Session:
    retry = Retry(
        total=MAX_RETRIES,
        backoff_factor=BACKOFF_FACTOR,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    http = requests.Session()
    http.mount("https://", HTTPAdapter(max_retries=retry))
    http.mount("http://", HTTPAdapter(max_retries=retry))
    return http


def client_for(token: str, *, instance_url: str, http: requests.Session | None = None) -> Any:
    """A Salesforce client acting with ``token`` on ``instance_url``."""
    return Salesforce(
        instance_url=instance_url,
        session_id=token,
        session=http or session(),
        version=API_VERSION,
    )
