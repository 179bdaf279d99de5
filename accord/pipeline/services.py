"""Writes for the pipeline: the hand-off agreement, lead decisions and touches,
SLA bookkeeping and breaches, import runs, saved mappings.

Every service that acts for a member takes that ``membership`` and checks the
permission matrix itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from accord.chat.services import chat_notify
from accord.lib.business_time import business_hours_between
from accord.lib.claimed_time import claimed_time_check
from accord.lib.local_time import local_date, month_spans
from accord.lib.numbers import count, percent
from accord.mail.services import email_enqueue
from accord.orgs.models import Membership, Organization, Role, Side
from accord.orgs.permissions import Action, require
from accord.orgs.selectors import side_acting
from accord.orgs.services import audit_record
from accord.pipeline import rollups
from accord.pipeline.models import (
    AgreementStatus,
    BreachKind,
    ColumnMapping,
    HandoffAgreement,
    ImportFormat,
    ImportKind,
    ImportRun,
    ImportStatus,
    Lead,
    RejectionReason,
    SlaBreach,
    Stage,
    StageMapping,
)
from accord.pipeline.selectors import agreement_active, calendar_for

# -- the hand-off agreement -------------------------------------------------


@transaction.atomic
def agreement_propose(
    *,
    membership: Membership,
    mql_definition: str,
    monthly_mql_commitment: int,
    first_touch_hours: int,
    decision_days: int,
    day_start: time = time(9, 0),
    day_end: time = time(17, 0),
    holidays: Iterable[date] = (),
) -> HandoffAgreement:
    """Propose a new version; it is active only once both sides agree.

    Holidays belong to the organisation's business calendar (its country's and
    its own, see ``orgs.services.organization_update``); ``holidays`` given
    here are added to the organisation's own days off, for callers of the
    agreement API from before that move.
    """
    require(membership, Action.AGREEMENT_PROPOSE)
    errors: dict[str, str] = {}
    if not mql_definition.strip():
        errors["mql_definition"] = "Say what makes a lead an MQL."
    if monthly_mql_commitment < 1:
        errors["monthly_mql_commitment"] = "Commit to at least one MQL a month."
    if not 1 <= first_touch_hours <= 400:
        errors["first_touch_hours"] = "Between 1 and 400 business hours."
    if not 1 <= decision_days <= 60:
        errors["decision_days"] = "Between 1 and 60 business days."
    if day_end <= day_start:
        errors["day_end"] = "The business day must end after it starts."
    if errors:
        raise ValidationError(errors)
    organization = membership.organization
    last = (
        HandoffAgreement.objects.select_for_update()
        .filter(organization=organization)
        .order_by("-version")
        .first()
    )
    # A newer proposal replaces a pending one: only one awaits agreement.
    HandoffAgreement.objects.filter(
        organization=organization, status=AgreementStatus.PROPOSED
    ).update(status=AgreementStatus.SUPERSEDED)
    agreement = HandoffAgreement.objects.create(
        organization=organization,
        version=(last.version + 1) if last else 1,
        mql_definition=mql_definition.strip(),
        monthly_mql_commitment=monthly_mql_commitment,
        first_touch_hours=first_touch_hours,
        decision_days=decision_days,
        day_start=day_start,
        day_end=day_end,
        proposed_by=membership,
    )
    extra = {d.isoformat() for d in holidays} - set(organization.holidays)
    if extra:
        organization.holidays = sorted({*organization.holidays, *extra})
        organization.save(update_fields=["holidays"])
    audit_record(
        organization=organization,
        actor=membership.user,
        action="agreement.propose",
        obj=agreement,
        changes={
            "monthly_mql_commitment": monthly_mql_commitment,
            "first_touch_hours": first_touch_hours,
            "decision_days": decision_days,
        },
    )
    return agreement


@transaction.atomic
def agreement_agree(
    *,
    membership: Membership,
    agreement: HandoffAgreement,
    side: str | None = None,
    comment: str = "",
) -> HandoffAgreement:
    """Record one side's agreement; with both, the version becomes active."""
    require(membership, Action.AGREEMENT_AGREE)
    agreement = HandoffAgreement.objects.select_for_update().get(
        pk=agreement.pk, organization=membership.organization
    )
    if agreement.status != AgreementStatus.PROPOSED:
        raise ValidationError({"agreement": "Only a proposed version can be agreed to."})
    own = side_acting(membership, side)
    now = timezone.now()
    if own == Side.SALES:
        agreement.sales_agreed_by, agreement.sales_agreed_at = membership, now
        agreement.sales_comment = comment[:500]
    else:
        agreement.marketing_agreed_by, agreement.marketing_agreed_at = membership, now
        agreement.marketing_comment = comment[:500]
    activated = agreement.sales_agreed_at is not None and agreement.marketing_agreed_at is not None
    if activated:
        HandoffAgreement.objects.filter(
            organization=agreement.organization, status=AgreementStatus.ACTIVE
        ).update(status=AgreementStatus.SUPERSEDED)
        agreement.status = AgreementStatus.ACTIVE
        agreement.activated_at = now
    agreement.save()
    audit_record(
        organization=agreement.organization,
        actor=membership.user,
        action="agreement.agree",
        obj=agreement,
        changes={"side": own, "comment": comment[:500], "active": activated},
    )
    if activated:
        from accord.jobs.services import job_enqueue
        from accord.pipeline.jobs import sla_check

        # Calendar may have changed: business hours are measured again.
        Lead.objects.filter(organization=agreement.organization).update(
            first_touch_hours=None, decision_hours=None
        )
        rollups.rollups_mark(agreement.organization_id, [rollups.ALL])
        job_enqueue(
            sla_check,
            organization_id=agreement.organization_id,
            agreement_id=agreement.pk,
        )
    return agreement


