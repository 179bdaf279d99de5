"""An email backend that keeps messages in the database (the Outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

ORG_HEADER = "X-Accord-Organization"


class CapturingBackend(BaseEmailBackend):
    """Stores each message as a CapturedMessage instead of sending it."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from accord.mail.models import CapturedMessage

        for message in email_messages:
            headers: dict[str, Any] = dict(message.extra_headers)
            org_id = headers.pop(ORG_HEADER, None)
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = str(content)
            CapturedMessage.objects.create(
                organization_id=int(org_id) if org_id else None,
                from_email=str(message.from_email),
                to=list(message.to),
                subject=str(message.subject),
                text_body=str(message.body),
                html_body=html,
                headers=headers,
            )
        return len(email_messages)
