"""API operations of chat channels, mounted at /api/v1/chat.

List, create, change and delete channels. The webhook URL or bot token is
write-only: no answer ever contains it (``target`` is a hint: the host, or
the token's last characters).

No ``from __future__ import annotations`` here: ninja reads these signatures at
import time, and ``@paginate`` hides the module's names from string annotations.
"""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from accord.chat import selectors, services
from accord.chat.models import SUBSCRIBABLE, ChatChannel
from accord.lib.api import InputSchema, Pagination, fields_named, with_errors
from accord.orgs.api_auth import acting_member
from accord.orgs.permissions import Action, require

router = Router(tags=["chat"])

MAX_ID = 2_147_483_647
Kind = Literal["slack_webhook", "slack_bot", "teams_webhook"]
EventName = Literal[tuple(str(e.value) for e in SUBSCRIBABLE)]  # type: ignore[valid-type]


def _id() -> Any:
    return Path(..., ge=1, le=MAX_ID, description="A chat channel")  # type: ignore[type-arg]


class ChatChannelOut(Schema):
    id: int
    name: str
    kind: str
    target: str = Field(..., alias="target_hint", description="Where it posts, without secrets")
    slack_channel: str
    enabled: bool
    events: list[str]
    created_at: Any


class ChatChannelIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: Kind
    secret: str = Field(
        ...,
        min_length=1,
        max_length=2000,
        description="Incoming-webhook URL (https) or Slack bot token; never returned",
    )
    slack_channel: str = Field("", max_length=100)
    events: list[EventName] = Field(default_factory=list)  # type: ignore[valid-type]
    enabled: bool = True


class ChatChannelPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    secret: str | None = Field(None, min_length=1, max_length=2000)
    slack_channel: str | None = Field(None, max_length=100)
    events: list[EventName] | None = None  # type: ignore[valid-type]
    enabled: bool | None = None


def _channel(request: HttpRequest, channel_id: int) -> ChatChannel:
    membership = acting_member(request)
    require(membership, Action.CHAT_MANAGE)
    return selectors.chat_channel(membership, channel_id)


@router.get("/channels", response=with_errors({200: list[ChatChannelOut]}))
@paginate(Pagination)
def channels_list(request: HttpRequest) -> Any:
    """The organisation's chat channels (admins and owners)."""
    membership = acting_member(request)
    require(membership, Action.CHAT_MANAGE)
    return selectors.chat_channels(membership)


@router.post("/channels", response=with_errors({201: ChatChannelOut}))
def channel_create(request: HttpRequest, payload: ChatChannelIn) -> Any:
    """Add a channel; a webhook URL must be https to a public host."""
    with fields_named():
        channel = services.chat_channel_create(
            membership=acting_member(request), **payload.model_dump()
        )
    return Status(201, channel)


@router.get("/channels/{int:channel_id}", response=with_errors({200: ChatChannelOut}))
def channel_get(request: HttpRequest, channel_id: int = _id()) -> ChatChannel:
    return _channel(request, channel_id)


@router.patch("/channels/{int:channel_id}", response=with_errors({200: ChatChannelOut}))
def channel_update(
    request: HttpRequest, payload: ChatChannelPatch, channel_id: int = _id()
) -> ChatChannel:
    """Change a channel; fields left out stay as they are."""
    channel = _channel(request, channel_id)
    with fields_named():
        return services.chat_channel_update(
            membership=acting_member(request),
            channel=channel,
            **payload.model_dump(exclude_unset=True),
        )


@router.delete("/channels/{int:channel_id}", response=with_errors({204: None}))
def channel_delete(request: HttpRequest, channel_id: int = _id()) -> Any:
    channel = _channel(request, channel_id)
    services.chat_channel_delete(membership=acting_member(request), channel=channel)
    return Status(204, None)
