"""Chat channels of an organisation and the outbox of messages sent to them."""

from __future__ import annotations

from django.db import models

from accord.lib.crypto import decrypt, encrypt
from accord.orgs.models import Organization

PURPOSE = b"accord-chat"


class ChannelKind(models.TextChoices):
    SLACK_WEBHOOK = "slack_webhook", "Slack (incoming webhook)"
    SLACK_BOT = "slack_bot", "Slack (bot token and channel)"
    TEAMS_WEBHOOK = "teams_webhook", "Microsoft Teams (incoming webhook)"


class ChatEvent(models.TextChoices):
    GOAL_PROPOSED = "goal_proposed", "Goal proposed"
    GOAL_AGREED = "goal_agreed", "Goal agreed"
    GOAL_DECLINED = "goal_declined", "Goal declined"
    AGENDA_READY = "agenda_ready", "Agenda ready"
    MEETING_SUMMARY = "meeting_summary", "Meeting summary"
    ACTION_ITEM_DUE = "action_item_due", "Action item due or overdue"
    NEW_DETRACTOR = "new_detractor", "New detractor"
    FOLLOWUP_OVERDUE = "followup_overdue", "Follow-up overdue"
    SLA_BREACH = "sla_breach", "Lead SLA breach"
    PULSE_OPEN = "pulse_open", "Pulse open"
    PULSE_REMINDER = "pulse_reminder", "Pulse reminder"
    # Sent only by "Send a test message"; no channel subscribes to it.
    TEST = "test", "Test message"


SUBSCRIBABLE = [c for c in ChatEvent if c != ChatEvent.TEST]


class ChatChannel(models.Model):
    """A Slack or Teams destination of one organisation, with the events it receives.

    The webhook URL (or the bot token) is stored encrypted and is never shown
    again after it is entered; ``target_hint`` is what pages show instead.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="chat_channels"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=ChannelKind.choices)
    secret_encrypted = models.BinaryField()
    # The Slack channel a bot posts to (e.g. "#sales-marketing"); empty for webhooks.
    slack_channel = models.CharField(max_length=100, blank=True)
    target_hint = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    events = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "chat channel"

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        return decrypt(self.secret_encrypted, purpose=PURPOSE)

    def set_secret(self, value: str) -> None:
        self.secret_encrypted = encrypt(value, purpose=PURPOSE)


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (dead letter)"


class ChatMessage(models.Model):
    """One alert for one channel, written before any delivery is tried (the outbox).

    Messages of a channel are delivered in ``pk`` order; a message waiting for
    a retry holds back the ones after it. A message the service refuses for
    good (a 4xx other than 429) becomes a dead letter: ``failed`` with the
    reason, which an admin may retry.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="chat_messages"
    )
    channel = models.ForeignKey(ChatChannel, on_delete=models.CASCADE, related_name="messages")
    event = models.CharField(max_length=30, choices=ChatEvent.choices)
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)
    fields = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["channel", "status", "id"])]

    def __str__(self) -> str:
        return self.title
