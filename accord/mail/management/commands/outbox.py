"""``accord outbox``: read captured email from the command line.

On an instance without EMAIL_URL, account email (sign-up verification,
password reset) belongs to no organisation, so no Outbox page shows it; the
operator, who has the server anyway, reads it here.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accord.mail.models import CapturedMessage


class Command(BaseCommand):
    help = "Print captured email, newest first (all of it, or to one address)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", default="", help="Only messages to this address.")
        parser.add_argument("--last", type=int, default=5, help="How many (default 5).")
        parser.add_argument("--json", action="store_true", help="Machine-readable output.")

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = options["to"].strip().lower()
        found: list[CapturedMessage] = []
        # Recipient lists are JSON: filter in Python over a bounded, recent slice.
        for message in CapturedMessage.objects.order_by("-created_at", "-id")[:5000].iterator():
            if not wanted or wanted in (address.lower() for address in message.to):
                found.append(message)
            if len(found) >= options["last"]:
                break
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    [
                        {
                            "created_at": m.created_at.isoformat(),
                            "to": m.to,
                            "subject": m.subject,
                            "text": m.text_body,
                        }
                        for m in found
                    ],
                    indent=2,
                )
            )
            return
        if not found:
            self.stdout.write("No captured email" + (f" to {wanted}." if wanted else "."))
        for message in found:
            self.stdout.write(f"--- {message.created_at:%Y-%m-%d %H:%M} to {', '.join(message.to)}")
            self.stdout.write(f"Subject: {message.subject}\n\n{message.text_body}\n")
