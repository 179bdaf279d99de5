"""The quarterly report as a PDF, and its email to the owner and both team
leads when a quarter ends.

The PDF is the page's HTML (``insights/_report_body.html``) with print
styles, rendered by WeasyPrint; charts stay vector (inline SVG). The email
carries the PDF and the health trend as PNG, drawn from the same chart
definitions (``accord.insights.charts``).

Scheduling: ``report_schedule_ensure`` queues one job per organisation for
06:00 (organisation's time zone) on the first day after the current quarter;
the job generates that quarter's report, records it (``QuarterlyReport``,
unique per organisation and quarter: a second run finds it and sends
nothing) and queues the emails in the same transaction, then queues the job
of the next quarter.
"""

from __future__ import annotations

import base64
import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accord.insights import charts
from accord.insights.health import local_today
from accord.insights.models import QuarterlyReport, ReportSchedule
from accord.insights.quarters import Quarter, quarter_of
from accord.insights.report import Report, report_build
from accord.jobs.registry import job
from accord.jobs.services import job_enqueue
from accord.mail.services import email_enqueue_template
from accord.orgs.models import Membership, Organization, Role

# The report leaves early in the morning of the quarter's first day after,
# when the last day's data is in.
SEND_HOUR = 6
RECIPIENT_ROLES = (Role.OWNER, Role.SALES_LEAD, Role.MARKETING_LEAD)


def report_pdf(report: Report) -> bytes:
    """The report as a PDF, charts as vector graphics."""
    from weasyprint import HTML  # a heavy import, needed only here

    html = render_to_string(
        "insights/report_pdf.html", {"report": report, "svgs": charts.report_svgs(report)}
    )
    pdf: bytes = HTML(string=html, base_url=settings.SITE_URL).write_pdf()
    return pdf


def pdf_filename(organization: Organization, quarter: Quarter) -> str:
    return f"accord-{organization.slug}-{quarter.label}.pdf"


def reader_of(organization: Organization) -> Membership:
    """Who the report is read as when no person asks (the job, the command, the
    demo): the first owner. The report names no one, so any reader sees the same."""
    owner = (
        Membership.objects.select_related("organization", "user")
        .filter(organization=organization, role=Role.OWNER)
        .order_by("created_at", "pk")
        .first()
    )
    if owner is None:
        raise LookupError(f"{organization} has no owner.")
    return owner


def recipients_of(organization: Organization) -> list[str]:
    """The owners and the sales and marketing leads, each address once."""
    emails = (
        Membership.objects.filter(organization=organization, role__in=RECIPIENT_ROLES)
        .order_by("role", "user__email")
        .values_list("user__email", flat=True)
    )
    return list(dict.fromkeys(emails))


def due_after(organization: Organization, quarter: Quarter) -> dt.datetime:
    """When ``quarter``'s report leaves: 06:00 local on the next quarter's first day."""
    local = dt.datetime.combine(
        quarter.next.start, dt.time(SEND_HOUR), tzinfo=ZoneInfo(organization.time_zone)
    )
    return local.astimezone(dt.UTC)


def quarterly_report_sent(organization: Organization, quarter: Quarter) -> QuarterlyReport | None:
    """The record of ``quarter``'s report as it was emailed, without its PDF, or None."""
    return (
        QuarterlyReport.objects.filter(organization=organization, quarter=quarter.label)
        .defer("pdf")
        .first()
    )


def report_schedule_ensure(organization: Organization) -> ReportSchedule:
    """Queue the job for the current quarter's report, once (idempotent)."""
    quarter = quarter_of(local_today(organization))
    # Read first: every worker start calls this for every organisation, and
    # the write lock is needed only once a quarter.
    due = due_after(organization, quarter)
    found = ReportSchedule.objects.filter(organization=organization).first()
    if found is not None and (
        found.quarter > quarter.label  # 2026Q4 < 2027Q1 as text
        or (found.quarter == quarter.label and found.run_after == due)
    ):
        return found
    with transaction.atomic():
        schedule, created = ReportSchedule.objects.select_for_update().get_or_create(
            organization=organization,
            defaults={"quarter": quarter.label, "run_after": due_after(organization, quarter)},
        )
        # A new quarter, or the time zone moved the quarter's end: queue a job
        # for the new time (one queued earlier finds the quarter not ended
        # and waits; the report is recorded, and sent, once).
        if created or schedule.quarter < quarter.label or schedule.run_after != due:
            schedule.quarter = quarter.label
            schedule.run_after = due
            schedule.save()
            job_enqueue(
                quarterly_report_send,
                organization_id=organization.pk,
                run_after=schedule.run_after,
                quarter=quarter.label,
            )
    return schedule


def report_generate(
    organization: Organization, quarter: Quarter, *, email: bool
) -> QuarterlyReport | None:
    """Record ``quarter``'s report with its PDF, and with ``email`` queue it to
    the owner and both leads. None when it was already recorded (nothing sent)."""
    if QuarterlyReport.objects.filter(organization=organization, quarter=quarter.label).exists():
        return None
    report = report_build(reader_of(organization), quarter)
    pdf = report_pdf(report)
    to = recipients_of(organization) if email else []
    try:
        with transaction.atomic():
            row = QuarterlyReport.objects.create(
                organization=organization,
                quarter=quarter.label,
                pdf=pdf,
                generated_at=timezone.now(),
                emailed_to=to,
            )
            if to:
                _email(organization, quarter, report, pdf, to)
    except IntegrityError:
        return None  # another run recorded it between our look and our write
    return row


def _email(
    organization: Organization, quarter: Quarter, report: Report, pdf: bytes, to: list[str]
) -> None:
    attachments = [
        {
            "filename": pdf_filename(organization, quarter),
            "content_base64": base64.b64encode(pdf).decode(),
            "mimetype": "application/pdf",
        }
    ]
    pngs = charts.report_pngs(report)
    for name, png in pngs.items():
        attachments.append(
            {
                "filename": f"{name}.png",
                "content_base64": base64.b64encode(png).decode(),
                "mimetype": "image/png",
                "content_id": f"{name}-chart",
            }
        )
    url = settings.SITE_URL + reverse(
        "insights_report", kwargs={"org_slug": organization.slug, "quarter": quarter.label}
    )
    for address in to:
        email_enqueue_template(
            to=[address],
            template="insights/email/report",
            context={"report": report, "url": url, "health_chart": "health" in pngs},
            organization_id=organization.pk,
            key=f"report:{organization.pk}:{quarter.label}:{address}",
            attachments=attachments,
        )


@job()
def quarterly_report_send(*, quarter: str, organization_id: int | None = None) -> str:
    """Send ``quarter``'s report if that quarter has ended, then queue the next."""
    organization = (
        Organization.objects.filter(pk=organization_id).first() if organization_id else None
    )
    if organization is None:
        return "no organisation"
    year, number = quarter.split("Q")
    ended = Quarter(int(year), int(number))
    if timezone.now() < due_after(organization, ended):
        # Queued early (the time zone changed): wait for the time it is due.
        job_enqueue(
            quarterly_report_send,
            organization_id=organization.pk,
            run_after=due_after(organization, ended),
            quarter=ended.label,
        )
        return "the quarter has not ended"
    row = report_generate(organization, ended, email=True)
    report_schedule_ensure(organization)
    return "already sent" if row is None else f"sent to {len(row.emailed_to)}"
