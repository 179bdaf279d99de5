from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accord.orgs.permissions import Action, can
from accord.orgs.selectors import memberships_of


def organizations(request: HttpRequest) -> dict[str, Any]:
    """The organisation switcher and the current member, on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    return {
        "my_memberships": list(memberships_of(user)),
        "membership": membership,
        "current_org": membership.organization if membership else None,
        "perms_org": {a.name.lower(): can(membership, a) for a in Action} if membership else {},
    }
