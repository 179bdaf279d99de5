"""django-allauth, sending its email (verification, password reset) through the job queue."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import EmailMessage

from accord.mail.services import email_enqueue


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """Account email leaves through the queue like all other email.

    So it is retried when the mail server is down instead of failing the
    sign-up or reset page, and it is captured into the Outbox when no
    EMAIL_URL is set.
    """

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # The same context allauth's own send_mail builds.
        request = allauth_context.request
        ctx: dict[str, Any] = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
        }
        ctx.update(context)
        message: EmailMessage = self.render_mail(template_prefix, email, ctx)
        text, html = str(message.body), ""
        if message.content_subtype == "html":
            # allauth found only an HTML template: there is no text part.
            text, html = "", text
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = str(content)
        email_enqueue(
            to=list(message.to),
            subject=str(message.subject),
            text=text,
            html=html,
            headers=dict(message.extra_headers),
        )
