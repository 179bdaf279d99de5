"""Forms of the Pipeline pages."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms

from accord.lib.keyset import MAX_CURSOR
from accord.orgs.models import Membership, Organization
from accord.orgs.selectors import lead_side
from accord.pipeline.import_parsing import FIELDS
from accord.pipeline.models import Campaign, ImportFormat, ImportKind, RejectionReason, Stage
from accord.pipeline.selectors import TRIAGE_SORTS


class FunnelFilterForm(forms.Form):
    by = forms.ChoiceField(
        required=False,
        label="Group by",
        choices=[
            ("", "Nothing"),
            ("source", "Source"),
            ("campaign", "Campaign"),
            ("month", "Month"),
        ],
    )
    since = forms.DateField(
        required=False, label="Cohorts from", widget=forms.DateInput(attrs={"type": "date"})
    )


REASON_CHOICES = [("", "Choose a reason…"), *RejectionReason.choices]
REASON_REQUIRED = {"required": "Choose a reason to reject."}


class RejectForm(forms.Form):
    # No reason is pre-selected: a rejection says why on purpose.
    reason = forms.ChoiceField(choices=REASON_CHOICES, error_messages=REASON_REQUIRED)
    text = forms.CharField(required=False, max_length=500, label="Why (for 'Other')")


class TouchForm(forms.Form):
    """The first touch of a lead; its time defaults to now."""

    at = forms.DateTimeField(
        required=False,
        label="Touched at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty for now. Between the MQL time and now.",
    )


class TriageFilterForm(forms.Form):
    """The triage queue's sort and filters (a GET form: links can be shared)."""

    sort = forms.ChoiceField(required=False, choices=list(TRIAGE_SORTS.items()), label="Sort")
    mine = forms.BooleanField(required=False, label="Mine only")
    source = forms.CharField(required=False, max_length=120, label="Source")
    campaign = forms.ModelChoiceField(
        required=False, queryset=Campaign.objects.none(), label="Campaign", empty_label="Any"
    )
    q = forms.CharField(required=False, max_length=200, label="Search name, email or company")
    # Checked where the page is read (``accord.lib.keyset``): one it did not
    # give out is a 400 naming it.
    cursor = forms.CharField(required=False, max_length=MAX_CURSOR, widget=forms.HiddenInput)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["campaign"]
        field.queryset = Campaign.objects.filter(organization=organization)  # type: ignore[attr-defined]


class BulkDecideForm(forms.Form):
    """Several leads accepted, or rejected with one reason."""

    leads = forms.TypedMultipleChoiceField(
        coerce=int, label="Selected leads", error_messages={"required": "Select at least one lead."}
    )
    action = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    reason = forms.ChoiceField(required=False, choices=REASON_CHOICES)
    text = forms.CharField(required=False, max_length=500, label="Why (for 'Other')")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any whole number is a choice here; the service says which are not ours.
        raw = self.data.getlist("leads") if hasattr(self.data, "getlist") else []
        self.fields["leads"].choices = [  # type: ignore[attr-defined]
            (value, value) for value in raw if value.isdigit()
        ]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data and data.get("action") == "reject" and not data.get("reason"):
            self.add_error("reason", "Choose a reason to reject the selected leads.")
        return data


class AgreementForm(forms.Form):
    mql_definition = forms.CharField(
        label="MQL definition",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text="What a lead must meet before marketing hands it to sales.",
    )
    monthly_mql_commitment = forms.IntegerField(
        label="MQLs marketing delivers per month", min_value=1, max_value=1_000_000
    )
    first_touch_hours = forms.IntegerField(
        label="First touch within (business hours)", min_value=1, max_value=400
    )
    decision_days = forms.IntegerField(
        label="Accept or reject within (business days)", min_value=1, max_value=60
    )
    day_start = forms.TimeField(initial=time(9), widget=forms.TimeInput(attrs={"type": "time"}))
    day_end = forms.TimeField(initial=time(17), widget=forms.TimeInput(attrs={"type": "time"}))


class AgreeForm(forms.Form):
    side = forms.ChoiceField(
        required=False,
        choices=[("", "My team"), ("sales", "Sales"), ("marketing", "Marketing")],
        help_text="Owners and admins without a sales or marketing team say which side.",
    )
    comment = forms.CharField(required=False, max_length=500)

    def __init__(self, *args: Any, membership: Membership | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = lead_side(membership) if membership is not None else None
        if membership is not None and own is not None:
            # A lead answers for their own side only: offering the other
            # side would only lead to a refusal.
            field = self.fields["side"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(own.value, f"{own.label} (your side)")]
            field.initial = own.value
            field.disabled = True
            field.help_text = f"As {membership.get_role_display()} you answer for {own.label}."


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label="What the file holds")
    format = forms.ChoiceField(
        choices=[("auto", "Recognise it from the file's header"), *ImportFormat.choices],
        label="Exported from",
        initial="auto",
    )
    mapping = forms.ChoiceField(required=False, label="Saved column mapping (generic CSV)")
    file = forms.FileField(label="CSV file or Excel workbook (.xlsx)")
    dry_run = forms.BooleanField(
        required=False,
        initial=True,
        label="Preview first: check every row and show what would be stored; "
        "import only once you confirm",
    )
    day_first = forms.BooleanField(required=False, label="Dates are day first (31/03/2026)")

    def __init__(self, *args: Any, mappings: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(str(m.pk), m.name) for m in mappings]
        self.fields["mapping"].choices = choices  # type: ignore[attr-defined]


class ImportConfirmForm(forms.Form):
    """A finished preview: import it as it is, or preview it again with another
    saved column mapping."""

    mapping = forms.ChoiceField(required=False, label="Another saved column mapping")

    def __init__(self, *args: Any, mappings: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— as previewed —")] + [(str(m.pk), m.name) for m in mappings]
        self.fields["mapping"].choices = choices  # type: ignore[attr-defined]


class MappingUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label="What the file holds")
    file = forms.FileField(label="A CSV file or .xlsx workbook with the columns to map")


class MappingForm(forms.Form):
    """One select per Accord field, offering the file's column headers."""

    name = forms.CharField(max_length=80, label="Save the mapping as")

    def __init__(self, *args: Any, kind: str, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— not in this file —")] + [(h, h) for h in headers]
        lowered = {h.lower(): h for h in headers}
        for field_name, label in FIELDS[kind].items():
            guess = lowered.get(label.lower()) or lowered.get(field_name.replace("_", " "))
            self.fields[f"col_{field_name}"] = forms.ChoiceField(
                choices=choices, required=False, label=label, initial=guess or ""
            )

    def columns(self) -> dict[str, str]:
        return {
            name.removeprefix("col_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("col_") and value
        }


class StageMapForm(forms.Form):
    """One select per lifecycle stage of the organisation's own: which Accord
    stage it means. Required when an import waits for it (nothing is guessed);
    when editing the saved mapping, an empty choice forgets the label."""

    def __init__(
        self, *args: Any, labels: list[str], stages: dict[str, str], required: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.labels = labels
        empty = "— choose —" if required else "— forget this mapping —"
        for i, label in enumerate(labels):
            self.fields[f"stage_{i}"] = forms.ChoiceField(
                choices=[("", empty), *Stage.choices],
                required=required,
                label=label,
                initial=stages.get(label, ""),
            )

    def stages(self) -> dict[str, str]:
        """label -> the chosen Accord stage ("" to forget it)."""
        return {label: self.cleaned_data[f"stage_{i}"] for i, label in enumerate(self.labels)}