# -- lead decisions -----------------------------------------------------------


def _require_mql(lead: Lead) -> None:
    if lead.mql_at is None:
        raise ValidationError({"lead": "Only an MQL can be accepted or rejected."})


def _claimed(lead: Lead, at: datetime | None, field: str) -> datetime:
    """When something happened to ``lead``, as claimed (now when None): no
    earlier than it became an MQL (or a lead), no later than now."""
    if lead.mql_at is not None:
        return claimed_time_check(
            at, field=field, earliest=lead.mql_at, earliest_what="the lead became an MQL"
        )
    return claimed_time_check(
        at, field=field, earliest=lead.lead_at, earliest_what="the lead arrived"
    )


@transaction.atomic
def lead_accept(*, membership: Membership, lead: Lead, at: datetime | None = None) -> Lead:
    """Sales accepts the MQL. Deciding again changes the decision, never its first time."""
    require(membership, Action.LEAD_DECIDE)
    lead = Lead.objects.select_for_update().get(pk=lead.pk, organization=membership.organization)
    _require_mql(lead)
    lead.accepted_at = _claimed(lead, at, "at")
    lead.rejected_at = None
    lead.rejection_reason, lead.rejection_text = "", ""
    if lead.stage in (Stage.MQL, Stage.REJECTED, Stage.LEAD):
        lead.stage = Stage.ACCEPTED
    lead.decision_hours = None
    lead.save()
    audit_record(
        organization=lead.organization, actor=membership.user, action="lead.accept", obj=lead
    )
    lead_sla_refresh(organization=lead.organization, lead_ids=[lead.pk])
    return lead


@transaction.atomic
def lead_reject(
    *,
    membership: Membership,
    lead: Lead,
    reason: str,
    text: str = "",
    at: datetime | None = None,
) -> Lead:
    """Sales rejects the MQL with a reason from the catalogue ("other" needs text)."""
    require(membership, Action.LEAD_DECIDE)
    if reason not in RejectionReason.values:
        raise ValidationError({"reason": f"Choose one of: {', '.join(RejectionReason.values)}."})
    if reason == RejectionReason.OTHER and not text.strip():
        raise ValidationError({"text": "Say why, when the reason is 'other'."})
    lead = Lead.objects.select_for_update().get(pk=lead.pk, organization=membership.organization)
    _require_mql(lead)
    lead.rejected_at = _claimed(lead, at, "at")
    lead.accepted_at = None
    lead.rejection_reason, lead.rejection_text = reason, text.strip()[:500]
    lead.stage = Stage.REJECTED
    lead.decision_hours = None
    lead.save()
    audit_record(
        organization=lead.organization,
        actor=membership.user,
        action="lead.reject",
        obj=lead,
        changes={"reason": reason, "text": lead.rejection_text},
    )
    lead_sla_refresh(organization=lead.organization, lead_ids=[lead.pk])
    return lead


