"""Email that was captured instead of sent, and the record of sent email."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class CapturedMessage(models.Model):
    """A message kept in the Outbox because no EMAIL_URL is configured.

    ``organization`` is set for mail sent on an organisation's behalf (its
    admins read all of it on the Outbox page, every other member what
    ``readers`` names them in); account mail (sign-up, password reset) has
    none and is visible to staff only.
    """

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    from_email = models.CharField(max_length=254)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=998)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    # Searchable copies: the recipients as one line ("a@x, b@y"), and who may
    # read the message besides admins, as ",a@x,b@y," (its recipients and the
    # owners of what it is about), so one portable LIKE finds a member's mail.
    recipients = models.TextField(blank=True)
    readers = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The Outbox pages newest first (``accord.lib.keyset``).
        indexes = [
            models.Index(
                fields=["organization", "created_at", "id"], name="captured_org_created_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


def readers_field(addresses: list[str]) -> str:
    """``addresses`` as the ``readers`` column stores them: ",a@x,b@y,"."""
    found = sorted({a.strip().lower() for a in addresses if a and a.strip()})
    return f",{','.join(found)}," if found else ""


class Delivery(models.Model):
    """One email delivered for one event to one recipient.

    Its unique key makes delivery at most once even when a job runs twice:
    the row is written in the same transaction as the hand-over to SMTP.
    """

    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key
