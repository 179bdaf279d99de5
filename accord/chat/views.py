"""Chat settings pages under /o/<org_slug>/settings/chat/ (admins and owners)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from accord.chat import selectors, services
from accord.chat.forms import ChatChannelEditForm, ChatChannelForm
from accord.lib.forms import add_service_errors
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership
from accord.orgs.permissions import Action


def _back(membership: Membership) -> HttpResponse:
    return redirect("chat_channels", org_slug=membership.organization.slug)


@org_view(Action.CHAT_MANAGE)
def channels(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = ChatChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.chat_channel_create(membership=membership, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Channel added. Send a test message to check it.")
            return _back(membership)
    return render(
        request,
        "chat/channels.html",
        {"form": form, "channels": selectors.chat_channels(membership)},
        status=400 if form.errors else 200,
    )


@org_view(Action.CHAT_MANAGE)
def channel_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    channel = selectors.chat_channel(membership, pk)
    initial = {
        "name": channel.name,
        "events": channel.events,
        "enabled": channel.enabled,
        "slack_channel": channel.slack_channel,
    }
    form = ChatChannelEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.chat_channel_update(
                membership=membership,
                channel=channel,
                name=data["name"],
                events=data["events"],
                enabled=data["enabled"],
                slack_channel=data["slack_channel"],
                secret=data["secret"] or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Channel saved.")
            return _back(membership)
    return render(
        request,
        "chat/channel_edit.html",
        {
            "form": form,
            "channel": channel,
            "dead_letters": selectors.chat_dead_letters(membership, channel)[:50],
        },
        status=400 if form.errors else 200,
    )


@org_view(Action.CHAT_MANAGE)
def channel_toggle(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    channel = selectors.chat_channel(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.chat_channel_update(
        membership=membership, channel=channel, enabled=not channel.enabled
    )
    messages.success(request, f"{channel.name} {'enabled' if channel.enabled else 'disabled'}.")
    return _back(membership)


@org_view(Action.CHAT_MANAGE)
def channel_delete(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    channel = selectors.chat_channel(membership, pk)
    if request.method == "POST":
        services.chat_channel_delete(membership=membership, channel=channel)
        messages.success(request, f"{channel.name} deleted.")
        return _back(membership)
    return render(request, "chat/channel_delete.html", {"channel": channel})


@org_view(Action.CHAT_MANAGE)
def channel_test(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    channel = selectors.chat_channel(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.chat_test_send(membership=membership, channel=channel)
    messages.success(request, f"Test message queued for {channel.name}.")
    return _back(membership)


@org_view(Action.CHAT_MANAGE)
def message_retry(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    message = selectors.chat_message(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if services.chat_message_retry(membership=membership, message=message):
        messages.success(request, "Message queued again.")
    else:
        messages.info(request, "That message is no longer failed.")
    return redirect(
        "chat_channel_edit", org_slug=membership.organization.slug, pk=message.channel_id
    )