BULK_MAX = 200


@transaction.atomic
def lead_bulk_decide(
    *,
    membership: Membership,
    lead_ids: list[int],
    action: str,
    reason: str = "",
    text: str = "",
) -> list[Lead]:
    """Accept, or reject with one reason, several leads of the member's organisation.

    All or nothing: an id that is not a lead of this organisation, a lead
    that is no MQL, or a reject without a reason changes no lead at all.
    """
    require(membership, Action.LEAD_DECIDE)
    if action not in ("accept", "reject"):
        raise ValidationError({"action": "Choose accept or reject."})
    wanted = sorted(set(lead_ids))
    if not wanted:
        raise ValidationError({"leads": "Select at least one lead."})
    if len(wanted) > BULK_MAX:
        raise ValidationError({"leads": f"Select at most {BULK_MAX} leads at once."})
    if action == "reject" and not reason:
        raise ValidationError({"reason": "Choose a reason to reject the selected leads."})
    leads = list(
        Lead.objects.select_for_update()
        .filter(organization=membership.organization, pk__in=wanted)
        .order_by("pk")
    )
    missing = sorted(set(wanted) - {lead.pk for lead in leads})
    if missing:
        # The same answer for "no such lead" and "another organisation's".
        message = f"No lead {', '.join(map(str, missing[:10]))} here; nothing was decided."
        raise ValidationError({"leads": ValidationError(message, code="not_found")})
    decided = []
    for lead in leads:
        if action == "accept":
            decided.append(lead_accept(membership=membership, lead=lead))
        else:
            decided.append(lead_reject(membership=membership, lead=lead, reason=reason, text=text))
    return decided


@transaction.atomic
def lead_touch(*, membership: Membership, lead: Lead, at: datetime | None = None) -> Lead:
    """Log the first touch (call, email) of a lead; a later touch changes nothing."""
    require(membership, Action.LEAD_DECIDE)
    lead = Lead.objects.select_for_update().get(pk=lead.pk, organization=membership.organization)
    if lead.first_touch_at is None:
        lead.first_touch_at = _claimed(lead, at, "at")
        lead.save(update_fields=["first_touch_at"])
        # The time is the member's word: the audit keeps what was claimed, by whom.
        audit_record(
            organization=lead.organization,
            actor=membership.user,
            action="lead.touch",
            obj=lead,
            changes={
                "first_touch_at": lead.first_touch_at.isoformat(),
                "time_given": at is not None,
                "claimed_by": membership.user.email,
            },
        )
        lead_sla_refresh(organization=lead.organization, lead_ids=[lead.pk])
    return lead


# -- SLA bookkeeping ----------------------------------------------------------


