"""The agenda sources Meetings ships with (registered in ``MeetingsConfig.ready()``).

Each reads another app through its selectors and turns what happened since
the previous meeting into candidates that say why they are there and link to
their source (a path inside Accord).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from accord.feedback import selectors as feedback
from accord.goals import selectors as goals
from accord.meetings.agenda_sources import AgendaCandidate, register_agenda_source
from accord.meetings.models import ActionItem, Issue, IssueStatus, Section
from accord.meetings.services.agenda import agenda_item_to_next_joint
from accord.orgs.models import Membership, Organization
from accord.pipeline import selectors as pipeline
from accord.pulse import selectors as pulse
from accord.pulse.services import AgendaItem as PulseAgendaItem
from accord.pulse.services import agenda_sink_register

# Overdue follow-ups listed one by one; beyond that, one summary line.
MAX_LISTED = 5


def _url(name: str, organization: Organization, **kwargs: int) -> str:
    return reverse(name, kwargs={"org_slug": organization.slug, **kwargs})


def pulse_source(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> list[AgendaCandidate]:
    """Worse pulse votes and low internal scores (counts, never names), in the
    scorecard section: the pulse is how the teams score working together."""
    return [
        AgendaCandidate(
            Section.SCORECARD,
            found.title,
            found.why,
            found.source_url,
            key=f"pulse:{found.title}"[:100],
        )
        for found in pulse.agenda_candidates(organization, since, until)
    ]


def pulse_sink(*, membership: Membership, item: PulseAgendaItem) -> None:
    """Where the scorecard's "send to the agenda" lands: the next joint meeting."""
    agenda_item_to_next_joint(
        membership=membership, title=item.title, why=item.why, source_url=item.source_url
    )


def goals_source(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> list[AgendaCandidate]:
    """Shared goals off track or waiting for agreement; activity goals behind."""
    found = [
        AgendaCandidate(
            Section.SCORECARD,
            goal.title,
            why,
            _url("goals_goal", organization, pk=goal.pk),
            key=f"goal:{goal.pk}",
        )
        for goal, why in goals.goals_to_discuss(organization)
    ]
    day = timezone.localdate(until)
    for progress in goals.activity_goals_behind(organization, day):
        found.append(
            AgendaCandidate(
                Section.SCORECARD,
                f"{progress.goal.team.name} activity goal: {progress.goal.label}",
                f"Behind: {progress.team_count} of {progress.team_target} this month "
                f"({progress.team_expected:.1f} expected by now).",
                _url("goals_activity", organization),
                key=f"activity_goal:{progress.goal.pk}:{progress.month:%Y-%m}",
                team_kind=progress.goal.team.kind,
            )
        )
    return found


def feedback_source(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> list[AgendaCandidate]:
    """New detractors since the last meeting, and follow-ups now overdue."""
    found = []
    detractors = feedback.detractors_between(organization, since, until)
    if detractors:
        found.append(
            AgendaCandidate(
                Section.HEADLINES,
                f"{detractors} new detractor{'s' if detractors != 1 else ''}",
                f"Customers who scored 0-6 since {since:%d %b}: who owns each recovery?",
                _url("feedback_responses", organization) + "?category=detractor",
                key=f"detractors:{since:%Y%m%d}",
            )
        )
    overdue = list(feedback.followups_overdue(organization, until)[: MAX_LISTED + 1])
    for followup in overdue[:MAX_LISTED]:
        who = followup.response.company or followup.response.email or "a customer"
        found.append(
            AgendaCandidate(
                Section.HEADLINES,
                f"Overdue {followup.get_kind_display().lower()} follow-up: {who}",
                f"Due {followup.due_at:%d %b %H:%M}, "
                f"still {followup.get_status_display().lower()}.",
                _url("feedback_followup", organization, pk=followup.pk),
                key=f"followup:{followup.pk}",
            )
        )
    if len(overdue) > MAX_LISTED:
        found.append(
            AgendaCandidate(
                Section.HEADLINES,
                "More overdue follow-ups",
                "Further follow-ups are past their due time.",
                _url("feedback_followups", organization),
                key="followups:more",
            )
        )
    return found


def pipeline_source(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> list[AgendaCandidate]:
    """Lead-SLA breaches since the last meeting, and rejection reasons that rose."""
    found = []
    for kind, n in pipeline.breaches_between(organization, since, until).items():
        found.append(
            AgendaCandidate(
                Section.HEADLINES,
                f"Lead-SLA breaches: {kind.lower()} ({n})",
                f"{n} lead{'s' if n != 1 else ''} missed the agreed time since {since:%d %b}.",
                _url("pipeline_compliance", organization),
                key=f"breaches:{kind}:{since:%Y%m%d}",
                team_kind="sales",
            )
        )
    span = until - since
    now_counts = pipeline.rejections_between(organization, since, until)
    before = pipeline.rejections_between(organization, since - span, since)
    for reason, n in sorted(now_counts.items(), key=lambda kv: -kv[1]):
        previous = before.get(reason, 0)
        if n > previous:
            found.append(
                AgendaCandidate(
                    Section.HEADLINES,
                    f"Lead rejections rose: {reason}",
                    f"{n} rejected for this reason since {since:%d %b}, "
                    f"against {previous} in the period before.",
                    _url("pipeline_compliance", organization),
                    key=f"rejections:{reason}:{since:%Y%m%d}",
                    team_kind="marketing",
                )
            )
    return found


def issues_source(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> list[AgendaCandidate]:
    """Open issues, most votes first (those a lead put on the agenda come first)."""
    found = []
    issues = (
        Issue.objects.filter(
            organization=organization, status__in=[IssueStatus.OPEN, IssueStatus.ON_AGENDA]
        )
        .annotate(n=Count("votes"))
        .order_by("-status", "-n", "created_at")[:10]
    )
    for issue in issues:
        reason = (
            "A lead put it on this agenda"
            if issue.status == IssueStatus.ON_AGENDA
            else "Open issue"
        )
        found.append(
            AgendaCandidate(
                Section.ISSUES,
                issue.title,
                f"{reason}; {issue.n} vote{'s' if issue.n != 1 else ''}.",
                _url("meetings_issue", organization, pk=issue.pk),
                key=f"issue:{issue.pk}",
            )
        )
    return found


def action_items_source(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> list[AgendaCandidate]:
    """Action items still open, oldest due first."""
    found = []
    for item in (
        ActionItem.objects.filter(organization=organization, done_at__isnull=True)
        .select_related("owner__user")
        .order_by("due_on", "pk")[:20]
    ):
        late = " (overdue)" if item.due_on < timezone.localdate(until) else ""
        found.append(
            AgendaCandidate(
                Section.ACTION_ITEMS,
                item.title,
                f"Open action item of {item.owner.user.name or item.owner.user.email}, "
                f"due {item.due_on:%d %b}{late}.",
                _url("meetings_action_items", organization),
                key=f"action_item:{item.pk}",
            )
        )
    return found


def register_builtin_sources() -> None:
    register_agenda_source("pulse", pulse_source)
    agenda_sink_register(pulse_sink)
    register_agenda_source("goals", goals_source)
    register_agenda_source("feedback", feedback_source)
    register_agenda_source("pipeline", pipeline_source)
    register_agenda_source("meetings.issues", issues_source)
    register_agenda_source("meetings.action_items", action_items_source)
