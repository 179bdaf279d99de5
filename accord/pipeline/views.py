"""Pages of the Pipeline section: funnel, triage queue, agreement, compliance,
imports (with the column-mapping screen). The CRM sync page is
``accord.integrations``'."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accord.lib.csvfile import csv_response
from accord.lib.forms import add_service_errors
from accord.lib.keyset import keyset_page
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, require
from accord.pipeline import charts, selectors, services
from accord.pipeline.forms import (
    REASON_CHOICES,
    AgreeForm,
    AgreementForm,
    BulkDecideForm,
    FunnelFilterForm,
    ImportConfirmForm,
    ImportForm,
    MappingForm,
    MappingUploadForm,
    RejectForm,
    StageMapForm,
    TouchForm,
    TriageFilterForm,
)
from accord.pipeline.import_parsing import MAX_IMPORT_BYTES, ImportFileError
from accord.pipeline.importer import (
    column_mapping,
    error_rows,
    preview_columns,
    preview_header,
    preview_rows,
)
from accord.pipeline.models import (
    AgreementStatus,
    ImportKind,
    ImportStatus,
    Lead,
)

PAGE_SIZE = 50


def _slug(membership: Membership) -> str:
    return membership.organization.slug


# -- dashboard ------------------------------------------------------------------


@org_view()
def index(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    form = FunnelFilterForm(request.GET or None)
    by, since = None, None
    if form.is_valid():
        by = form.cleaned_data["by"] or None
        since = form.cleaned_data["since"]
    result = selectors.funnel(organization, by=by, since=since)
    has_data = result["stages"][0]["count"] > 0
    attribution = selectors.attribution(organization, start=since)
    return render(
        request,
        "pipeline/index.html",
        {
            "form": form,
            "funnel": result,
            "has_data": has_data,
            "chart": charts.funnel_chart(result["stages"]) if has_data else "",
            "agreement": selectors.agreement_active(organization),
            "attribution": attribution,
            "triage_count": selectors.triage_count(membership),
        },
        status=400 if form.errors else 200,
    )


# -- triage -----------------------------------------------------------------------


# The triage filters a decision keeps when it sends the user back to the queue.
TRIAGE_KEEP = ("sort", "mine", "source", "campaign", "q")


def _triage_query(data: Any) -> str:
    """The triage filters in ``data`` (a QueryDict), re-encoded: nothing else passes."""
    kept = QueryDict(mutable=True)
    for key in TRIAGE_KEEP:
        value = data.get(key, "")
        if value and len(value) <= 200:
            kept[key] = value
    return kept.urlencode()


@org_view()
def triage(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = TriageFilterForm(request.GET or None, organization=membership.organization)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        campaign = data["campaign"]
        filters = {
            "sort": data["sort"] or "sla",
            "mine": data["mine"],
            "source": data["source"].strip(),
            "campaign": campaign.pk if campaign else None,
            "search": data["q"].strip(),
            "cursor": data["cursor"] or None,
        }
    page = selectors.triage_page(membership, **filters)
    query = _triage_query(request.GET)
    return render(
        request,
        "pipeline/triage.html",
        {
            "form": form,
            "page": page,
            "rows": [(lead, page.clocks.get(lead.pk)) for lead in page.leads],
            "query": query,
            "keep": list(QueryDict(query).items()),
            "sources": selectors.triage_sources(membership),
            "reasons": REASON_CHOICES,
            "agreement": selectors.agreement_active(membership.organization),
            "filtered": bool(query),
        },
        status=400 if form.errors else 200,
    )


@org_view(Action.LEAD_DECIDE)
def triage_bulk(request: HttpRequest, membership: Membership) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = BulkDecideForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            decided = services.lead_bulk_decide(
                membership=membership,
                lead_ids=data["leads"],
                action=data["action"],
                reason=data["reason"],
                text=data["text"],
            )
        except ValidationError as error:
            found = getattr(error, "error_dict", {}).get("leads", [])
            if any(e.code == "not_found" for e in found):
                status = 404
            form_errors = _named(error)
        else:
            verb = "Accepted" if data["action"] == "accept" else "Rejected"
            messages.success(request, f"{verb} {len(decided)} lead{'s' * (len(decided) != 1)}.")
            return _back_to_triage(request, membership)
    else:
        form_errors = _named(ValidationError(form.errors))
    messages.error(request, f"Nothing decided: {form_errors}")
    return _back_to_triage(request, membership, status=status)


# How the triage forms label their fields, where the name would not say it.
FIELD_LABELS = {"at": "Touched at"}


def _named(errors: ValidationError | Mapping[str, Any]) -> str:
    """ "Field: message" for each error, named the way the form labels the
    field, so the user knows which input to fix."""
    if isinstance(errors, ValidationError):
        if not hasattr(errors, "error_dict"):
            return " ".join(errors.messages)
        errors = errors.message_dict
    return "; ".join(
        f"{FIELD_LABELS.get(field, field)}: {' '.join(map(str, messages))}"
        for field, messages in errors.items()
    )


def _decide(request: HttpRequest, membership: Membership, pk: int, action: str) -> HttpResponse:
    lead = selectors.lead(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    in_place = bool(request.headers.get("HX-Request"))
    try:
        if action == "accept":
            services.lead_accept(membership=membership, lead=lead)
            done = f"Accepted {lead}."
        elif action == "touch":
            touch = TouchForm(request.POST)
            if not touch.is_valid():
                raise ValidationError(_named(touch.errors))
            try:
                lead = services.lead_touch(
                    membership=membership, lead=lead, at=touch.cleaned_data["at"]
                )
            except ValidationError as error:
                if not hasattr(error, "error_dict"):
                    raise
                raise ValidationError(_named(error.message_dict)) from None
            done = f"First touch of {lead} logged."
        else:
            form = RejectForm(request.POST)
            if not form.is_valid():
                raise ValidationError(f"Not rejected: {_named(ValidationError(form.errors))}")
            lead = services.lead_reject(
                membership=membership,
                lead=lead,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
            )
            done = f"Rejected {lead}: {lead.get_rejection_reason_display()}."
    except ValidationError as error:
        message = _named(error)
        if in_place:
            # htmx swaps 2xx answers only: the row comes back with the reason.
            return _triage_row(request, membership, lead, row_error=message)
        messages.error(request, message)
        return _back_to_triage(request, membership, status=400)
    if in_place:
        if action == "touch":
            return _triage_row(request, membership, lead)
        return HttpResponse("")  # decided: the row leaves the queue
    messages.success(request, done)
    return _back_to_triage(request, membership)


def _triage_row(
    request: HttpRequest, membership: Membership, lead: Lead, row_error: str = ""
) -> HttpResponse:
    clock = selectors.sla_clocks(membership.organization, [lead], now=timezone.now()).get(lead.pk)
    return render(
        request,
        "pipeline/_triage_row.html",
        {
            "lead": lead,
            "clock": clock,
            "reasons": REASON_CHOICES,
            "row_error": row_error,
            "keep": list(QueryDict(_triage_query(request.POST)).items()),
        },
    )


def _back_to_triage(
    request: HttpRequest, membership: Membership, status: int = 302
) -> HttpResponse:
    query = _triage_query(request.POST)
    if status == 302:
        url = reverse("pipeline_triage", kwargs={"org_slug": _slug(membership)})
        return redirect(f"{url}?{query}" if query else url)
    # The queue as it was filtered, with the error above it.
    request.GET = QueryDict(query)
    response: HttpResponse = triage.__wrapped__(request, membership)  # type: ignore[attr-defined]
    response.status_code = status
    return response


@org_view(Action.LEAD_DECIDE)
def lead_accept(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    return _decide(request, membership, pk, "accept")


@org_view(Action.LEAD_DECIDE)
def lead_reject(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    return _decide(request, membership, pk, "reject")


@org_view(Action.LEAD_DECIDE)
def lead_touch(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    return _decide(request, membership, pk, "touch")


# -- agreement ----------------------------------------------------------------------


@org_view()
def agreement(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = AgreementForm(request.POST or None)
    active = selectors.agreement_active(membership.organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_propose(membership=membership, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Proposed. It takes effect when both leads agree.")
            return redirect("pipeline_agreement", org_slug=_slug(membership))
    elif active is not None and not form.is_bound:
        form = AgreementForm(
            initial={
                "mql_definition": active.mql_definition,
                "monthly_mql_commitment": active.monthly_mql_commitment,
                "first_touch_hours": active.first_touch_hours,
                "decision_days": active.decision_days,
                "day_start": active.day_start,
                "day_end": active.day_end,
            }
        )
    versions = selectors.agreements(membership)
    return render(
        request,
        "pipeline/agreement.html",
        {
            "form": form,
            "active": active,
            "proposed": versions.filter(status=AgreementStatus.PROPOSED).first(),
            "history": Paginator(versions, 50).get_page(request.GET.get("page")),
            "agree_form": AgreeForm(membership=membership),
        },
        status=400 if form.errors else 200,
    )


@org_view(Action.AGREEMENT_AGREE)
def agreement_agree(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    proposal = selectors.handoff_agreement(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = AgreeForm(request.POST, membership=membership)
    if form.is_valid():
        try:
            result = services.agreement_agree(
                membership=membership,
                agreement=proposal,
                side=form.cleaned_data["side"] or None,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if result.status == AgreementStatus.ACTIVE:
                messages.success(request, f"Both sides agreed: v{result.version} is now active.")
            else:
                messages.success(request, "Agreed. Waiting for the other side.")
    return redirect("pipeline_agreement", org_slug=_slug(membership))


# -- compliance ----------------------------------------------------------------------


@org_view()
def compliance(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    months = selectors.compliance(organization, by="month")
    people = selectors.compliance(organization, by="owner")
    marketers = selectors.compliance(organization, by="marketer")
    reasons = selectors.rejection_reasons(organization)
    # Paged by keyset, without a count: the breaches grow with the history.
    breaches = keyset_page(
        selectors.breaches(membership),
        order=selectors.BREACH_ORDER,
        cursor=request.GET.get("cursor"),
        size=PAGE_SIZE,
    )
    compliance_rows: list[dict[str, Any]] = []
    for month in months[-18:]:
        for series, value in (
            ("First touch in time (%)", month.touch_compliance),
            ("Decided in time (%)", month.decision_compliance),
            ("MQLs vs commitment (%)", month.commitment_percent),
        ):
            if value is not None:
                compliance_rows.append({"month": month.key, "series": series, "value": value})
    reason_rows = [
        {"month": month, "series": reason, "value": n}
        for month, by_reason in list(reasons["by_month"].items())[-18:]
        for reason, n in by_reason.items()
    ]
    return render(
        request,
        "pipeline/compliance.html",
        {
            "agreement": selectors.agreement_active(organization),
            "months": list(reversed(months)),
            "people": people,
            "marketers": marketers,
            "reasons": reasons,
            "compliance_chart": charts.monthly_chart(
                compliance_rows, title="Both sides of the agreement", y_title="%"
            )
            if compliance_rows
            else "",
            "reasons_chart": charts.stacked_chart(reason_rows, title="Why sales rejected MQLs")
            if reason_rows
            else "",
            "breaches": breaches.items,
            "page": breaches,
        },
    )


# -- imports ----------------------------------------------------------------------------


def _store_upload(membership: Membership, upload: UploadedFile) -> str:
    """Copy an upload to the instance's var directory; the worker reads it there."""
    folder = Path(settings.VAR_DIR) / "imports" / str(membership.organization_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.csv"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return str(path)


@org_view()
def imports(request: HttpRequest, membership: Membership) -> HttpResponse:
    # Survey-response mappings are chosen on the feedback import page.
    mappings = selectors.column_mappings(membership, kinds=ImportKind.values)
    form = ImportForm(request.POST or None, request.FILES or None, mappings=mappings)
    if request.method == "POST":
        # Checked before the upload is stored anywhere.
        require(membership, Action.PIPELINE_IMPORT)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        mapping = None
        if form.cleaned_data["mapping"]:
            mapping = selectors.column_mapping(membership, form.cleaned_data["mapping"])
        if upload.size > MAX_IMPORT_BYTES:
            form.add_error(
                "file",
                f"The file is {upload.size / 2**30:.1f} GB; at most "
                f"{MAX_IMPORT_BYTES // 2**20} MB can be imported at once. Split it.",
            )
        else:
            path = _store_upload(membership, upload)
            try:
                run = services.import_run_create(
                    membership=membership,
                    kind=form.cleaned_data["kind"],
                    format=form.cleaned_data["format"],
                    filename=upload.name or "upload.csv",
                    stored_path=path,
                    file_size=upload.size or 0,
                    mapping=mapping,
                    dry_run=form.cleaned_data["dry_run"],
                    day_first=form.cleaned_data["day_first"],
                )
            except ValidationError as error:
                os.unlink(path)
                add_service_errors(form, error)
            else:
                messages.success(request, f"Import of {run.filename} queued.")
                return redirect("pipeline_import", org_slug=_slug(membership), pk=run.pk)
    runs = keyset_page(
        selectors.import_runs(membership),
        order=selectors.IMPORT_RUN_ORDER,
        cursor=request.GET.get("cursor"),
        size=PAGE_SIZE,
    )
    return render(
        request,
        "pipeline/imports.html",
        {"form": form, "runs": runs.items, "page": runs, "mappings": mappings},
        status=400 if form.errors else 200,
    )


@org_view()
def import_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """The import's progress and refused rows; a run waiting for lifecycle stages
    to be mapped shows one choice per stage, and goes on once they are chosen."""
    run = selectors.import_run(membership, pk)
    stage_form = None
    confirm_form = None
    if run.status == ImportStatus.WAITING:
        stage_form = StageMapForm(
            request.POST or None, labels=list(run.unmapped_stages), stages={}, required=True
        )
    elif run.dry_run and run.status == ImportStatus.DONE and run.confirmed_as_id is None:
        confirm_form = ImportConfirmForm(
            request.POST or None,
            mappings=selectors.column_mappings(membership, kinds=[run.kind]),
        )
    if request.method == "POST" and confirm_form is not None:
        require(membership, Action.PIPELINE_IMPORT)
        if confirm_form.is_valid():
            chosen = confirm_form.cleaned_data["mapping"]
            mapping = selectors.column_mapping(membership, int(chosen)) if chosen else None
            try:
                confirmed = services.import_run_confirm(
                    membership=membership,
                    run=run,
                    mapping=mapping,
                    # Another mapping is previewed before anything is written.
                    dry_run=mapping is not None,
                )
            except ValidationError as error:
                add_service_errors(confirm_form, error)
            else:
                messages.success(
                    request,
                    f"Preview of {confirmed.filename} with the mapping “{mapping.name}” queued."
                    if mapping
                    else f"Import of {confirmed.filename} queued.",
                )
                return redirect("pipeline_import", org_slug=_slug(membership), pk=confirmed.pk)
    elif request.method == "POST":
        require(membership, Action.PIPELINE_IMPORT)
        if stage_form is None:
            messages.error(request, "This import is not waiting for a stage mapping.")
            return redirect("pipeline_import", org_slug=_slug(membership), pk=run.pk)
        if stage_form.is_valid():
            try:
                services.import_run_map_stages(
                    membership=membership, run=run, stages=stage_form.stages()
                )
            except ValidationError as error:
                add_service_errors(stage_form, error)
            else:
                messages.success(request, "Stages mapped; the import goes on.")
                return redirect("pipeline_import", org_slug=_slug(membership), pk=run.pk)
    errors = keyset_page(
        selectors.import_row_errors(run),
        order=selectors.ROW_ERROR_ORDER,
        cursor=request.GET.get("cursor"),
        size=PAGE_SIZE,
    )
    running = run.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    template = (
        "pipeline/import_progress.html"
        if request.headers.get("HX-Request")
        else ("pipeline/import_detail.html")
    )
    return render(
        request,
        template,
        {
            "run": run,
            "errors": errors.items,
            "page": errors,
            "running": running,
            "stage_form": stage_form,
            "confirm_form": confirm_form,
            "column_mapping": column_mapping(run),
            "preview_columns": [c.replace("_", " ") for c in preview_columns(run.kind)],
            "preview_rows": preview_rows(run),
        },
        status=400 if any(f is not None and f.errors for f in (stage_form, confirm_form)) else 200,
    )


@org_view()
def stage_mappings(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The organisation's own lifecycle stages and what each means in Accord;
    changing one applies to the imports after it."""
    saved = list(selectors.stage_mappings(membership))
    form = StageMapForm(
        request.POST or None,
        labels=[m.label for m in saved],
        stages={m.label: m.stage for m in saved},
        required=False,
    )
    if request.method == "POST":
        require(membership, Action.PIPELINE_IMPORT)
        if form.is_valid():
            try:
                services.stage_mapping_save(membership=membership, stages=form.stages())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Stage mapping saved; later imports use it.")
                return redirect("pipeline_stage_mappings", org_slug=_slug(membership))
    return render(
        request,
        "pipeline/stage_mappings.html",
        {"form": form, "saved": saved},
        status=400 if form.errors else 200,
    )


@org_view()
def import_errors(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    run = selectors.import_run(membership, pk)

    # Streamed: the file may be long.
    return csv_response(  # type: ignore[return-value]
        error_rows(run), filename=f"import-{run.pk}-refused-rows.csv"
    )


@org_view(Action.PIPELINE_IMPORT)
def mapping_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Two steps: upload a sample to read its header, then map and save."""
    headers: list[str] = []
    kind = request.POST.get("kind", "leads")
    mapping_form: MappingForm | None = None
    upload_form = MappingUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and "headers" in request.POST:
        headers = request.POST.getlist("headers")
        if kind not in ("leads", "contacts", "accounts", "opportunities"):
            kind = "leads"
        mapping_form = MappingForm(request.POST, kind=kind, headers=headers)
        if mapping_form.is_valid():
            try:
                mapping = services.column_mapping_save(
                    membership=membership,
                    name=mapping_form.cleaned_data["name"],
                    kind=kind,
                    columns=mapping_form.columns(),
                )
            except ValidationError as error:
                add_service_errors(mapping_form, error)
            else:
                messages.success(
                    request, f"Mapping '{mapping.name}' saved. Choose it when importing."
                )
                return redirect("pipeline_imports", org_slug=_slug(membership))
    elif request.method == "POST" and upload_form.is_valid():
        kind = upload_form.cleaned_data["kind"]
        try:
            headers = preview_header(upload_form.cleaned_data["file"].file)
        except ImportFileError as error:
            upload_form.add_error("file", str(error))
        else:
            mapping_form = MappingForm(kind=kind, headers=headers)
    errors = upload_form.errors if mapping_form is None else mapping_form.errors
    return render(
        request,
        "pipeline/mapping.html",
        {
            "upload_form": upload_form,
            "mapping_form": mapping_form,
            "headers": headers,
            "kind": kind,
        },
        status=400 if request.method == "POST" and errors else 200,
    )