def lead_sla_refresh(
    *, organization: Organization, lead_ids: list[int] | None = None, batch: int = 5000
) -> int:
    """Measure, in business hours, MQL → first touch and MQL → decision where missing.

    Reads in keyset pages and writes with the database's executemany, so it
    runs in flat memory over any number of leads. Returns how many it measured.
    """
    calendar = calendar_for(organization)
    base = Lead.objects.filter(organization=organization, mql_at__isnull=False).filter(
        first_touch_hours__isnull=True, first_touch_at__isnull=False
    ) | Lead.objects.filter(
        organization=organization, mql_at__isnull=False, decision_hours__isnull=True
    ).exclude(accepted_at__isnull=True, rejected_at__isnull=True)
    if lead_ids is not None:
        base = base.filter(pk__in=lead_ids)
    done = 0
    last_id = 0
    table = Lead._meta.db_table
    while True:
        rows = list(
            base.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list(
                "pk", "mql_at", "first_touch_at", "accepted_at", "rejected_at", "mql_month"
            )[:batch]
        )
        if not rows:
            return done
        updates = []
        for pk, mql_at, touched, accepted, rejected, _ in rows:
            assert mql_at is not None  # filtered above
            decided = accepted or rejected
            updates.append(
                (
                    business_hours_between(calendar, mql_at, touched) if touched else None,
                    business_hours_between(calendar, mql_at, decided) if decided else None,
                    pk,
                )
            )
        with transaction.atomic(), connection.cursor() as cursor:
            rollups.rollups_mark(organization.pk, {row[5] for row in rows})
            cursor.executemany(
                f"UPDATE {table} SET first_touch_hours = %s, "  # noqa: S608 (our table name)
                "decision_hours = %s WHERE id = %s",
                updates,
            )
        done += len(rows)
        last_id = rows[-1][0]


def lead_months_refile(*, organization: Organization) -> int:
    """File every MQL under the cohort month (``mql_month``) its ``mql_at`` is
    in, in the organisation's current time zone, and measure the business
    hours to first touch and to decision again on the calendar of that zone;
    returns how many leads changed month.

    The months: one UPDATE per month of the organisation's history over the
    ``(organization, mql_at)`` index, touching only the leads filed
    elsewhere, with every month's rollup marked stale in the same
    transaction (``update()`` sends no signals). The hours: cleared and
    measured again by ``lead_sla_refresh`` in its own batches, the same as
    when an agreement takes effect. Running it twice gives the same rows: a
    second run moves nothing and measures the same hours again.
    """
    with transaction.atomic():
        leads = Lead.objects.filter(organization=organization, mql_at__isnull=False)
        span = leads.aggregate(first=Min("mql_at"), last=Max("mql_at"))
        moved = 0
        if span["first"] is not None:
            for month, start, end in month_spans(
                span["first"], span["last"], organization.time_zone
            ):
                key = month.strftime("%Y-%m")
                moved += (
                    leads.filter(mql_at__gte=start, mql_at__lt=end)
                    .exclude(mql_month=key)
                    .update(mql_month=key)
                )
        # The business calendar's days begin at the zone's midnight: the
        # hours measured on the old zone's calendar are wrong now.
        leads.update(first_touch_hours=None, decision_hours=None)
        rollups.rollups_mark(organization.pk, [rollups.ALL])
    lead_sla_refresh(organization=organization)
    return moved


def _alert_recipients(organization: Organization, owner: Membership | None) -> list[str]:
    leads = Membership.objects.filter(
        organization=organization, role=Role.SALES_LEAD
    ).select_related("user")
    emails = {m.user.email for m in leads}
    if owner is not None:
        emails.add(owner.user.email)
    if not emails:
        emails = {
            m.user.email
            for m in Membership.objects.filter(
                organization=organization, role=Role.OWNER
            ).select_related("user")
        }
    return sorted(emails)


