"""The permission matrix: which role may do what inside an organisation.

``docs/permissions.md`` is generated from ``MATRIX`` (and a test keeps the two
equal). Services call ``require`` before they write; templates only use
``can`` to hide buttons, never to protect anything.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from accord.orgs.models import Membership, Role

ALL = frozenset(Role.values)
EDITORS = frozenset({Role.OWNER, Role.ADMIN, Role.SALES_LEAD, Role.MARKETING_LEAD, Role.MEMBER})
LEADS = frozenset({Role.OWNER, Role.ADMIN, Role.SALES_LEAD, Role.MARKETING_LEAD})
ADMINS = frozenset({Role.OWNER, Role.ADMIN})
OWNERS = frozenset({Role.OWNER})


class Action(StrEnum):
    ORG_VIEW = "org.view"
    ORG_UPDATE = "org.update"
    TEAM_CREATE = "team.create"
    MEMBER_INVITE = "member.invite"
    MEMBER_CHANGE_ROLE = "member.change_role"
    MEMBER_REMOVE = "member.remove"
    OWNER_ASSIGN = "owner.assign"
    INVITATION_REVOKE = "invitation.revoke"
    TOKEN_CREATE_OWN = "token.create_own"
    AUDIT_READ = "audit.read"
    OUTBOX_READ = "outbox.read"
    JOBS_MANAGE = "jobs.manage"
    PIPELINE_IMPORT = "pipeline.import"
    LEAD_DECIDE = "lead.decide"
    AGREEMENT_PROPOSE = "agreement.propose"
    AGREEMENT_AGREE = "agreement.agree"
    CRM_CONNECT = "crm.connect"
    GOAL_MANAGE = "goal.manage"
    GOAL_CHECK_IN = "goal.check_in"
    ACTIVITY_GOAL_MANAGE = "activity_goal.manage"
    ACTIVITY_LOG = "activity.log"
    CONTENT_MANAGE = "content.manage"
    CONTENT_USE_LOG = "content.log_use"
    EVENT_MANAGE = "event.manage"
    EVENT_SIGNUP = "event.signup"
    SURVEY_MANAGE = "survey.manage"
    FOLLOWUP_UPDATE = "followup.update"
    THEME_MANAGE = "theme.manage"
    MEETING_MANAGE = "meeting.manage"
    MEETING_TAKE_PART = "meeting.take_part"
    ISSUE_RAISE = "issue.raise"
    CALENDAR_FEED = "calendar.feed"
    PULSE_ANSWER = "pulse.answer"
    PULSE_RESULTS_READ = "pulse.results_read"
    PULSE_ATTRIBUTED_READ = "pulse.attributed_read"
    PULSE_MANAGE = "pulse.manage"
    SCORECARD_MANAGE = "scorecard.manage"
    SCORECARD_ENTER = "scorecard.enter"
    INSIGHTS_READ = "insights.read"
    HEALTH_WEIGHTS = "health.weights"
    REPORT_READ = "report.read"
    CHAT_MANAGE = "chat.manage"


MATRIX: dict[Action, frozenset[str]] = {
    Action.ORG_VIEW: ALL,
    Action.ORG_UPDATE: ADMINS,
    Action.TEAM_CREATE: ADMINS,
    Action.MEMBER_INVITE: LEADS,
    Action.MEMBER_CHANGE_ROLE: ADMINS,
    Action.MEMBER_REMOVE: ADMINS,
    Action.OWNER_ASSIGN: OWNERS,
    Action.INVITATION_REVOKE: LEADS,
    Action.TOKEN_CREATE_OWN: ALL,
    Action.AUDIT_READ: ADMINS,
    Action.OUTBOX_READ: ADMINS,
    Action.JOBS_MANAGE: ADMINS,
    Action.PIPELINE_IMPORT: LEADS,
    Action.LEAD_DECIDE: EDITORS,
    Action.AGREEMENT_PROPOSE: LEADS,
    Action.AGREEMENT_AGREE: LEADS,
    Action.CRM_CONNECT: ADMINS,
    Action.GOAL_MANAGE: LEADS,
    Action.GOAL_CHECK_IN: EDITORS,
    Action.ACTIVITY_GOAL_MANAGE: LEADS,
    Action.ACTIVITY_LOG: EDITORS,
    Action.CONTENT_MANAGE: EDITORS,
    Action.CONTENT_USE_LOG: EDITORS,
    Action.EVENT_MANAGE: LEADS,
    Action.EVENT_SIGNUP: EDITORS,
    Action.SURVEY_MANAGE: LEADS,
    Action.FOLLOWUP_UPDATE: EDITORS,
    Action.THEME_MANAGE: LEADS,
    Action.MEETING_MANAGE: LEADS,
    Action.MEETING_TAKE_PART: EDITORS,
    Action.ISSUE_RAISE: EDITORS,
    Action.CALENDAR_FEED: ALL,
    Action.PULSE_ANSWER: EDITORS,
    Action.PULSE_RESULTS_READ: ALL,
    Action.PULSE_ATTRIBUTED_READ: LEADS,
    Action.PULSE_MANAGE: LEADS,
    Action.SCORECARD_MANAGE: LEADS,
    Action.SCORECARD_ENTER: EDITORS,
    Action.INSIGHTS_READ: ALL,
    Action.HEALTH_WEIGHTS: LEADS,
    Action.REPORT_READ: ALL,
    Action.CHAT_MANAGE: ADMINS,
}

DESCRIPTIONS: dict[Action, str] = {
    Action.ORG_VIEW: "See the organisation, its teams, members and every page",
    Action.ORG_UPDATE: "Rename the organisation, change its time zone",
    Action.TEAM_CREATE: "Add a team beside Sales and Marketing",
    Action.MEMBER_INVITE: "Invite someone by email (leads may not invite owners or admins)",
    Action.MEMBER_CHANGE_ROLE: "Change a member's role or team",
    Action.MEMBER_REMOVE: "Remove a member (ends their access and revokes their tokens)",
    Action.OWNER_ASSIGN: "Make someone an owner, or change or remove an owner",
    Action.INVITATION_REVOKE: "Revoke a pending invitation",
    Action.TOKEN_CREATE_OWN: "Create and revoke one's own API tokens (they act with one's role)",
    Action.AUDIT_READ: "Read the audit log",
    Action.OUTBOX_READ: "Read all captured email in the Outbox (members read their own)",
    Action.JOBS_MANAGE: "See failed jobs and retry them",
    Action.PIPELINE_IMPORT: "Import leads, contacts, accounts and opportunities from CSV",
    Action.LEAD_DECIDE: "Accept or reject an MQL, log a first touch",
    Action.AGREEMENT_PROPOSE: "Propose a new version of the lead hand-off agreement",
    Action.AGREEMENT_AGREE: "Agree to the lead hand-off agreement for one's own team",
    Action.CRM_CONNECT: "Connect HubSpot or Salesforce and start a sync",
    Action.GOAL_MANAGE: "Create, edit, propose, agree to, decline and close shared goals",
    Action.GOAL_CHECK_IN: "Check in a value on a goal (members: on goals they own)",
    Action.ACTIVITY_GOAL_MANAGE: "Set teams' activity goals and the Goals settings",
    Action.ACTIVITY_LOG: "Log cross-team activities (members: their own)",
    Action.CONTENT_MANAGE: "Add and edit content library assets",
    Action.CONTENT_USE_LOG: "Log a use of a content asset (members: their own)",
    Action.EVENT_MANAGE: "Create events and their staffing slots",
    Action.EVENT_SIGNUP: "Sign up to staff an event slot (members: themselves)",
    Action.SURVEY_MANAGE: (
        "Create customer surveys and campaigns, send them, import responses, "
        "change feedback settings"
    ),
    Action.FOLLOWUP_UPDATE: "Work customer follow-ups: status, outcome, timeline notes and actions",
    Action.THEME_MANAGE: (
        "Rename, merge and route feedback themes; save testimonials to the content library"
    ),
    Action.MEETING_MANAGE: (
        "Create, change and cancel meeting series and occurrences; edit agendas "
        "(remove, reorder, timebox); put issues on an agenda; close a meeting"
    ),
    Action.MEETING_TAKE_PART: (
        "As an attendee: take notes, record decisions, add agenda items and action "
        "items, record attendance, rate the meeting"
    ),
    Action.ISSUE_RAISE: "Raise friction issues and vote for them (once each)",
    Action.CALENDAR_FEED: "Create and revoke one's own calendar feed of one's meetings",
    Action.PULSE_ANSWER: "Answer the pulse, and change one's answer until it closes",
    Action.PULSE_RESULTS_READ: (
        "Read pulse results: counts, balance, follow-through, internal NPS and comments, "
        "without names (never another person's answer)"
    ),
    Action.PULSE_ATTRIBUTED_READ: (
        "See names on pulse results and One Things, only when the organisation turned "
        "attribution on"
    ),
    Action.PULSE_MANAGE: "Change pulse settings, open a pulse now, close an open pulse",
    Action.SCORECARD_MANAGE: "Add, change and retire scorecard measurables",
    Action.SCORECARD_ENTER: (
        "Enter a week's value of a manual measurable (members: the ones they own)"
    ),
    Action.INSIGHTS_READ: "Read alignment health, its parts, weights and trend",
    Action.HEALTH_WEIGHTS: "Set the weights of alignment health's parts",
    Action.REPORT_READ: (
        "Read the quarterly alignment report (page, PDF, API); it names no pulse answerer"
    ),
    Action.CHAT_MANAGE: (
        "Connect Slack and Teams channels, choose their alerts, send a test, retry failed messages"
    ),
}


def can(membership: Membership | None, action: Action) -> bool:
    """True when the member's role allows ``action``."""
    return membership is not None and membership.role in MATRIX[action]


def require(membership: Membership, action: Action) -> None:
    """Raise PermissionDenied (a 403) unless the member's role allows ``action``."""
    if not can(membership, action):
        raise PermissionDenied(
            f"Your role ({membership.get_role_display()}) may not do this: "
            f"{DESCRIPTIONS[action].lower()}."
        )


def matrix_markdown() -> str:
    """The matrix as the Markdown table in docs/permissions.md."""
    roles = list(Role)
    header = "| Action | " + " | ".join(r.label for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| {DESCRIPTIONS[a]} (`{a.value}`) | "
        + " | ".join("yes" if r.value in MATRIX[a] else "—" for r in roles)
        + " |"
        for a in Action
    ]
    return "\n".join([header, rule, *rows]) + "\n"
