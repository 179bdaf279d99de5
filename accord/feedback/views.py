"""Pages of the Customers section: NPS, surveys, campaigns, responses,
follow-ups, themes, import and settings."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode

from accord.feedback import charts, selectors, services
from accord.feedback.forms import (
    CampaignForm,
    CsvUploadForm,
    FeedbackSettingsForm,
    FollowUpActionForm,
    FollowUpForm,
    ImportConfirmForm,
    ImportForm,
    ResponseColumnsForm,
    SegmentForm,
    SurveyForm,
    ThemeForm,
    ThemeMergeForm,
)
from accord.feedback.importer import file_header
from accord.feedback.models import FollowUp, Recipient, Response
from accord.lib.csvfile import csv_response
from accord.lib.forms import add_service_errors
from accord.lib.keyset import keyset_page
from accord.lib.local_time import local_date
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership
from accord.orgs.permissions import Action
from accord.orgs.selectors import members

PAGE_SIZE = 50


def _status(form: Any) -> int:
    return 400 if form.errors else 200


def _slug(membership: Membership) -> str:
    return membership.organization.slug


# -- NPS ----------------------------------------------------------------------------


@org_view()
def index(request: HttpRequest, membership: Membership) -> HttpResponse:
    """NPS of the last 90 days against the 90 before, the trend, a breakdown."""
    organization = membership.organization
    by = request.GET.get("by", "month")
    if not selectors.valid_segment(by):
        by = "month"
    since = _parse_date(request.GET.get("since", ""))
    comparison = selectors.nps_compare(organization)
    trend = selectors.nps_by(
        organization, by="quarter" if by == "quarter" else "month", since=since
    )
    breakdown = None
    breakdown_svg = ""
    if by not in {"month", "quarter"}:
        breakdown = selectors.nps_by(organization, by=by, since=since)
        if breakdown.groups:
            breakdown_svg = charts.category_bars_svg(breakdown, f"NPS by {by}")
    trend_svg = (
        charts.nps_trend_svg(trend, f"NPS by {'quarter' if by == 'quarter' else 'month'}, 95% CI")
        if trend.groups
        else ""
    )
    open_count, overdue_count = selectors.followups_open_counts(membership, now=timezone.now())
    return render(
        request,
        "feedback/index.html",
        {
            "comparison": comparison,
            "trend": trend,
            "trend_svg": trend_svg,
            "breakdown": breakdown,
            "breakdown_svg": breakdown_svg,
            "by": by,
            "since": since,
            "segments": selectors.segment_names(organization),
            "open_count": open_count,
            "overdue_count": overdue_count,
            "has_responses": selectors.responses(membership).exists(),
        },
    )


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@org_view()
def nps_export(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The NPS table as CSV: every group with n and its 95% interval."""
    by = request.GET.get("by", "month")
    if not selectors.valid_segment(by):
        by = "month"
    since = _parse_date(request.GET.get("since", ""))
    result = selectors.nps_by(membership.organization, by=by, since=since)
    header = ["n", "promoters", "passives", "detractors", "nps", "ci95_low", "ci95_high"]

    def rows() -> Iterator[list[object]]:
        yield [by, *header, "small_sample"]
        for group in [*result.groups, replace(result, key="all")]:
            low, high = group.ci95 if group.ci95 else ("", "")
            yield [
                group.key,
                group.n,
                group.promoters,
                group.passives,
                group.detractors,
                "" if group.nps is None else group.nps,
                low,
                high,
                group.small_sample,
            ]

    return csv_response(rows(), filename=f"nps-by-{by}.csv")  # type: ignore[return-value]


# -- surveys ---------------------------------------------------------------------------


def _logo(form: SurveyForm) -> dict[str, Any]:
    logo = form.cleaned_data.get("logo")
    if logo is None:
        return {}
    return {"logo": logo.read(), "logo_type": logo.content_type}


