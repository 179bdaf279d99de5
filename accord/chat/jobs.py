"""Delivering a channel's outbox, in order, with retries the outside service asks for."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from accord.chat import delivery
from accord.chat.models import ChatChannel, ChatMessage, MessageStatus
from accord.jobs.registry import backoff_seconds, job
from accord.jobs.services import job_enqueue

log = logging.getLogger(__name__)

# Attempts at a 5xx or time-out before a message becomes a dead letter.
MAX_ATTEMPTS = 8


@job(max_attempts=3, queue="default")
def chat_deliver(*, channel_id: int, organization_id: int | None = None) -> int:
    """Send the channel's due pending messages in ``pk`` order; returns how many were sent.

    The channel row is locked while it runs, so two runs never send the same
    message (PostgreSQL; SQLite serialises writers anyway). The first message
    that must wait stops the run and schedules the next one at its time, so
    later messages never overtake it. Safe to run any number of times: a
    message marked SENT is never sent again. A worker that dies between a
    service accepting a message and the commit that marks it SENT leaves it
    PENDING, so the run done again posts that one message a second time
    (chat webhooks take no idempotency key: at least once, never lost).
    """
    sent = 0
    with transaction.atomic():
        channel = ChatChannel.objects.select_for_update().filter(pk=channel_id).first()
        if channel is None:
            return 0
        while True:
            message = (
                ChatMessage.objects.filter(channel=channel, status=MessageStatus.PENDING)
                .order_by("pk")
                .first()
            )
            if message is None:
                return sent
            now = timezone.now()
            if message.next_attempt_at and message.next_attempt_at > now:
                return sent  # its retry is already scheduled
            outcome = delivery.send(channel, message)
            message.attempts += 1
            if outcome.sent:
                message.status = MessageStatus.SENT
                message.sent_at = now
                message.last_error = ""
                message.next_attempt_at = None
                message.save()
                sent += 1
                continue
            message.last_error = outcome.reason
            if outcome.retry and message.attempts < MAX_ATTEMPTS:
                wait = (
                    outcome.retry_after
                    if outcome.retry_after is not None
                    else backoff_seconds(message.attempts)
                )
                message.next_attempt_at = now + dt.timedelta(seconds=wait)
                message.save()
                job_enqueue(
                    chat_deliver,
                    organization_id=channel.organization_id,
                    run_after=message.next_attempt_at,
                    channel_id=channel.pk,
                )
                return sent
            message.status = MessageStatus.FAILED
            message.next_attempt_at = None
            message.save()
            log.warning("chat message %s failed for good: %s", message.pk, outcome.reason)
