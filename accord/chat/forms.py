"""Forms of the chat settings pages."""

from __future__ import annotations

from django import forms

from accord.chat.models import SUBSCRIBABLE, ChannelKind

EVENT_CHOICES = [(str(e.value), str(e.label)) for e in SUBSCRIBABLE]


class ChatChannelForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="e.g. #sales-marketing")
    kind = forms.ChoiceField(choices=ChannelKind.choices, label="Kind")
    secret = forms.CharField(
        label="Webhook URL or bot token",
        widget=forms.PasswordInput(render_value=False),
        max_length=2000,
        help_text="A Slack or Teams incoming-webhook URL (https), or a Slack bot token "
        "(xoxb-…). Stored encrypted; never shown again.",
    )
    slack_channel = forms.CharField(
        required=False, max_length=100, label="Slack channel (bot token only)"
    )
    events = forms.MultipleChoiceField(
        choices=EVENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=[value for value, _ in EVENT_CHOICES],
        label="Alerts",
    )
    enabled = forms.BooleanField(required=False, initial=True)


class ChatChannelEditForm(forms.Form):
    name = forms.CharField(max_length=100)
    events = forms.MultipleChoiceField(
        choices=EVENT_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, label="Alerts"
    )
    enabled = forms.BooleanField(required=False)
    slack_channel = forms.CharField(
        required=False, max_length=100, label="Slack channel (bot token only)"
    )
    secret = forms.CharField(
        required=False,
        label="New webhook URL or bot token",
        widget=forms.PasswordInput(render_value=False),
        max_length=2000,
        help_text="Leave empty to keep the current one.",
    )