@transaction.atomic
def sla_breaches_detect(
    *, organization: Organization, now: datetime | None = None
) -> list[SlaBreach]:
    """Record each MQL that just missed first touch or decision time; alert by email.

    Each lead breaches each rule once (a database constraint); the alert is
    enqueued in the same transaction, once per breach and recipient.
    """
    from accord.lib.business_time import add_business_days, add_business_hours

    agreement = agreement_active(organization)
    if agreement is None:
        return []
    now = now or timezone.now()
    calendar = calendar_for(organization)
    # Only MQLs since the agreement took effect are held to it.
    since = agreement.activated_at or agreement.created_at
    already = SlaBreach.objects.filter(organization=organization)
    open_mqls = (
        Lead.objects.filter(organization=organization, mql_at__gte=since)
        .select_related("owner__user")
        .order_by("mql_at")
    )
    created: list[SlaBreach] = []

    def touch_due(lead: Lead) -> datetime:
        assert lead.mql_at is not None
        return add_business_hours(calendar, lead.mql_at, agreement.first_touch_hours)

    def decision_due(lead: Lead) -> datetime:
        assert lead.mql_at is not None
        return add_business_days(calendar, lead.mql_at, agreement.decision_days)

    rules: list[tuple[str, QuerySet[Lead], Callable[[Lead], datetime]]] = [
        (BreachKind.FIRST_TOUCH, open_mqls.filter(first_touch_at__isnull=True), touch_due),
        (
            BreachKind.DECISION,
            open_mqls.filter(accepted_at__isnull=True, rejected_at__isnull=True),
            decision_due,
        ),
    ]
    for kind, candidates, due_of in rules:
        breached = already.filter(kind=kind).values("lead_id")
        for lead in candidates.exclude(pk__in=breached).iterator(chunk_size=2000):
            due = due_of(lead)
            if due > now:
                continue
            breach = SlaBreach.objects.create(
                organization=organization, lead=lead, kind=kind, due_at=due, owner=lead.owner
            )
            created.append(breach)
            for email in _alert_recipients(organization, lead.owner):
                email_enqueue(
                    to=[email],
                    subject=f"Lead SLA breach: {lead} — {breach.get_kind_display().lower()}",
                    text=(
                        f"{lead} ({lead.company or 'no company'}) became an MQL on "
                        f"{lead.mql_at:%Y-%m-%d %H:%M} UTC and was due by "
                        f"{due:%Y-%m-%d %H:%M %Z}: {breach.get_kind_display().lower()}.\n\n"
                        f"Agreement v{agreement.version}: first touch within "
                        f"{agreement.first_touch_hours} business hours, accept or reject "
                        f"within {agreement.decision_days} business days.\n"
                    ),
                    organization_id=organization.pk,
                    key=f"sla-breach:{breach.pk}:{email}",
                )
    if created:
        _chat_breaches(organization, created)
    return created


def _chat_breaches(organization: Organization, breaches: list[SlaBreach]) -> None:
    """One chat message per detection run (not one per lead): a backlog would flood it."""
    from django.conf import settings
    from django.urls import reverse

    shown = breaches[:10]
    more = len(breaches) - len(shown)
    chat_notify(
        organization=organization,
        event="sla_breach",
        title=(
            f"Lead SLA breach: {breaches[0].lead}"
            if len(breaches) == 1
            else f"{len(breaches)} lead SLA breaches"
        ),
        text=f"…and {more} more." if more else "",
        url=settings.SITE_URL
        + reverse("pipeline_compliance", kwargs={"org_slug": organization.slug}),
        fields=[
            (str(b.lead), f"{b.get_kind_display()}, due {b.due_at:%Y-%m-%d %H:%M} UTC")
            for b in shown
        ],
    )


# -- imports and mappings ---------------------------------------


@transaction.atomic
def column_mapping_save(
    *, membership: Membership, name: str, kind: str, columns: dict[str, str]
) -> ColumnMapping:
    """Save (or replace) a named column mapping for generic CSV imports of
    ``kind`` (a pipeline kind, or ``responses``). Refused (ValidationError)
    as ``mappings.mapping_columns_clean`` says, and when the name is taken by
    a mapping of another kind (replacing it would break its imports)."""
    from accord.pipeline.mappings import mapping_columns_clean, mapping_fields

    require(membership, mapping_fields(kind).action)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the mapping a name."})
    columns = mapping_columns_clean(kind, columns)
    other = (
        ColumnMapping.objects.filter(organization=membership.organization, name=name)
        .exclude(kind=kind)
        .first()
    )
    if other is not None:
        raise ValidationError(
            {
                "name": f"'{name}' is the name of a mapping of {other.get_kind_display().lower()}; "
                "choose another name."
            }
        )
    mapping, _ = ColumnMapping.objects.update_or_create(
        organization=membership.organization,
        name=name,
        defaults={"kind": kind, "columns": columns},
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="mapping.save",
        obj=mapping,
        changes={"kind": kind, "columns": columns},
    )
    return mapping


