from __future__ import annotations

from django.db.models import QuerySet

from accord.mail.models import CapturedMessage
from accord.orgs.models import Membership
from accord.orgs.selectors import get_scoped, scoped


def captured_messages(membership: Membership) -> QuerySet[CapturedMessage]:
    """Mail captured for the member's organisation, newest first."""
    return scoped(membership, CapturedMessage.objects.all())


def captured_message(membership: Membership, pk: int) -> CapturedMessage:
    return get_scoped(membership, CapturedMessage.objects.all(), pk=pk)
