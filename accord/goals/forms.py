"""Forms of the Goals section. They parse; the services validate and decide."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from accord.goals import metrics
from accord.goals.models import (
    ActivityType,
    AssetKind,
    Confidence,
    Direction,
    EventKind,
    GoalKind,
    GoalStatus,
    SlotRole,
    TargetPer,
)
from accord.orgs.models import Membership, Team
from accord.orgs.selectors import lead_side

DATE = forms.DateInput(attrs={"type": "date"})


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class MemberChoiceField(forms.ChoiceField):
    """One of the members the view offers (``offer``), chosen by id; it cleans
    to that Membership, or None when left blank."""

    def __init__(self, *, blank: str = "—", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.blank = blank
        self.people: dict[str, Membership] = {}

    def offer(self, people: Iterable[Membership]) -> None:
        self.people = {str(m.pk): m for m in people}
        self.choices = [("", self.blank)] + [
            (pk, m.user.display_name) for pk, m in self.people.items()
        ]

    def clean(self, value: Any) -> Membership | None:
        key = super().clean(value)
        return self.people.get(key) if key else None


def _offer(form: forms.Form, name: str, people: Iterable[Membership]) -> None:
    field = form.fields[name]
    assert isinstance(field, MemberChoiceField)
    field.offer(people)


class GoalForm(forms.Form):
    title = forms.CharField(max_length=160)
    why = forms.CharField(
        label="Why it matters", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(choices=GoalKind.choices, initial=GoalKind.PARTNERSHIP)
    metric = forms.ChoiceField(
        choices=metrics.metric_choices(),
        help_text="Outcome metrics only: vanity metrics such as page views are refused.",
    )
    metric_name = forms.CharField(label="Custom metric name", max_length=120, required=False)
    metric_moves = forms.CharField(
        label="Moves which goal or revenue stage",
        max_length=160,
        required=False,
        help_text="Required for a custom metric, e.g. 'pipeline creation'.",
    )
    unit = forms.CharField(max_length=32, required=False, help_text="Blank: the metric's own.")
    baseline = forms.DecimalField(max_digits=16, decimal_places=4)
    target = forms.DecimalField(max_digits=16, decimal_places=4)
    direction = forms.ChoiceField(
        choices=[("", "From the metric"), *list(Direction.choices)], required=False
    )
    period_start = forms.DateField(
        required=False, widget=DATE, help_text="Blank: the current quarter."
    )
    period_end = forms.DateField(required=False, widget=DATE)
    sales_owner = MemberChoiceField(label="Owner from Sales")
    marketing_owner = MemberChoiceField(label="Owner from Marketing")

    def __init__(self, *args: Any, sales: Any, marketing: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "sales_owner", sales)
        _offer(self, "marketing_owner", marketing)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["direction"] = data["direction"] or None
        return data


class CheckInForm(forms.Form):
    value = forms.DecimalField(max_digits=16, decimal_places=4)
    date = forms.DateField(required=False, widget=DATE, help_text="Blank: today.")
    confidence = forms.ChoiceField(choices=Confidence.choices, initial=Confidence.MEDIUM)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AnswerForm(forms.Form):
    """Agree or decline; ``side`` matters only for owners and admins."""

    side = forms.ChoiceField(
        choices=[("", "My own side"), ("sales", "Sales"), ("marketing", "Marketing")],
        required=False,
        help_text="Owners and admins say which team they answer for.",
    )
    comment = forms.CharField(
        label="Comment or reason", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, membership: Membership | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = lead_side(membership) if membership is not None else None
        if membership is not None and own is not None:
            # A lead answers for their own side only: offering the other
            # side would only lead to a refusal.
            field = _choice(self, "side")
            field.choices = [(own.value, f"{own.label} (your side)")]
            field.initial = own.value
            field.disabled = True
            field.help_text = f"As {membership.get_role_display()} you answer for {own.label}."


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            (GoalStatus.ACHIEVED, "Achieved"),
            (GoalStatus.MISSED, "Missed"),
            (GoalStatus.DROPPED, "Dropped"),
        ]
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class BoardFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *list(GoalStatus.choices)], required=False
    )
    kind = forms.ChoiceField(choices=[("", "Any kind"), *list(GoalKind.choices)], required=False)
    team = forms.ChoiceField(required=False)
    owner = forms.ChoiceField(required=False)
    period_start = forms.DateField(label="From", required=False, widget=DATE)
    period_end = forms.DateField(label="To", required=False, widget=DATE)

    def __init__(self, *args: Any, teams: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "team").choices = [("", "Any team")] + [(str(t.pk), t.name) for t in teams]
        _choice(self, "owner").choices = [("", "Any owner")] + [
            (str(m.pk), m.user.display_name) for m in people
        ]


class ActivityGoalForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    activity_type = forms.ChoiceField(
        choices=ActivityType.choices,
        help_text="Marketing: pipeline reviews, prospect or new-customer calls. "
        "Sales: content not used before, event staffing. Or a custom activity.",
    )
    custom_name = forms.CharField(max_length=120, required=False)
    target_count = forms.IntegerField(min_value=1, max_value=1000, label="Target count")
    per = forms.ChoiceField(choices=TargetPer.choices)

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]


class ActivityLogForm(forms.Form):
    activity_type = forms.ChoiceField(
        choices=[("", "My team's activity goal"), *list(ActivityType.choices)], required=False
    )
    occurred_on = forms.DateField(label="Date", required=False, widget=DATE)
    note = forms.CharField(max_length=300, required=False)
    member = MemberChoiceField(
        blank="Myself", required=False, help_text="Leads may log for someone else."
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "member", people)


# 10,000 rows (the importers' limit) of the widest rows they read fit well
# within it; a larger file is refused before it is read into memory.
# Documented in docs/user-guide.md.
CSV_MAX_BYTES = 10 * 1024 * 1024


class CsvForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="At most 10,000 rows and 10 MB.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 2**20:.1f} MB; at most "
                f"{CSV_MAX_BYTES // 2**20} MB (10,000 rows). Split it."
            )
        return upload

    def data_bytes(self) -> bytes:
        """The file as uploaded; the importer reads its encoding and delimiter."""
        data: bytes = self.cleaned_data["file"].read()
        return data


class AssetForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=AssetKind.choices)
    url = forms.CharField(label="URL", max_length=500, required=False)
    tags = forms.CharField(required=False, help_text="Separated by commas.")
    body = forms.CharField(label="Text", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def tag_list(self) -> list[str]:
        return [t for t in self.cleaned_data["tags"].split(",") if t.strip()]


class UsageForm(forms.Form):
    used_on = forms.DateField(label="Used on", required=False, widget=DATE)
    note = forms.CharField(max_length=300, required=False, help_text="With whom, in which deal.")
    member = MemberChoiceField(blank="Myself", required=False)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "member", people)


class UntouchedForm(forms.Form):
    untouched_days = forms.IntegerField(min_value=1, max_value=3650, label="Untouched after (days)")
    event_reminder_days = forms.IntegerField(
        min_value=0, max_value=60, label="Remind event staff (days before)"
    )


class EventForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=EventKind.choices)
    starts_on = forms.DateField(widget=DATE)
    ends_on = forms.DateField(required=False, widget=DATE, help_text="Blank: one day.")
    place = forms.CharField(max_length=200, required=False)
    url = forms.CharField(label="URL", max_length=500, required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SlotForm(forms.Form):
    role = forms.ChoiceField(choices=SlotRole.choices)
    date = forms.DateField(widget=DATE)
    capacity = forms.IntegerField(min_value=1, max_value=100, initial=2)


class SignupForm(forms.Form):
    member = MemberChoiceField(blank="Myself", required=False)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "member", people)


def member_id(value: str) -> int | None:
    return int(value) if value else None
