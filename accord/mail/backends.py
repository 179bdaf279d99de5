"""An email backend that keeps messages in the database (the Outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

ORG_HEADER = "X-Accord-Organization"
# Members who may read a captured message besides its recipients and the
# admins: the owners of the campaign or goal it is about (comma-separated).
READERS_HEADER = "X-Accord-Readers"


class CapturingBackend(BaseEmailBackend):
    """Stores each message as a CapturedMessage instead of sending it."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from accord.mail.models import CapturedMessage, readers_field

        for message in email_messages:
            headers: dict[str, Any] = dict(message.extra_headers)
            org_id = headers.pop(ORG_HEADER, None)
            owners = str(headers.pop(READERS_HEADER, "") or "").split(",")
            recipients = [*message.to, *message.cc, *message.bcc]
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
                recipients=", ".join(str(r) for r in recipients),
                readers=readers_field([*map(str, recipients), *owners]),
            )
        return len(email_messages)
