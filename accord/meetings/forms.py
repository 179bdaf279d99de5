"""Forms of the Meetings pages. They parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from accord.lib.forms import RecordsField
from accord.meetings.models import Cadence, IssueSource, MeetingKind, Section
from accord.orgs.models import Membership, Role, Team


def _members(organization_id: int) -> QuerySet[Membership]:
    """Who may attend or own an item: the organisation's members but viewers."""
    return (
        Membership.objects.filter(organization_id=organization_id)
        .exclude(role=Role.VIEWER)
        .select_related("user", "team")
        .order_by("user__email")
    )


def _member_label(m: Membership) -> str:
    return f"{m.user.display_name} ({m.team.name if m.team else 'no team'})"


class MemberField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A member of the organisation, chosen by id; cleans to the Membership."""

    def label_from_instance(self, obj: Any) -> str:
        return _member_label(obj)


class MembersField(RecordsField):
    """Members of the organisation, chosen by id; cleans to the Memberships."""

    def label_from_instance(self, obj: Any) -> str:
        return _member_label(obj)


class SeriesForm(forms.Form):
    name = forms.CharField(max_length=160)
    kind = forms.ChoiceField(choices=MeetingKind.choices, initial=MeetingKind.JOINT)
    cadence = forms.ChoiceField(choices=Cadence.choices, initial=Cadence.BIWEEKLY)
    rrule = forms.CharField(
        max_length=500,
        required=False,
        label="Custom rule",
        help_text="Only for a custom cadence, e.g. FREQ=MONTHLY;BYDAY=1TU",
    )
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    time_zone = forms.CharField(max_length=64)
    duration_minutes = forms.IntegerField(min_value=5, max_value=720, initial=60)
    video_url = forms.CharField(max_length=500, required=False, label="Video link")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    agenda_lead_hours = forms.IntegerField(
        min_value=1, max_value=336, initial=24, label="Build the agenda this many hours before"
    )
    attendees = MembersField(
        queryset=Membership.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = _members(organization_id)  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return data


class MoveForm(forms.Form):
    starts_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    version = forms.IntegerField(min_value=0)


class ItemAddForm(forms.Form):
    title = forms.CharField(max_length=200)
    why = forms.CharField(max_length=500, required=False)
    section = forms.ChoiceField(choices=Section.choices, initial=Section.ISSUES)


class ItemEditForm(forms.Form):
    version = forms.IntegerField(min_value=0)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    decision = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    done = forms.BooleanField(required=False)
    timebox_minutes = forms.IntegerField(required=False, min_value=1, max_value=240)


class ActionItemForm(forms.Form):
    title = forms.CharField(max_length=200)
    owner = MemberField(queryset=Membership.objects.none(), label="Owner")
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    agenda_item = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="About the item"
    )

    def __init__(
        self,
        *args: Any,
        organization_id: int,
        items: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].choices = [("", "—"), *(items or [])]  # type: ignore[attr-defined]
        self.fields["owner"].queryset = _members(organization_id)  # type: ignore[attr-defined]


class IssueForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    teams = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Teams affected"
    )
    source_kind = forms.ChoiceField(choices=IssueSource.choices, initial=IssueSource.SCRATCH)
    source_url = forms.CharField(max_length=500, required=False, label="Link to the source")

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = [  # type: ignore[attr-defined]
            (t.pk, t.name) for t in Team.objects.filter(organization_id=organization_id)
        ]


class SolveForm(forms.Form):
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    occurrence = forms.IntegerField(required=False, widget=forms.HiddenInput)