@transaction.atomic
def import_run_create(
    *,
    membership: Membership,
    kind: str,
    format: str,
    filename: str,
    stored_path: str,
    file_size: int,
    mapping: ColumnMapping | None = None,
    dry_run: bool = False,
    day_first: bool = False,
    sheet: str = "",
    enqueue: bool = True,
) -> ImportRun:
    """Record an import and, unless ``enqueue`` is False (the CLI runs it itself),
    queue the background job that runs it.

    ``format`` ``auto`` is recognised from the header of the file at
    ``stored_path`` (generic when a mapping is given); a header that reads as
    neither HubSpot nor Salesforce is refused, naming what to choose."""
    from accord.pipeline.import_parsing import (
        AUTO,
        MAX_IMPORT_BYTES,
        ImportFileError,
        detect_format,
    )
    from accord.pipeline.importer import preview_header

    require(membership, Action.PIPELINE_IMPORT)
    if kind not in ImportKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(ImportKind.values)}."})
    # A saved mapping names the columns: the file is generic, nothing to recognise.
    if format == AUTO and mapping is not None:
        format = ImportFormat.GENERIC
    recognised = format == AUTO
    if recognised:
        try:
            with open(stored_path, "rb") as raw:
                format = detect_format(preview_header(raw, sheet=sheet or None), kind)
        except (OSError, ImportFileError) as error:
            raise ValidationError({"format": str(error)}) from None
    if format not in ImportFormat.values:
        raise ValidationError(
            {"format": f"Choose one of: {', '.join([*ImportFormat.values, AUTO])}."}
        )
    if format == ImportFormat.GENERIC and mapping is None:
        raise ValidationError({"mapping": "A generic CSV needs a column mapping."})
    if mapping is not None and mapping.kind != kind:
        raise ValidationError({"mapping": f"'{mapping.name}' maps {mapping.kind}, not {kind}."})
    if file_size > MAX_IMPORT_BYTES:
        raise ValidationError(
            {
                "file": f"The file is {file_size / 2**30:.1f} GB; at most "
                f"{MAX_IMPORT_BYTES // 2**20} MB can be imported at once. Split it."
            }
        )
    run = ImportRun.objects.create(
        organization=membership.organization,
        kind=kind,
        format=format,
        mapping=mapping,
        filename=filename[:255],
        stored_path=stored_path,
        file_size=file_size,
        dry_run=dry_run,
        day_first=day_first,
        sheet=sheet[:100],
        started_by=membership,
        format_recognised=recognised,
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="import.start",
        obj=run,
        changes={"kind": kind, "format": format, "dry_run": dry_run},
    )
    if enqueue:
        from accord.jobs.services import job_enqueue
        from accord.pipeline.jobs import import_run_job

        job_enqueue(import_run_job, organization_id=run.organization_id, run_id=run.pk)
    return run


@transaction.atomic
def import_run_confirm(
    *,
    membership: Membership,
    run: ImportRun,
    mapping: ColumnMapping | None = None,
    dry_run: bool = False,
) -> ImportRun:
    """Import the file a dry run previewed, as it was previewed; or, with
    another ``mapping`` and ``dry_run``, preview it again with that mapping.
    Queues the new run; refused (ValidationError) when ``run`` is not a
    finished dry run of the organisation's, was confirmed already, or its file
    is gone."""
    require(membership, Action.PIPELINE_IMPORT)
    run = ImportRun.objects.select_for_update().get(organization=membership.organization, pk=run.pk)
    if not run.dry_run or run.status != ImportStatus.DONE:
        raise ValidationError({"run": "Only a finished dry run can be confirmed."})
    if run.confirmed_as_id is not None:
        raise ValidationError(
            {"run": f"This preview was confirmed already (import #{run.confirmed_as_id})."}
        )
    if not run.stored_path or not os.path.isfile(run.stored_path):
        raise ValidationError({"run": "The previewed file is gone; upload it again."})
    if mapping is not None and mapping.organization_id != membership.organization_id:
        raise ValidationError({"mapping": "No such mapping."})
    if mapping is not None and mapping.kind != run.kind:
        raise ValidationError({"mapping": f"'{mapping.name}' maps {mapping.kind}, not {run.kind}."})
    chosen = mapping or run.mapping
    confirmed = import_run_create(
        membership=membership,
        kind=run.kind,
        format=ImportFormat.GENERIC if mapping is not None else run.format,
        filename=run.filename,
        stored_path=run.stored_path,
        file_size=run.file_size,
        mapping=chosen,
        dry_run=dry_run,
        day_first=run.day_first,
        sheet=run.sheet,
    )
    if not dry_run:
        run.confirmed_as = confirmed
        run.save(update_fields=["confirmed_as"])
    return confirmed


