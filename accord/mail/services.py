"""Sending email: always through the job queue."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.template.loader import render_to_string

from accord.jobs.services import job_enqueue
from accord.mail.jobs import send_email


@transaction.atomic
def email_enqueue(
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
) -> None:
    """Queue one email. Call inside the transaction that causes it.

    It leaves only if that transaction commits. With ``key`` (one per event
    and recipient, e.g. ``invitation:42``) it is delivered at most once, even
    if the job runs twice. ``readers``: the addresses of the members who own
    what the message is about, who may read it in a development instance's
    Outbox though it is not sent to them.
    """
    if not to:
        raise ValueError("An email needs at least one recipient.")
    kwargs: dict[str, Any] = {
        "to": to,
        "subject": subject,
        "text": text,
        "html": html,
        "headers": headers or {},
        "key": key,
    }
    if attachments:
        kwargs["attachments"] = attachments
    if readers:
        kwargs["readers"] = sorted(set(readers))
    job_enqueue(send_email, organization_id=organization_id, **kwargs)


def text_render(template: str, context: dict[str, Any]) -> str:
    """Render a plain-text template (an email's subject or text part): nothing
    is HTML-escaped, as the reader's mail program shows it as it is."""
    return render_to_string(template, context, using="text")


@transaction.atomic
def email_enqueue_template(
    *,
    to: list[str],
    template: str,
    context: dict[str, Any],
    organization_id: int | None = None,
    key: str | None = None,
    attachments: list[dict[str, str]] | None = None,
    headers: dict[str, Any] | None = None,
    readers: list[str] | None = None,
) -> None:
    """Render ``<template>_subject.txt``, ``.txt`` and ``.html`` and queue them."""
    subject = " ".join(text_render(f"{template}_subject.txt", context).split())
    text = text_render(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    email_enqueue(
        to=to,
        subject=subject,
        text=text,
        html=html,
        headers=headers,
        organization_id=organization_id,
        key=key,
        attachments=attachments,
        readers=readers,
    )
