"""The job that hands one email to the mail server."""

from __future__ import annotations

import base64
from email import encoders
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction

from accord.jobs.registry import job
from accord.mail.backends import ORG_HEADER, READERS_HEADER
from accord.mail.models import Delivery


def _text_part(attachment: dict[str, str]) -> MIMEText:
    """A text attachment whose content type keeps its parameters (iTIP needs ``method``)."""
    mimetype, *params = [p.strip() for p in attachment["mimetype"].split(";")]
    maintype, subtype = mimetype.split("/", 1)
    if maintype != "text":
        raise ValueError(f"Only text attachments are supported, not {mimetype}.")
    part = MIMEText(attachment["content"], subtype, "utf-8")
    for param in params:
        name, _, value = param.partition("=")
        part.set_param(name.strip(), value.strip().strip('"'))
    part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
    return part


def _binary_part(attachment: dict[str, str]) -> MIMEBase:
    """A binary attachment (a PDF, an image) carried in the job as base64.

    With ``content_id`` it is shown inline, where the HTML body refers to
    ``cid:<content_id>``."""
    maintype, subtype = attachment["mimetype"].split("/", 1)
    part = MIMEBase(maintype, subtype)
    part.set_payload(base64.b64decode(attachment["content_base64"]))
    encoders.encode_base64(part)
    if attachment.get("content_id"):
        part.add_header("Content-ID", f"<{attachment['content_id']}>")
        part.add_header("Content-Disposition", "inline", filename=attachment["filename"])
    else:
        part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
    return part


@job()
def send_email(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    headers: dict[str, Any] | None = None,
    organization_id: int | None = None,
    key: str | None = None,
    attachments: list[dict[str, str]] | None = None,
    readers: list[str] | None = None,
) -> str:
    """Send one message; with ``key``, send it at most once ever.

    ``readers``: members' addresses who may read the message in the Outbox
    besides its recipients (the owners of what it is about); only a captured
    message carries them.

    ``attachments``: ``{"filename", "content", "mimetype"}`` each for text
    (the mimetype may carry parameters: ``text/calendar; method=REQUEST``), or
    ``{"filename", "content_base64", "mimetype"[, "content_id"]}`` for bytes.

    The Delivery row and the SMTP hand-over share a transaction: if the
    server refuses, the row rolls back and the retry sends; if the row
    exists, an earlier run already delivered and this one does nothing.
    Any failure raises, so the job is retried with back-off.

    Safe to run twice with ``key``: the second run finds the Delivery row.
    Without one (only messages whose double is harmless), a worker that dies
    between the server's acceptance and the end of the job sends it again.
    """
    if key is not None and Delivery.objects.filter(key=key).exists():
        return "already delivered"
    extra = dict(headers or {})
    if organization_id is not None and settings.EMAIL_CAPTURED:
        extra[ORG_HEADER] = str(organization_id)
    if readers and settings.EMAIL_CAPTURED:
        extra[READERS_HEADER] = ",".join(readers)
    connection = get_connection(fail_silently=False)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=to,
        headers=extra,
        from_email=settings.DEFAULT_FROM_EMAIL,
        connection=connection,
    )
    if html:
        message.attach_alternative(html, "text/html")
    for attachment in attachments or []:
        if "content_base64" in attachment:
            message.attach(_binary_part(attachment))
        else:
            message.attach(_text_part(attachment))
    # Connect (and log in) before taking the database transaction: with
    # SQLite that transaction holds the write lock, and a server that is down
    # or slow to answer must not keep the rest of Accord from writing.
    connection.open()
    try:
        if key is None:
            message.send()
            return "sent"
        try:
            with transaction.atomic():
                Delivery.objects.create(key=key)
                message.send()
        except IntegrityError:
            # Another worker delivered it between our look and our write.
            return "already delivered"
        return "sent"
    finally:
        connection.close()
