"""Helpers shared by the Meetings services: members, versions, attendees."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from accord.meetings.models import MeetingSeries, Occurrence
from accord.orgs.models import Membership, Organization
from accord.orgs.permissions import Action, can, require
from accord.orgs.selectors import NO_SUCH_MEMBER


class StaleEdit(Exception):
    """An edit quoted a version that is no longer current: someone else changed
    the object first. Nothing was written; the client reloads and decides."""

    def __init__(self, what: str, current: int) -> None:
        self.current = current
        super().__init__(
            f"Someone else changed this {what} while you were editing it. "
            "Nothing was saved: reload to see their change, then edit again."
        )


def now() -> dt.datetime:
    return timezone.now()


def label(membership: Membership | None) -> str:
    return membership.user.email if membership is not None else "system"


def check_version(what: str, current: int, given: int | None) -> None:
    """Raise StaleEdit unless ``given`` is the current version (None: not checked)."""
    if given is not None and given != current:
        raise StaleEdit(what, current)


def member_of(organization: Organization, member: Membership, field: str) -> Membership:
    """``member`` afresh (with user and team) if it belongs to ``organization``;
    a ValidationError naming ``field`` if not."""
    found = (
        Membership.objects.select_related("user", "team")
        .filter(organization=organization, pk=member.pk)
        .first()
    )
    if found is None:
        raise ValidationError({field: NO_SUCH_MEMBER})
    return found


def is_attendee(series: MeetingSeries, membership: Membership) -> bool:
    return series.attendees.filter(pk=membership.pk).exists()


def require_participant(membership: Membership, occurrence: Occurrence) -> None:
    """Attendees of the series (and leads, admins, owners) take part in a meeting."""
    require(membership, Action.MEETING_TAKE_PART)
    if can(membership, Action.MEETING_MANAGE):
        return
    if not is_attendee(occurrence.series, membership):
        raise PermissionDenied("Only the meeting's attendees (and leads) may do this.")


def require_open(occurrence: Occurrence) -> None:
    if occurrence.status != "scheduled":
        raise ValidationError(
            {"occurrence": f"This meeting is {occurrence.get_status_display().lower()}."}
        )


def link(value: Any, field: str) -> str:
    """A link safe to put in an ``href``: a path inside Accord or an http(s) URL."""
    url = text(value, field, max_length=500)
    if not url:
        return ""
    if url.startswith("/") and not url.startswith("//"):
        return url
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            {field: "Enter a link starting with https:// or a path inside Accord."}
        ) from None
    return url


def text(value: Any, field: str, *, max_length: int, required: bool = False) -> str:
    """Stripped text of at most ``max_length`` characters, naming ``field`` if not."""
    cleaned = str(value or "").strip()
    if required and not cleaned:
        raise ValidationError({field: "This field is required."})
    if len(cleaned) > max_length:
        raise ValidationError({field: f"At most {max_length:,} characters."})
    return cleaned