# A preview never confirmed is deleted, with its file, this long after it was
# made (docs/pipeline.md, docs/feedback.md); so is any upload left in the
# imports folder that no import needs (a survey-responses preview's file).
IMPORT_PREVIEW_LIFETIME = timedelta(hours=24)


def import_previews_expire(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete the previews (finished or failed dry runs, never confirmed) made
    more than ``IMPORT_PREVIEW_LIFETIME`` ago, and the files under
    ``VAR_DIR/imports`` that are that old and that no remaining import run
    reads. Returns (runs deleted, files deleted). A file outside the imports
    folder (the command line's dry run reads the user's own file) is never
    touched. Safe to run twice and from several workers at once."""
    from pathlib import Path

    from django.conf import settings

    now = now or timezone.now()
    cutoff = now - IMPORT_PREVIEW_LIFETIME
    expired = ImportRun.objects.filter(
        dry_run=True,
        status__in=[ImportStatus.DONE, ImportStatus.FAILED],
        confirmed_as__isnull=True,
        created_at__lt=cutoff,
    )
    runs = 0
    # In slices: a row lock per run, never the whole table at once.
    while ids := list(expired.order_by("pk").values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            runs += ImportRun.objects.filter(pk__in=ids).delete()[1].get(ImportRun._meta.label, 0)
    folder = Path(settings.VAR_DIR) / "imports"
    if not folder.is_dir():
        return runs, 0
    files = 0
    for path in folder.glob("*/*"):
        try:
            old = path.is_file() and path.stat().st_mtime < cutoff.timestamp()
        except OSError:
            continue  # deleted by another worker meanwhile
        if old and not ImportRun.objects.filter(stored_path=str(path)).exists():
            path.unlink(missing_ok=True)
            files += 1
    return runs, files


@transaction.atomic
def stage_mapping_save(*, membership: Membership, stages: dict[str, str]) -> list[StageMapping]:
    """Save what each of the organisation's own lifecycle stages (label -> Accord
    stage) means; an empty stage forgets the label. Every import after reads its
    stages through this mapping. Refused whole, naming the label, when a stage is
    not one of Accord's or a label is one Accord already knows."""
    from accord.pipeline.import_parsing import STAGES, stage_key

    require(membership, Action.PIPELINE_IMPORT)
    errors: list[str] = []
    cleaned: dict[str, tuple[str, str]] = {}
    for label, stage in stages.items():
        shown = " ".join(label.split())
        key = stage_key(label)
        if not key:
            errors.append("A stage label is empty.")
        elif len(shown) > 200:
            errors.append(f"'{shown[:40]}…' is longer than 200 characters.")
        elif key in STAGES:
            errors.append(f"'{shown}' is one of Accord's own stages; it needs no mapping.")
        elif stage and stage not in Stage.values:
            errors.append(f"'{shown}': '{stage}' is not one of {', '.join(Stage.values)}.")
        else:
            cleaned[key] = (shown, stage)
    if errors:
        raise ValidationError({"stages": errors})
    saved: list[StageMapping] = []
    now = timezone.now()
    for key, (label, stage) in cleaned.items():
        if not stage:
            StageMapping.objects.filter(organization=membership.organization, key=key).delete()
            continue
        mapping, _ = StageMapping.objects.update_or_create(
            organization=membership.organization,
            key=key,
            defaults={"label": label, "stage": stage, "updated_at": now},
        )
        saved.append(mapping)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="stage_mapping.save",
        obj=membership.organization,
        changes=dict(cleaned.values()),
    )
    return saved


