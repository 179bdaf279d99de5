"""API rate limits with django-ninja's throttling: per token and per address.

Both count in Django's cache (the database cache, or Redis when REDIS_URL is
set), so every web worker shares one count. The rates are read from settings
on each request (``ACCORD_API_RATE_PER_TOKEN``, ``ACCORD_API_RATE_PER_ADDRESS``,
"number/period" as ninja reads them: ``600/m``, ``10/s``, ``5000/h``), and an
over-limit request gets 429 with ``Retry-After``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle


class _RateFromSettings(SimpleRateThrottle):
    """A ninja throttle whose rate is a Django setting, read on every request
    so that a changed setting (or a test's) applies without a restart."""

    setting_name = ""

    def __init__(self) -> None:
        super().__init__(rate=str(getattr(settings, self.setting_name)))

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = str(getattr(settings, self.setting_name))
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class PerTokenThrottle(_RateFromSettings):
    """Requests per API token (by the token's hash, set on the request by the
    token authentication); requests without a token are not counted here."""

    scope = "token"
    setting_name = "ACCORD_API_RATE_PER_TOKEN"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token_hash = getattr(request, "api_token_hash", None)
        if token_hash is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token_hash}


class PerAddressThrottle(_RateFromSettings):
    """Requests per client address, whatever the token: several tokens used
    from one machine share it. Behind reverse proxies, ``ACCORD_PROXY_COUNT``
    says how many X-Forwarded-For entries to trust."""

    scope = "address"
    setting_name = "ACCORD_API_RATE_PER_ADDRESS"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
