"""Reads of chat channels and their outbox, scoped to the acting member's organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from accord.chat.models import ChatChannel, ChatMessage, MessageStatus
from accord.orgs.models import Membership
from accord.orgs.selectors import get_scoped, scoped


def chat_channels(membership: Membership) -> QuerySet[ChatChannel]:
    return scoped(membership, ChatChannel.objects.all())


def chat_channel(membership: Membership, pk: int) -> ChatChannel:
    return get_scoped(membership, ChatChannel.objects.all(), pk=pk)


def chat_dead_letters(membership: Membership, channel: ChatChannel) -> QuerySet[ChatMessage]:
    return (
        scoped(membership, ChatMessage.objects.all())
        .filter(channel=channel, status=MessageStatus.FAILED)
        .order_by("-pk")
    )


def chat_message(membership: Membership, pk: int) -> ChatMessage:
    return get_scoped(membership, ChatMessage.objects.select_related("channel"), pk=pk)
