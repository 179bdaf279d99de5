"""Work the feedback app hands to the worker: sending campaigns in batches,
the reminder, follow-up alerts and escalations, and themes."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accord.chat.services import chat_notify
from accord.feedback.counts import recipient_sent
from accord.feedback.i18n import words
from accord.feedback.models import Campaign, Contact, FollowUp, Recipient, Response
from accord.jobs.registry import job
from accord.jobs.services import job_enqueue
from accord.lib.tokens import hash_token, new_token
from accord.mail.backends import ORG_HEADER, READERS_HEADER
from accord.mail.services import email_enqueue_template, text_render
from accord.orgs.models import Membership, Organization, Role

BATCH_SIZE = 100


def _message(
    recipient: Recipient, token: str, *, reminder: bool, connection: Any
) -> EmailMultiAlternatives:
    """The survey email: HTML with the 0-10 scale clickable, a text part, one-click
    unsubscribe, all in the recipient's language (else the survey's)."""
    from accord.feedback.services import survey_url

    survey = recipient.campaign.survey
    language = recipient.language or survey.default_language
    brand = survey.brand_name or recipient.campaign.organization.name
    text = words(language, brand=brand, name=recipient.name or "")
    link = survey_url(token)
    unsubscribe = f"{link}/unsubscribe"
    context = {
        "t": text,
        "survey": survey,
        "brand": brand,
        "link": link,
        "scale": [(n, survey_url(token, n)) for n in range(11)],
        "unsubscribe": unsubscribe,
        "reminder": reminder,
        "language": language,
        "logo_url": settings.SITE_URL + reverse("survey_logo", kwargs={"pk": survey.pk}),
    }
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    if settings.EMAIL_CAPTURED:
        headers[ORG_HEADER] = str(recipient.organization_id)
        # The campaign's owner reads what was sent on a development instance.
        owner = recipient.campaign.created_by
        if owner is not None:
            headers[READERS_HEADER] = owner.user.email
    subject = text["subject"] if not reminder else f"{text['reminder']} {text['subject']}"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text_render("feedback/email/survey.txt", context),
        to=[recipient.email],
        headers=headers,
        from_email=settings.DEFAULT_FROM_EMAIL,
        connection=connection,
    )
    message.attach_alternative(render_to_string("feedback/email/survey.html", context), "text/html")
    return message


def _claim(recipient: Recipient, *, reminder: bool, lifetime_days: int, interval_days: int) -> str:
    """Mark the recipient as being sent to, with a fresh token, and commit: a crash
    after this never sends them the same email twice. Returns the token, or "" if
    someone else claimed them or they may no longer be surveyed."""
    now = timezone.now()
    token = new_token()
    with transaction.atomic():
        contact = Contact.objects.get(pk=recipient.contact_id)
        if not reminder:
            recent = now - timedelta(days=interval_days)
            reason = ""
            if contact.opted_out_at:
                reason = "opted out"
            elif contact.last_surveyed_at and contact.last_surveyed_at > recent:
                reason = f"surveyed within {interval_days} days"
            if reason:
                Recipient.objects.filter(pk=recipient.pk, status=Recipient.Status.QUEUED).update(
                    status=Recipient.Status.SKIPPED, skip_reason=reason
                )
                return ""
            claimed = Recipient.objects.filter(
                pk=recipient.pk, status=Recipient.Status.QUEUED
            ).update(
                status=Recipient.Status.SENDING,
                token_hash=hash_token(token),
                expires_at=now + timedelta(days=lifetime_days),
            )
            if claimed:
                Contact.objects.filter(pk=contact.pk).update(last_surveyed_at=now)
        else:
            if contact.opted_out_at:
                return ""
            claimed = Recipient.objects.filter(
                pk=recipient.pk, reminded_at__isnull=True, responded_at__isnull=True
            ).update(reminded_at=now, reminder_token_hash=hash_token(token))
    return token if claimed else ""


@job()
def campaign_send_batch(
    *, campaign_id: int, reminder: bool = False, organization_id: int | None = None
) -> str:
    """Send one batch over one SMTP connection, then queue the next batch.

    Each recipient is claimed (committed) before the hand-over to SMTP, so a
    crash, a retry or a second worker never sends anyone the same email twice;
    the queued rest is picked up by the next run. Safe to run twice: a run
    done again after its worker died sends the still-queued recipients (a
    recipient claimed but not handed over stays SENDING: at most once); if
    the next batch had already been queued, both runs claim recipients one by
    one and the campaign is finished once (a status guard).
    """
    from accord.feedback.services import feedback_settings

    campaign = Campaign.objects.select_related("survey", "organization").get(pk=campaign_id)
    rules = feedback_settings(campaign.organization)
    now = timezone.now()
    if reminder:
        targets = campaign.recipients.filter(
            status=Recipient.Status.SENT,
            responded_at__isnull=True,
            reminded_at__isnull=True,
            expires_at__gt=now,
            contact__opted_out_at__isnull=True,
        )
    else:
        targets = campaign.recipients.filter(status=Recipient.Status.QUEUED)
    batch = list(
        targets.select_related(
            "campaign__survey", "campaign__organization", "campaign__created_by__user"
        )[:BATCH_SIZE]
    )
    if not batch:
        _finish(campaign, reminder=reminder, reminder_after_days=rules.reminder_after_days)
        return "done"
    connection = get_connection(fail_silently=False)
    connection.open()
    sent = 0
    try:
        for recipient in batch:
            token = _claim(
                recipient,
                reminder=reminder,
                lifetime_days=rules.link_lifetime_days,
                interval_days=rules.contact_interval_days,
            )
            if not token:
                continue
            message = _message(recipient, token, reminder=reminder, connection=connection)
            try:
                message.send()
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
                if not reminder:
                    Recipient.objects.filter(pk=recipient.pk).update(
                        status=Recipient.Status.BOUNCED, skip_reason=str(error)[:200]
                    )
                continue
            except (smtplib.SMTPException, OSError):
                # The server went away before taking this message: it may be sent
                # again on the retry, since it was not handed over.
                if not reminder:
                    Recipient.objects.filter(pk=recipient.pk).update(
                        status=Recipient.Status.QUEUED, token_hash=None
                    )
                else:
                    Recipient.objects.filter(pk=recipient.pk).update(
                        reminded_at=None, reminder_token_hash=None
                    )
                raise
            if not reminder:
                with transaction.atomic():
                    at = timezone.now()
                    if (
                        Recipient.objects.filter(pk=recipient.pk)
                        .exclude(status=Recipient.Status.SENT)
                        .update(status=Recipient.Status.SENT, sent_at=at)
                    ):
                        recipient_sent(recipient, at=at, time_zone=campaign.organization.time_zone)
            sent += 1
    finally:
        connection.close()
    with transaction.atomic():
        job_enqueue(
            campaign_send_batch,
            organization_id=campaign.organization_id,
            campaign_id=campaign.pk,
            reminder=reminder,
        )
    return f"sent {sent}"


def _finish(campaign: Campaign, *, reminder: bool, reminder_after_days: int) -> None:
    with transaction.atomic():
        if reminder:
            Campaign.objects.filter(pk=campaign.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=timezone.now()
            )
            return
        finished = Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(
            status=Campaign.Status.SENT, sent_at=timezone.now()
        )
        if finished:
            job_enqueue(
                campaign_send_batch,
                run_after=timezone.now() + timedelta(days=reminder_after_days),
                organization_id=campaign.organization_id,
                campaign_id=campaign.pk,
                reminder=True,
            )


def _members(*memberships: Membership | None) -> list[Membership]:
    seen: dict[int, Membership] = {}
    for membership in memberships:
        if membership is not None:
            seen.setdefault(membership.pk, membership)
    return list(seen.values())


# Follow-ups whose job is queued this long after their response are not swept.
SWEEP_DAYS = 14


@job()
def responses_process(*, organization_id: int | None = None) -> str:
    """Open the follow-ups of the organisation's recent survey responses that are
    due one and have none. Responses now queue response_received each; this
    sweep is kept for the per-organisation jobs queued before that (their
    responses were then marked only in a column since removed). Runs again
    harmlessly: a response has at most one follow-up, opened in one
    transaction with the check.
    """
    from accord.feedback.models import Response
    from accord.feedback.services import response_process

    if organization_id is None:
        return "no organisation"
    ids = Response.objects.filter(
        organization_id=organization_id,
        source__in=[Response.Source.LINK, Response.Source.ANONYMOUS],
        followup__isnull=True,
        created_at__gte=timezone.now() - timedelta(days=SWEEP_DAYS),
    ).values_list("pk", flat=True)
    done = opened = 0
    for pk in list(ids):
        done += 1
        opened += response_process(pk) is not None
    return f"{done} responses, {opened} follow-ups opened"


@job()
def response_received(*, response_id: int, organization_id: int | None = None) -> str:
    """Open one new response's follow-up: queued in the transaction that stores
    the response (services.response_record), so it runs only for a response that
    committed. Runs again harmlessly: a response has at most one follow-up,
    opened in one transaction with the check."""
    from accord.feedback.services import response_process

    followup = response_process(response_id)
    return f"opened {followup.kind}" if followup else "no follow-up"


def _chat_followup(followup: FollowUp, event: str, title: str) -> None:
    """Tell the subscribed chat channels; the response's own words stay short."""
    response = followup.response
    url = settings.SITE_URL + reverse(
        "feedback_followup", kwargs={"org_slug": followup.organization.slug, "pk": followup.pk}
    )
    fields = [("Score", str(response.score)), ("Due", f"{followup.due_at:%d %b %Y %H:%M} UTC")]
    if response.name:
        fields.insert(0, ("Customer", response.name))
    chat_notify(
        organization=followup.organization,
        event=event,
        title=f"{title}: score {response.score}",
        text=(response.better[:300] + ("…" if len(response.better) > 300 else "")),
        url=url,
        fields=fields,
    )


