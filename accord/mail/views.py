"""The Outbox: captured email, for instances without EMAIL_URL."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.mail import selectors
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership
from accord.orgs.permissions import Action


@org_view(Action.OUTBOX_READ)
def outbox(request: HttpRequest, membership: Membership) -> HttpResponse:
    page = Paginator(selectors.captured_messages(membership), 50).get_page(request.GET.get("page"))
    return render(request, "mail/outbox.html", {"page": page})


@org_view(Action.OUTBOX_READ)
def outbox_message(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    message = selectors.captured_message(membership, pk)
    return render(request, "mail/outbox_message.html", {"message": message})
