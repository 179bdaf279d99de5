"""Resolving the organisation of a page from the URL and the acting user."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from accord.orgs.models import Membership
from accord.orgs.permissions import Action, require
from accord.orgs.selectors import membership_for

F = TypeVar("F", bound=Callable[..., HttpResponse])


class OrgRequest(HttpRequest):
    """A request for an organisation page: the acting member is resolved."""

    membership: Membership


def org_view(action: Action = Action.ORG_VIEW) -> Callable[[F], F]:
    """Resolve ``org_slug`` to the user's membership (404 if none), check ``action``.

    The view is called as ``view(request, membership, **kwargs)``; it never
    sees the slug, so it cannot look the organisation up some other way.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(request: HttpRequest, org_slug: str, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_for(request.user, org_slug)
            require(membership, action)
            request.membership = membership  # type: ignore[attr-defined]
            return view(request, membership, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