@job()
def followup_alert(*, followup_id: int, organization_id: int | None = None) -> str:
    """Tell both owners that a follow-up opened (email), and chat of a new detractor.

    Safe to run twice: the escalation and the chat post are queued once, in
    the transaction that sets ``escalation_queued``; each email has a key
    (follow-up, owner), so it is sent at most once.
    """
    followup = (
        FollowUp.objects.select_related(
            "response", "organization", "sales_owner__user", "marketing_owner__user"
        )
        .filter(pk=followup_id)
        .first()
    )
    if followup is None:
        return "gone"

    with transaction.atomic():
        # Escalation at the due time, queued once (a retried alert finds it queued).
        claimed = FollowUp.objects.filter(pk=followup.pk, escalation_queued=False).update(
            escalation_queued=True
        )
        if claimed:
            job_enqueue(
                followup_escalate,
                run_after=followup.due_at,
                organization_id=followup.organization_id,
                followup_id=followup.pk,
            )
            # In the same claim, so a retried alert does not post twice.
            if followup.response.category == Response.Category.DETRACTOR:
                _chat_followup(followup, "new_detractor", "New detractor")
    for member in _members(followup.sales_owner, followup.marketing_owner):
        email_enqueue_template(
            to=[member.user.email],
            template="feedback/email/followup_open",
            context={"followup": followup, "member": member, "site": settings.SITE_URL},
            organization_id=followup.organization_id,
            key=f"followup:{followup.pk}:open:{member.pk}",
        )
    return "alerted"