@transaction.atomic
def import_run_map_stages(
    *, membership: Membership, run: ImportRun, stages: dict[str, str]
) -> ImportRun:
    """Map the lifecycle stages a waiting import stopped at (saved for the
    organisation, as ``stage_mapping_save``) and queue the import again. Every
    stage the run listed needs an Accord stage; nothing is guessed."""
    from accord.pipeline.import_parsing import stage_key

    require(membership, Action.PIPELINE_IMPORT)
    if run.organization_id != membership.organization_id:
        raise ValidationError({"run": "No such import."})
    if run.status != ImportStatus.WAITING:
        raise ValidationError({"run": "This import is not waiting for a stage mapping."})
    given = {stage_key(label): stage for label, stage in stages.items() if stage}
    missing = [label for label in run.unmapped_stages if stage_key(label) not in given]
    if missing:
        raise ValidationError(
            {"stages": f"Choose an Accord stage for: {', '.join(repr(m) for m in missing)}."}
        )
    stage_mapping_save(
        membership=membership,
        stages={label: given[stage_key(label)] for label in run.unmapped_stages},
    )
    run.status = ImportStatus.QUEUED
    run.unmapped_stages = []
    run.message = ""
    run.save(update_fields=["status", "unmapped_stages", "message"])
    from accord.jobs.services import job_enqueue
    from accord.pipeline.jobs import import_run_job

    job_enqueue(import_run_job, organization_id=run.organization_id, run_id=run.pk)
    return run


def stage_rank(stage: str) -> int:
    order = [Stage.LEAD, Stage.MQL, Stage.ACCEPTED, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER]
    return order.index(Stage(stage)) if stage in order else 0


def json_safe(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


@transaction.atomic
def monthly_digest_send(*, organization: Organization, today: date | None = None) -> str | None:
    """Email marketing (and the sales lead) last month's hand-off results once:
    MQLs vs the commitment, how fast sales followed up, why MQLs were rejected.

    Returns the month sent, or None when it was already sent (or no agreement).
    """
    from accord.pipeline.selectors import compliance, rejection_reasons

    agreement = agreement_active(organization)
    if agreement is None:
        return None
    agreement = HandoffAgreement.objects.select_for_update().get(pk=agreement.pk)
    # The month just ended on the organisation's calendar (cohort months are its).
    today = today or local_date(timezone.now(), organization.time_zone)
    month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    if agreement.digest_month >= month:
        return None
    first_day = date.fromisoformat(f"{month}-01")
    rows = [c for c in compliance(organization, by="month", since=first_day) if c.key == month]
    reasons = rejection_reasons(organization, since=first_day)["by_month"].get(month, {})
    lines = [f"Lead hand-off results for {month} (agreement v{agreement.version})", ""]
    if rows:
        row = rows[0]
        lines += [
            f"MQLs delivered: {count(row.mqls)} of {count(agreement.monthly_mql_commitment)} "
            f"committed ({percent(row.commitment_percent)}).",
            f"Touched within {agreement.first_touch_hours} business hours: "
            f"{percent(row.touch_compliance)}.",
            f"Accepted or rejected within {agreement.decision_days} business days: "
            f"{percent(row.decision_compliance)}.",
            f"Accepted {row.accepted}, rejected {row.rejected}.",
        ]
    else:
        lines.append("No MQLs this month.")
    if reasons:
        lines += ["", "Why sales rejected MQLs:"]
        lines += [f"- {reason}: {n}" for reason, n in sorted(reasons.items(), key=lambda r: -r[1])]
    recipients = Membership.objects.filter(
        organization=organization, role__in=[Role.MARKETING_LEAD, Role.SALES_LEAD]
    ).select_related("user")
    for member in recipients:
        email_enqueue(
            to=[member.user.email],
            subject=f"Lead hand-off results for {month}",
            text="\n".join(lines) + "\n",
            organization_id=organization.pk,
            key=f"pipeline-digest:{organization.pk}:{month}:{member.pk}",
        )
    agreement.digest_month = month
    agreement.save(update_fields=["digest_month"])
    return month
