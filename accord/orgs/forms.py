from __future__ import annotations

import zoneinfo
from datetime import date
from typing import Any

from django import forms

from accord.lib.business_time import countries
from accord.orgs.models import Role

TIME_ZONES = sorted(zoneinfo.available_timezones())


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(max_length=120, label="Company name")
    slug = forms.SlugField(
        max_length=50,
        required=False,
        label="Address",
        help_text="Lower-case letters, digits and hyphens; it appears in every URL: /o/<address>/. "
        "Left empty, it is made from the name.",
    )


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(max_length=120)
    time_zone = forms.ChoiceField(
        choices=[(z, z) for z in TIME_ZONES],
        help_text=(
            "Days and months are counted in this zone (NPS by month, MQL months, SLA "
            "compliance, activity). Changing it files past months again in the background."
        ),
    )
    country = forms.ChoiceField(
        choices=[("", "None"), *countries()],
        required=False,
        help_text="Its public holidays are not business days (follow-ups, the hand-off SLA).",
    )
    currency = forms.CharField(
        required=False,
        max_length=3,
        help_text="The ISO code amounts are shown in, e.g. EUR. Empty: unchanged.",
    )
    holidays = forms.CharField(
        required=False,
        label="Own holidays",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Further days off, one per line or comma-separated: 2026-12-24",
    )

    def clean_holidays(self) -> list[date]:
        text = self.cleaned_data.get("holidays") or ""
        days = []
        for part in text.replace(",", "\n").split():
            try:
                days.append(date.fromisoformat(part.strip()))
            except ValueError:
                raise forms.ValidationError(
                    f"'{part[:20]}' is not a date like 2026-12-25."
                ) from None
        return days


class TeamForm(forms.Form):
    name = forms.CharField(max_length=80, label="Team name")


def _team_choices(teams: Any) -> list[tuple[str, str]]:
    return [("", "Default for the role")] + [(str(t.pk), t.name) for t in teams]


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
    team = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, teams: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _team_choices(teams)  # type: ignore[attr-defined]

    def team_id(self) -> int | None:
        value = self.cleaned_data.get("team")
        return int(value) if value else None


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    team = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, teams: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _team_choices(teams)  # type: ignore[attr-defined]

    def team_id(self) -> int | None:
        value = self.cleaned_data.get("team")
        return int(value) if value else None


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="Where the token is used, e.g. 'BI export'.")