@job()
def followup_escalate(*, followup_id: int, organization_id: int | None = None) -> str:
    """At the due time, a follow-up that is still open goes to both leads.

    Safe to run twice: ``escalated_at`` is set by a guarded update in the
    transaction that queues the chat post and the keyed emails; a second run
    finds it set and does nothing.
    """
    now = timezone.now()
    with transaction.atomic():
        updated = FollowUp.objects.filter(
            Q(status=FollowUp.Status.OPEN) | Q(status=FollowUp.Status.CONTACTED),
            pk=followup_id,
            due_at__lte=now,
            escalated_at__isnull=True,
        ).update(escalated_at=now)
        if not updated:
            return "not overdue"
        followup = FollowUp.objects.select_related("organization", "response").get(pk=followup_id)
        leads = Membership.objects.filter(
            organization=followup.organization, role__in=[Role.SALES_LEAD, Role.MARKETING_LEAD]
        ).select_related("user")
        _chat_followup(followup, "followup_overdue", "Follow-up overdue")
        for lead in leads:
            email_enqueue_template(
                to=[lead.user.email],
                template="feedback/email/followup_overdue",
                context={"followup": followup, "member": lead, "site": settings.SITE_URL},
                organization_id=followup.organization_id,
                key=f"followup:{followup.pk}:overdue:{lead.pk}",
            )
    return "escalated"


@job()
def followups_escalate_overdue(*, organization_id: int | None = None) -> int:
    """Escalate every overdue follow-up not yet escalated (a sweep after downtime).

    Safe to run twice: each escalation is ``followup_escalate``'s, done once.
    """
    overdue = FollowUp.objects.filter(
        status__in=[FollowUp.Status.OPEN, FollowUp.Status.CONTACTED],
        due_at__lte=timezone.now(),
        escalated_at__isnull=True,
    )
    if organization_id is not None:
        overdue = overdue.filter(organization_id=organization_id)
    count = 0
    for pk in overdue.values_list("pk", flat=True)[:1000]:
        if followup_escalate(followup_id=pk) == "escalated":
            count += 1
    return count


def time_zone_changed(organization: Organization) -> None:
    """The organisation's time zone changed: file its responses under the new
    zone's months and rebuild NPS by month and day and the sends by day
    (``accord.orgs.jobs``). Idempotent: a second run moves nothing and
    rebuilds the same counts."""
    from accord.feedback import counts, rollups
    from accord.feedback.services import response_months_refile

    response_months_refile(organization=organization)
    rollups.refresh(organization, rebuild=True)
    counts.counts_rebuild(organization)


@job()
def recipients_import_job(*, import_id: int, organization_id: int | None = None) -> None:
    """Add a campaign's queued list or pipeline contacts (``recipients_import_run``).

    Safe to run twice: each batch of rows commits with the import's
    ``rows_done``, and a run done again starts after it; a recipient is on a
    campaign at most once (a unique constraint). If the worker is killed
    mid-run, its lease expires (ACCORD_JOB_LEASE_SECONDS) and another worker
    runs the job again from the last committed batch; a run that failed every
    attempt is kept with its file and can be run again from the
    organisation's Failed jobs page (Retry). An import already done or failed
    is left as it is.
    """
    from accord.feedback.services import recipients_import_run

    recipients_import_run(import_id=import_id)
