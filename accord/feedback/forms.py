"""Forms of the Customers section. Services validate again; forms shape input."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.feedback.models import LANGUAGE_CHOICES, FollowUp, Survey, Theme
from accord.feedback.services import LOGO_MAX_BYTES, LOGO_TYPES, RESPONSE_FIELD_LABELS
from accord.orgs.models import Membership

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class SurveyForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="For you; customers do not see it.")
    brand_name = forms.CharField(
        max_length=120,
        required=False,
        help_text="Shown to customers; the organisation's name when empty.",
    )
    logo = forms.FileField(required=False, help_text="PNG, JPEG, GIF or WebP, at most 200 kB.")
    colour = forms.CharField(
        max_length=7, initial="#2f5d8a", widget=forms.TextInput(attrs={"type": "color"})
    )
    thank_you = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown after the customer answers.",
    )
    default_language = forms.ChoiceField(
        choices=LANGUAGE_CHOICES, help_text="When neither the recipient nor the browser says."
    )

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if logo is None:
            return None
        if logo.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(f"At most {LOGO_MAX_BYTES // 1000} kB.")
        if logo.content_type not in LOGO_TYPES:
            raise forms.ValidationError("A PNG, JPEG, GIF or WebP image.")
        return logo


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=120)
    survey: forms.ModelChoiceField[Survey] = forms.ModelChoiceField(
        queryset=Survey.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, surveys: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = surveys  # type: ignore[attr-defined]


RESPONSE_FORMAT_CHOICES = [
    ("auto", "Recognise the tool from the file"),
    ("generic", "Generic (email, score, better, well, comment, date)"),
    ("delighted", "Delighted export"),
    ("surveymonkey", "SurveyMonkey export"),
    ("typeform", "Typeform export"),
    ("qualtrics", "Qualtrics export"),
]


class CsvUploadForm(forms.Form):
    file = forms.FileField(help_text="CSV with a header row; at most 20 MB.")
    dry_run = forms.BooleanField(required=False, label="Dry run: check every row, change nothing")

    def data_bytes(self) -> bytes:
        """The file as uploaded (the importer reads its encoding), or a form
        error naming the file."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError({"file": "At most 20 MB."})
        data: bytes = upload.read()
        return data


class ImportForm(CsvUploadForm):
    dry_run = forms.BooleanField(
        required=False,
        initial=True,
        label="Preview first: check every row and show what would be stored; "
        "import only once you confirm",
    )
    format = forms.ChoiceField(initial="auto", choices=RESPONSE_FORMAT_CHOICES)
    mapping = forms.ChoiceField(
        required=False,
        label="Saved column mapping",
        help_text="Reads a generic CSV's columns as saved from an earlier preview.",
    )

    def __init__(self, *args: Any, mappings: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— none: the tool's own columns —")] + [
            (str(m.pk), m.name) for m in mappings
        ]
        self.fields["mapping"].choices = choices  # type: ignore[attr-defined]


TOKEN = r"^[0-9a-f]{32}$"


class ImportConfirmForm(forms.Form):
    """Import the file a preview showed (kept on the server under ``token``),
    read as it was previewed: the format, and the columns when a mapping
    named them (``columns``, JSON field -> column; ``mapping_name`` the saved
    mapping's name, if any)."""

    token = forms.RegexField(regex=TOKEN, widget=forms.HiddenInput)
    format = forms.ChoiceField(choices=RESPONSE_FORMAT_CHOICES, widget=forms.HiddenInput)
    columns = forms.JSONField(required=False, widget=forms.HiddenInput)
    mapping_name = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def clean_columns(self) -> dict[str, str] | None:
        value = self.cleaned_data.get("columns")
        if value in (None, "", {}):
            return None
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise forms.ValidationError("Not a column mapping.")
        return value


class ResponseColumnsForm(forms.Form):
    """The preview's columns, adjusted: one choice of the file's columns per
    field, previewed again (nothing written); ``save_as`` saves the mapping
    under that name to choose again for the next file."""

    token = forms.RegexField(regex=TOKEN, widget=forms.HiddenInput)
    save_as = forms.CharField(
        max_length=80,
        required=False,
        label="Save these columns as a mapping named",
        help_text="Optional; choose it again when importing the next file like this one.",
    )

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— not in this file —")] + [(h, h) for h in headers if h]
        for field_name, label in RESPONSE_FIELD_LABELS.items():
            self.fields[f"col_{field_name}"] = forms.ChoiceField(
                choices=choices, required=False, label=label
            )

    def columns(self) -> dict[str, str]:
        """field -> the file's column, for the fields given a column."""
        return {
            name.removeprefix("col_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("col_") and value
        }


class SegmentForm(forms.Form):
    attribute = forms.CharField(max_length=60, required=False, help_text="e.g. plan")
    value = forms.CharField(max_length=200, required=False, help_text="e.g. enterprise")


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(choices=FollowUp.Status.choices)
    play = forms.ChoiceField(choices=FollowUp.Play.choices, required=False)
    outcome = forms.CharField(max_length=200, required=False, help_text="Needed to close it.")
    note = forms.CharField(
        label="Add a note",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Goes on the timeline with your name and the time.",
    )
    sales_owner: forms.ModelChoiceField[Membership] = forms.ModelChoiceField(
        queryset=Membership.objects.none(), required=False
    )
    marketing_owner: forms.ModelChoiceField[Membership] = forms.ModelChoiceField(
        queryset=Membership.objects.none(), required=False
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("sales_owner", "marketing_owner"):
            field = self.fields[name]
            field.queryset = members  # type: ignore[attr-defined]
            field.label_from_instance = _member_label  # type: ignore[attr-defined]


class FollowUpActionForm(forms.Form):
    """One of the follow-up's actions (the button pressed), with an optional comment."""

    action = forms.ChoiceField(choices=())
    text = forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=20_000,
        widget=forms.TextInput(),
    )

    def __init__(self, *args: Any, followup: FollowUp, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = followup.actions  # type: ignore[attr-defined]


def _member_label(member: Membership) -> str:
    return f"{member.user.display_name} ({member.get_role_display()})"


class ThemeForm(forms.Form):
    name = forms.CharField(max_length=120)
    backlog = forms.ChoiceField(choices=Theme.Backlog.choices, required=False)


class ThemeMergeForm(forms.Form):
    into: forms.ModelChoiceField[Theme] = forms.ModelChoiceField(
        queryset=Theme.objects.none(), label="Merge into"
    )

    def __init__(self, *args: Any, themes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = themes  # type: ignore[attr-defined]


class FeedbackSettingsForm(forms.Form):
    contact_interval_days = forms.IntegerField(
        min_value=0, max_value=3650, help_text="No contact is surveyed more often (default 90)."
    )
    link_lifetime_days = forms.IntegerField(min_value=1, max_value=365, help_text="Default 60.")
    reminder_after_days = forms.IntegerField(
        min_value=1, max_value=60, help_text="One reminder to non-respondents (default 3)."
    )
    marketing_partner: forms.ModelChoiceField[Membership] = forms.ModelChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        help_text="Partners on every recovery; the marketing lead when empty.",
    )
    nurture_passives = forms.BooleanField(
        required=False, label="Open a nurture task for every passive"
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["marketing_partner"]
        field.queryset = members  # type: ignore[attr-defined]
        field.label_from_instance = _member_label  # type: ignore[attr-defined]