@org_view()
def surveys(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = SurveyForm(request.POST or None, request.FILES or None, initial={"colour": "#2f5d8a"})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "logo"}
        try:
            survey = services.survey_create(membership=membership, **data, **_logo(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Survey “{survey.name}” created.")
            return redirect("feedback_survey", org_slug=_slug(membership), pk=survey.pk)
    return render(
        request,
        "feedback/surveys.html",
        {"surveys": selectors.surveys(membership), "form": form},
        status=_status(form),
    )


@org_view()
def survey_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    survey = selectors.survey(membership, pk)
    initial = {
        k: getattr(survey, k)
        for k in ("name", "brand_name", "colour", "thank_you", "default_language")
    }
    form = SurveyForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "logo"}
        try:
            services.survey_update(membership=membership, survey=survey, **data, **_logo(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Survey saved.")
            return redirect("feedback_survey", org_slug=_slug(membership), pk=survey.pk)
    return render(
        request,
        "feedback/survey.html",
        {"survey": survey, "form": form, "anonymous_url": request.session.pop("anon_url", "")},
        status=_status(form),
    )


@org_view(Action.SURVEY_MANAGE)
def survey_anonymous(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    survey = selectors.survey(membership, pk)
    if request.method != "POST":
        return render(
            request,
            "feedback/confirm.html",
            {
                "title": f"New anonymous link for “{survey.name}”",
                "text": "Anyone with the link can answer, as often as they like. "
                "A previous anonymous link stops working.",
                "button": "Make a new link",
            },
        )
    url = services.survey_anonymous_link(membership=membership, survey=survey)
    # Shown once, on the next page: the link is stored only as a hash.
    request.session["anon_url"] = url
    messages.success(request, "A new anonymous link is ready; copy it now, it is shown once.")
    return redirect("feedback_survey", org_slug=_slug(membership), pk=survey.pk)


# -- campaigns --------------------------------------------------------------------------


@org_view()
def campaigns(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = CampaignForm(request.POST or None, surveys=selectors.surveys(membership))
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                membership=membership,
                survey=form.cleaned_data["survey"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Campaign “{campaign.name}” created; add recipients next.")
            return redirect("feedback_campaign", org_slug=_slug(membership), pk=campaign.pk)
    page = Paginator(selectors.campaigns(membership), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/campaigns.html",
        {"campaigns": page, "form": form, "has_surveys": selectors.surveys(membership).exists()},
        status=_status(form),
    )


@org_view()
def campaign_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """The campaign, how far sending got, and adding recipients: a list or the
    pipeline's contacts is queued for the worker and the latest one's
    progress shows here (it updates itself; a reload shows it without
    JavaScript)."""
    campaign = selectors.campaign(membership, pk)
    upload = CsvUploadForm(
        request.POST if "upload" in request.POST else None,
        request.FILES if "upload" in request.POST else None,
    )
    segment = SegmentForm(request.POST if "pipeline" in request.POST else None)
    if request.method == "POST" and "upload" in request.POST and upload.is_valid():
        try:
            run = services.recipients_import_csv(
                membership=membership,
                campaign=campaign,
                data=upload.data_bytes(),
                filename=upload.cleaned_data["file"].name or "",
                dry_run=upload.cleaned_data["dry_run"],
            )
        except ValidationError as error:
            add_service_errors(upload, error)
        else:
            verb = "checked" if run.dry_run else "added"
            messages.success(request, f"The list is being {verb}; progress shows below.")
            return redirect("feedback_campaign", org_slug=_slug(membership), pk=campaign.pk)
    if request.method == "POST" and "pipeline" in request.POST and segment.is_valid():
        attribute, value = segment.cleaned_data["attribute"], segment.cleaned_data["value"]
        try:
            services.recipients_import_contacts(
                membership=membership,
                campaign=campaign,
                segment={attribute: value} if attribute else None,
            )
        except ValidationError as error:
            add_service_errors(segment, error)
        else:
            messages.success(request, "Pipeline contacts are being added; progress shows below.")
            return redirect("feedback_campaign", org_slug=_slug(membership), pk=campaign.pk)
    recipients = Paginator(
        campaign.recipients.select_related("contact").order_by("id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    failed = upload.errors or segment.errors
    return render(
        request,
        "feedback/campaign.html",
        {
            "campaign": campaign,
            "progress": selectors.campaign_progress(campaign),
            "recipients": recipients,
            "upload": upload,
            "segment": segment,
            "run": selectors.recipient_imports(campaign).first(),
        },
        status=400 if failed else 200,
    )


@org_view()
def recipient_import(
    request: HttpRequest, membership: Membership, pk: int, import_pk: int
) -> HttpResponse:
    """One list added to a campaign: its progress and every refused row by number."""
    campaign = selectors.campaign(membership, pk)
    run = selectors.recipient_import(membership, campaign, import_pk)
    if request.headers.get("HX-Request"):
        return render(request, "feedback/_recipient_import.html", {"run": run})
    errors = Paginator(run.errors.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/recipient_import.html",
        {"campaign": campaign, "run": run, "errors": errors},
    )


@org_view(Action.SURVEY_MANAGE)
def campaign_send(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    campaign = selectors.campaign(membership, pk)
    if request.method != "POST":
        queued = campaign.recipients.filter(status=Recipient.Status.QUEUED).count()
        return render(
            request,
            "feedback/confirm.html",
            {
                "title": f"Send “{campaign.name}”?",
                "text": f"{queued} people get the survey by email now, and one reminder later "
                "if they have not answered.",
                "button": "Send now",
            },
        )
    try:
        services.campaign_send(membership=membership, campaign=campaign)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Sending has started; progress shows here.")
    return redirect("feedback_campaign", org_slug=_slug(membership), pk=campaign.pk)


# -- responses --------------------------------------------------------------------------


@org_view()
def responses(request: HttpRequest, membership: Membership) -> HttpResponse:
    queryset = selectors.responses(membership)
    kind = request.GET.get("category", "")
    if kind in Response.Category.values:
        queryset = queryset.filter(category=kind)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        queryset = queryset.filter(
            Q(better__icontains=query) | Q(well__icontains=query) | Q(email__icontains=query)
        )
    page = keyset_page(
        queryset, order=selectors.RESPONSE_ORDER, cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    params = urlencode([(k, v) for k, v in (("category", kind), ("q", query)) if v])
    return render(
        request,
        "feedback/responses.html",
        {"responses": page.items, "page": page, "category": kind, "q": query, "query": params},
    )


@org_view(Action.THEME_MANAGE)
def testimonial(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    response = selectors.response(membership, pk)
    if request.method != "POST":
        return render(
            request,
            "feedback/confirm.html",
            {
                "title": "Save this quote as a testimonial?",
                "text": f"“{response.well}” — {response.name or response.email or 'a customer'}",
                "button": "Save to the content library",
            },
        )
    try:
        services.testimonial_save(membership=membership, response=response)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Saved to the content library as a testimonial.")
    return redirect("feedback_responses", org_slug=_slug(membership))


# -- follow-ups -------------------------------------------------------------------------


@org_view()
def followups(request: HttpRequest, membership: Membership) -> HttpResponse:
    queryset = selectors.followups(membership)
    status = request.GET.get("status", "active")
    if status == "active":
        queryset = queryset.exclude(status__in=FollowUp.CLOSED)
    elif status == "overdue":
        queryset = queryset.exclude(status__in=FollowUp.CLOSED).filter(due_at__lt=timezone.now())
    elif status in FollowUp.Status.values:
        queryset = queryset.filter(status=status)
    kind = request.GET.get("kind", "")
    if kind in FollowUp.Kind.values:
        queryset = queryset.filter(kind=kind)
    if request.GET.get("mine"):
        queryset = queryset.filter(Q(sales_owner=membership) | Q(marketing_owner=membership))
    page = keyset_page(
        queryset, order=selectors.FOLLOWUP_ORDER, cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    today = local_date(timezone.now(), membership.organization.time_zone)
    on_time, due = selectors.loops_closed_on_time(
        membership.organization, start=today.replace(day=1), end=today
    )
    params = urlencode(
        [
            (k, v)
            for k, v in (("status", status), ("kind", kind), ("mine", request.GET.get("mine", "")))
            if v
        ]
    )
    return render(
        request,
        "feedback/followups.html",
        {
            "followups": page.items,
            "page": page,
            "status": status,
            "kind": kind,
            "mine": bool(request.GET.get("mine")),
            "query": params,
            "on_time": on_time,
            "due": due,
            "on_time_rate": round(100 * on_time / due) if due else None,
            "now": timezone.now(),
        },
    )


@org_view()
def followup_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    followup = selectors.followup(membership, pk)
    # Two forms on the page: recording an action (its buttons send "action"),
    # or saving status, owners and a note.
    acting = request.method == "POST" and "action" in request.POST
    form = FollowUpForm(
        request.POST if request.method == "POST" and not acting else None,
        members=members(membership),
        initial={
            "status": followup.status,
            "play": followup.play,
            "outcome": followup.outcome,
            "sales_owner": followup.sales_owner,
            "marketing_owner": followup.marketing_owner,
        },
    )
    action_form = FollowUpActionForm(request.POST if acting else None, followup=followup)
    if acting and action_form.is_valid():
        try:
            services.followup_action_record(
                membership=membership,
                followup=followup,
                action=action_form.cleaned_data["action"],
                text=action_form.cleaned_data["text"],
            )
        except ValidationError as error:
            add_service_errors(action_form, error)
        else:
            messages.success(request, "Action recorded on the timeline.")
            return redirect("feedback_followup", org_slug=_slug(membership), pk=followup.pk)
    elif request.method == "POST" and not acting and form.is_valid():
        data = form.cleaned_data
        try:
            services.followup_update(
                membership=membership,
                followup=followup,
                status=data["status"],
                play=data["play"] or "",
                outcome=data["outcome"],
                note=data["note"],
                sales_owner_id=data["sales_owner"].pk if data["sales_owner"] else None,
                marketing_owner_id=data["marketing_owner"].pk if data["marketing_owner"] else None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Follow-up saved.")
            return redirect("feedback_followup", org_slug=_slug(membership), pk=followup.pk)
    return render(
        request,
        "feedback/followup.html",
        {
            "followup": followup,
            "form": form,
            "action_form": action_form,
            "timeline": selectors.followup_timeline(followup),
            "now": timezone.now(),
        },
        status=400 if form.errors or action_form.errors else 200,
    )


# -- themes ---------------------------------------------------------------------------


@org_view()
def themes(request: HttpRequest, membership: Membership) -> HttpResponse:
    if request.method == "POST":
        from accord.feedback.themes import themes_refresh_request

        themes_refresh_request(membership=membership)
        messages.success(request, "Themes are being updated by the worker.")
        return redirect("feedback_themes", org_slug=_slug(membership))
    return render(
        request,
        "feedback/themes.html",
        {"summaries": selectors.theme_summaries(membership)},
    )


@org_view()
def theme_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    theme = selectors.theme(membership, pk)
    if theme.merged_into_id:
        return redirect("feedback_theme", org_slug=_slug(membership), pk=theme.merged_into_id)
    others = selectors.themes_to_merge_into(membership, theme)
    form = ThemeForm(
        request.POST if "save" in request.POST else None,
        initial={"name": theme.name, "backlog": theme.backlog},
    )
    merge = ThemeMergeForm(request.POST if "merge" in request.POST else None, themes=others)
    if request.method == "POST" and "save" in request.POST and form.is_valid():
        try:
            services.theme_update(
                membership=membership,
                theme=theme,
                name=form.cleaned_data["name"],
                backlog=form.cleaned_data["backlog"] or "",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Theme saved.")
            return redirect("feedback_theme", org_slug=_slug(membership), pk=theme.pk)
    if request.method == "POST" and "merge" in request.POST and merge.is_valid():
        try:
            into = services.theme_merge(
                membership=membership, theme=theme, into=merge.cleaned_data["into"]
            )
        except ValidationError as error:
            add_service_errors(merge, error)
        else:
            messages.success(request, f"Merged into “{into.name}”.")
            return redirect("feedback_theme", org_slug=_slug(membership), pk=into.pk)
    summary = next(
        (s for s in selectors.theme_summaries(membership) if s.theme.pk == theme.pk), None
    )
    return render(
        request,
        "feedback/theme.html",
        {
            "theme": theme,
            "summary": summary,
            "quotes": selectors.theme_quotes(theme, limit=8),
            "trend": selectors.theme_trend(theme),
            "form": form,
            "merge": merge,
        },
        status=400 if form.errors or merge.errors else 200,
    )


# -- import and settings ------------------------------------------------------------------


@org_view(Action.SURVEY_MANAGE)
def import_responses(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Upload an export; a preview (the default) shows what would be stored and
    keeps the file until the user confirms it, which imports that file. On the
    preview the user can read the file's columns another way (one column per
    field, optionally saved as a named mapping) and preview again; nothing is
    written until they confirm. A file never confirmed is deleted after
    ``IMPORT_PREVIEW_LIFETIME`` (the worker's sweep)."""
    mappings = selectors.response_mappings(membership)
    token_posted = request.method == "POST" and "token" in request.POST
    remapping = token_posted and request.POST.get("action") == "remap"
    confirming = token_posted and not remapping
    form = ImportForm(
        None if token_posted else request.POST or None,
        None if token_posted else request.FILES or None,
        mappings=mappings,
    )
    confirm_form = ImportConfirmForm(request.POST if confirming else None)
    columns_form: ResponseColumnsForm | None = None
    preview = _Preview()
    if confirming and confirm_form.is_valid():
        path = _preview_path(membership, confirm_form.cleaned_data["token"])
        if not path.exists():
            messages.error(
                request, "The previewed file is gone (imported already?); upload it again."
            )
            return redirect("feedback_import", org_slug=_slug(membership))
        try:
            preview.result = services.responses_import(
                membership=membership,
                data=path.read_bytes(),
                fmt=confirm_form.cleaned_data["format"],
                columns=confirm_form.cleaned_data["columns"],
                mapping_name=confirm_form.cleaned_data["mapping_name"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            path.unlink(missing_ok=True)
            if _imported(request, preview.result):
                return redirect("feedback_responses", org_slug=_slug(membership))
    elif remapping:
        token = request.POST.get("token", "")
        kept = _preview_path(membership, token) if re.fullmatch(r"[0-9a-f]{32}", token) else None
        if kept is None or not kept.exists():
            messages.error(request, "The previewed file is gone; upload it again.")
            return redirect("feedback_import", org_slug=_slug(membership))
        data = kept.read_bytes()
        columns_form = ResponseColumnsForm(request.POST, headers=file_header(data))
        if columns_form.is_valid():
            columns = columns_form.columns()
            name = columns_form.cleaned_data["save_as"]
            try:
                if name:
                    name = services.response_mapping_save(
                        membership=membership, name=name, columns=columns
                    ).name
                preview.result = services.responses_import(
                    membership=membership,
                    data=data,
                    fmt="generic",
                    dry_run=True,
                    columns=columns,
                    mapping_name=name,
                )
            except ValidationError as error:
                add_service_errors(columns_form, error)
            else:
                if name:
                    messages.success(
                        request, f"Mapping '{name}' saved; choose it for the next file like this."
                    )
                preview.dry_run, preview.token, preview.fmt = True, token, "generic"
                preview.columns = columns
    elif request.method == "POST" and form.is_valid():
        dry_run = form.cleaned_data["dry_run"]
        data = form.data_bytes()
        columns, name = None, ""
        if form.cleaned_data["mapping"]:
            mapping = selectors.response_mapping(membership, int(form.cleaned_data["mapping"]))
            columns, name = mapping.columns, mapping.name
        try:
            preview.result = services.responses_import(
                membership=membership,
                data=data,
                fmt=form.cleaned_data["format"],
                dry_run=dry_run,
                columns=columns,
                mapping_name=name,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done = preview.result
            if dry_run and done.reading.file_columns:
                # Kept for the confirmation, or to be read with other columns.
                preview.dry_run, preview.fmt, preview.columns = True, done.reading.format, columns
                preview.token = uuid.uuid4().hex
                kept = _preview_path(membership, preview.token)
                kept.parent.mkdir(parents=True, exist_ok=True)
                kept.write_bytes(data)
            if done.errors and not done.added and not done.already:
                form.add_error("file", f"{len(done.errors)} rows refused; nothing was imported.")
            elif not dry_run and _imported(request, done):
                return redirect("feedback_responses", org_slug=_slug(membership))
    result = preview.result
    if result is not None and preview.token:
        if result.added:
            confirm_form = ImportConfirmForm(
                initial={
                    "token": preview.token,
                    "format": preview.fmt or "auto",
                    "columns": preview.columns,
                    "mapping_name": result.reading.mapping,
                }
            )
        if columns_form is None:
            columns_form = ResponseColumnsForm(
                headers=result.reading.file_columns,
                initial={"token": preview.token}
                | {f"col_{k}": v for k, v in result.reading.mapped.items()},
            )
    shown = result is not None and preview.dry_run
    return render(
        request,
        "feedback/import.html",
        {
            "form": form,
            "result": result,
            "dry_run": preview.dry_run,
            "confirm_form": confirm_form if shown and result and result.added else None,
            "columns_form": columns_form,
            "mappings": mappings,
            "format_label": services.RESPONSE_FORMAT_LABELS.get(result.reading.format, "")
            if result
            else "",
            "column_mapping": [
                (services.RESPONSE_FIELD_LABELS.get(key, key), column)
                for key, column in result.reading.columns.items()
            ]
            if result
            else [],
            "preview_columns": list(result.preview[0]) if result and result.preview else [],
            "preview_rows": [list(row.values()) for row in result.preview] if result else [],
            "bad_rows": sorted([*result.refused, *[(r, "", m) for r, m in result.skipped]])
            if result
            else [],
        },
        status=_status(form) if columns_form is None else max(_status(form), _status(columns_form)),
    )


@dataclass
class _Preview:
    """What the import page shows: the import's (or preview's) result, and for
    a preview the token its file is kept under and how it was read."""

    result: services.ImportResult | None = None
    dry_run: bool = False
    token: str = ""
    fmt: str = ""
    columns: dict[str, str] | None = None


def _imported(request: HttpRequest, result: services.ImportResult) -> bool:
    """Tell what an import wrote; True when every row went in (the page can
    move on), False when refused rows are listed below for fixing."""
    if result.errors:
        messages.warning(
            request,
            f"Imported {result.added} responses; {result.already} were already "
            f"here; {len(result.errors)} rows refused (listed below): fix them and "
            "import the file again (what is in is not added twice).",
        )
        return False
    messages.success(
        request, f"Imported {result.added} responses; {result.already} were already here."
    )
    return True


def _preview_path(membership: Membership, token: str) -> Path:
    """Where a previewed upload waits for its confirmation (per organisation);
    ``accord.pipeline.services.import_previews_expire`` deletes it when never
    confirmed."""
    return (
        Path(settings.VAR_DIR)
        / "imports"
        / str(membership.organization_id)
        / f"responses-{token}.csv"
    )


@org_view(Action.SURVEY_MANAGE)
def feedback_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    current = services.feedback_settings(membership.organization)
    form = FeedbackSettingsForm(
        request.POST or None,
        members=members(membership),
        initial={
            "contact_interval_days": current.contact_interval_days,
            "link_lifetime_days": current.link_lifetime_days,
            "reminder_after_days": current.reminder_after_days,
            "marketing_partner": current.marketing_partner,
            "nurture_passives": current.nurture_passives,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.feedback_settings_update(
                membership=membership,
                contact_interval_days=data["contact_interval_days"],
                link_lifetime_days=data["link_lifetime_days"],
                reminder_after_days=data["reminder_after_days"],
                marketing_partner_id=data["marketing_partner"].pk
                if data["marketing_partner"]
                else None,
                nurture_passives=data["nurture_passives"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Feedback settings saved.")
            return redirect("feedback_settings", org_slug=_slug(membership))
    return render(request, "feedback/settings.html", {"form": form}, status=_status(form))
