"""Shared goals with recorded buy-in, cross-team activity goals, the content
library and events.

A partnership goal moves draft → proposed → active only when the sales side
and the marketing side have each agreed to its *current version*; every
change of metric, target or period makes a new version, so earlier agreements
no longer count.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accord.orgs.models import Membership, Organization, Side, Team


class GoalKind(models.TextChoices):
    PARTNERSHIP = "partnership", "Partnership"
    REVENUE = "revenue", "Revenue"
    ACQUISITION = "acquisition", "Acquisition"
    RETENTION = "retention", "Retention"


class GoalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    ACHIEVED = "achieved", "Achieved"
    MISSED = "missed", "Missed"
    DROPPED = "dropped", "Dropped"


CLOSED_STATUSES = frozenset({GoalStatus.ACHIEVED, GoalStatus.MISSED, GoalStatus.DROPPED})


class Direction(models.TextChoices):
    UP = "up", "Up (higher is better)"
    DOWN = "down", "Down (lower is better)"


class Goal(models.Model):
    """A goal both teams share: a metric moved from a baseline to a target in a period.

    ``version`` counts agreement rounds: proposing, and changing the metric,
    target or period of a proposed or active goal, start a new one.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=160)
    why = models.TextField("Why it matters", blank=True)
    kind = models.CharField(max_length=20, choices=GoalKind.choices, default=GoalKind.PARTNERSHIP)
    metric = models.CharField(max_length=64, help_text="A catalogue key, or 'custom'")
    metric_name = models.CharField(max_length=120, blank=True)
    metric_moves = models.CharField("Moves which goal or revenue stage", max_length=160, blank=True)
    unit = models.CharField(max_length=32, blank=True)
    baseline = models.DecimalField(max_digits=16, decimal_places=4)
    target = models.DecimalField(max_digits=16, decimal_places=4)
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.UP)
    period_start = models.DateField()
    period_end = models.DateField()
    # Null only when the owner left the organisation: editing the goal then
    # asks for a new owner.
    sales_owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    marketing_owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.DRAFT)
    version = models.PositiveIntegerField(default=0)
    # The day both teams first agreed: a goal agreed inside its period is
    # expected to move from then, not from a start nobody had committed to.
    active_since = models.DateField(null=True, blank=True)
    closed_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_start", "title"]
        indexes = [
            models.Index(fields=["organization", "status"], name="goal_org_status"),
            models.Index(fields=["organization", "period_start"], name="goal_org_period"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def line_start(self) -> dt.date:
        """The day the expected line leaves the baseline: the period's start, or
        the day the goal became active when that is later."""
        if self.active_since is not None and self.active_since > self.period_start:
            return min(self.active_since, self.period_end)
        return self.period_start

    @property
    def metric_computed(self) -> bool:
        """Whether the metric is computed from Accord's data (no check-ins then)."""
        from accord.goals.metrics import metric, metric_source

        found = metric(self.metric)
        return found is not None and metric_source(found.source) is not None

    @property
    def metric_label(self) -> str:
        from accord.goals.metrics import metric

        found = metric(self.metric)
        return found.name if found else self.metric_name or self.metric


class Agreement(models.Model):
    """One side's answer to one version of a goal: agreed, or declined with a reason."""

    class Decision(models.TextChoices):
        AGREED = "agreed", "Agreed"
        DECLINED = "declined", "Declined"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveIntegerField()
    side = models.CharField(max_length=10, choices=Side.choices)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    member = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    member_label = models.CharField(max_length=254)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # A side agrees to a version at most once.
            models.UniqueConstraint(
                fields=["goal", "version", "side"],
                condition=Q(decision="agreed"),
                name="agreement_once_per_version_side",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_label} {self.decision} v{self.version} of {self.goal}"


class GoalEvent(models.Model):
    """One line of a goal's history: who did what, when, with what detail."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_label = models.CharField(max_length=254)
    version = models.PositiveIntegerField(default=0)
    detail = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.goal}"


class Confidence(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class CheckIn(models.Model):
    """A value of a goal's metric on a date, with how confident the owner is."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="checkins")
    value = models.DecimalField(max_digits=16, decimal_places=4)
    date = models.DateField()
    confidence = models.CharField(
        max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM
    )
    note = models.TextField(blank=True)
    author = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["goal", "date"], name="checkin_goal_date")]

    def __str__(self) -> str:
        return f"{self.value} on {self.date}"


class ActivityType(models.TextChoices):
    PIPELINE_REVIEW = "pipeline_review", "Attend a sales pipeline review"
    PROSPECT_CALL = "prospect_call", "Join a prospect call"
    CUSTOMER_CALL = "customer_call", "Join a new-customer call or meeting"
    CONTENT_USE = "content_use", "Use content or a tool sales has not used before"
    EVENT_STAFFING = "event_staffing", "Staff an event (set-up, booth, tear-down)"
    CUSTOM = "custom", "Custom activity"


# What each team may commit to: the other team's usual work.
MARKETING_ACTIVITIES = frozenset(
    {ActivityType.PIPELINE_REVIEW, ActivityType.PROSPECT_CALL, ActivityType.CUSTOMER_CALL}
)
SALES_ACTIVITIES = frozenset({ActivityType.CONTENT_USE, ActivityType.EVENT_STAFFING})


class TargetPer(models.TextChoices):
    PERSON = "person", "Per person per month"
    TEAM = "team", "Per team per month"


class ActivityGoal(models.Model):
    """A team's commitment to a number of cross-team activities each month."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    activity_type = models.CharField(max_length=20, choices=ActivityType.choices)
    custom_name = models.CharField(max_length=120, blank=True)
    target_count = models.PositiveIntegerField()
    per = models.CharField(max_length=10, choices=TargetPer.choices, default=TargetPer.PERSON)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name"]
        constraints = [
            # Each team commits to one activity at a time.
            models.UniqueConstraint(
                fields=["organization", "team"],
                condition=Q(is_active=True),
                name="activity_goal_one_per_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team.name}: {self.label}"

    @property
    def label(self) -> str:
        if self.activity_type == ActivityType.CUSTOM:
            return self.custom_name
        return ActivityType(self.activity_type).label


class ActivitySource(models.TextChoices):
    MANUAL = "manual", "Logged"
    API = "api", "API"
    CSV = "csv", "CSV import"
    CONTENT = "content", "Content usage"
    EVENT = "event", "Event staffing"
    MEETING = "meeting", "Meeting attendance"


class ActivityLog(models.Model):
    """One cross-team activity a member did on a day.

    Logged by hand, through the API or CSV, or written automatically by a
    first use of a content asset or an event sign-up (then linked to it, and
    removed with it).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    activity_type = models.CharField(max_length=20, choices=ActivityType.choices)
    activity_goal = models.ForeignKey(
        ActivityGoal, on_delete=models.SET_NULL, null=True, blank=True, related_name="logs"
    )
    occurred_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    source = models.CharField(
        max_length=10, choices=ActivitySource.choices, default=ActivitySource.MANUAL
    )
    content_usage = models.OneToOneField(
        "ContentUsage", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    event_signup = models.OneToOneField(
        "EventSignup", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [
            # Covers the progress query (counts per member in a month):
            # answered from the index alone.
            models.Index(
                fields=["organization", "team", "activity_type", "occurred_on", "member"],
                name="activity_log_progress",
            ),
            # The activity log pages newest first (``accord.lib.keyset``).
            models.Index(
                fields=["organization", "occurred_on", "id"], name="activity_log_org_day_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_activity_type_display()} on {self.occurred_on}"


class GoalsSettings(models.Model):
    """Per-organisation settings of the Goals section."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="goals_settings"
    )
    untouched_days = models.PositiveIntegerField(
        default=60, help_text="An asset no one in sales used for this many days is untouched."
    )
    event_reminder_days = models.PositiveIntegerField(
        default=2, help_text="Days before an event that staff are reminded."
    )

    def __str__(self) -> str:
        return f"Goals settings of {self.organization}"


class AssetKind(models.TextChoices):
    CASE_STUDY = "case_study", "Case study"
    DECK = "deck", "Sales deck"
    ONE_PAGER = "one_pager", "One-pager"
    WHITEPAPER = "whitepaper", "Whitepaper"
    BATTLECARD = "battlecard", "Battlecard"
    EMAIL_TEMPLATE = "email_template", "Email template"
    VIDEO = "video", "Video"
    TESTIMONIAL = "testimonial", "Testimonial"
    TOOL = "tool", "Tool"
    OTHER = "other", "Other"


class ContentAsset(models.Model):
    """Something marketing made for sales to use: a deck, a case study, a tool, a quote."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AssetKind.choices, default=AssetKind.OTHER)
    url = models.URLField(max_length=500, blank=True)
    body = models.TextField(blank=True)
    owner = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["organization", "title"], name="asset_org_title")]

    def __str__(self) -> str:
        return self.title


class ContentUsage(models.Model):
    """A sales member used an asset on a day (with a customer, in a deal…)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(ContentAsset, on_delete=models.CASCADE, related_name="usages")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    used_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    first_use = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-used_on", "-id"]
        # An asset's uses page newest first (``accord.lib.keyset``).
        indexes = [models.Index(fields=["asset", "used_on", "id"], name="usage_asset_date_id")]

    def __str__(self) -> str:
        return f"{self.asset} used on {self.used_on}"


class EventKind(models.TextChoices):
    TRADESHOW = "tradeshow", "Tradeshow"
    CONFERENCE = "conference", "Conference"
    MEETUP = "meetup", "Meetup"
    WEBINAR = "webinar", "Webinar"
    OTHER = "other", "Other"


class Event(models.Model):
    """A tradeshow or event the company takes part in."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=EventKind.choices, default=EventKind.TRADESHOW)
    starts_on = models.DateField()
    ends_on = models.DateField()
    place = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_on", "name"]
        indexes = [models.Index(fields=["organization", "starts_on"], name="event_org_start")]

    def __str__(self) -> str:
        return self.name


class SlotRole(models.TextChoices):
    SETUP = "setup", "Set-up"
    BOOTH = "booth", "Booth"
    TEARDOWN = "teardown", "Tear-down"


class EventSlot(models.Model):
    """A shift at an event that needs people: set-up, booth duty or tear-down."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots")
    role = models.CharField(max_length=10, choices=SlotRole.choices)
    date = models.DateField()
    capacity = models.PositiveIntegerField(default=2)

    class Meta:
        ordering = ["date", "role"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} at {self.event} on {self.date}"


class EventSignup(models.Model):
    """A member signed up to staff a slot."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    slot = models.ForeignKey(EventSlot, on_delete=models.CASCADE, related_name="signups")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "member"], name="signup_once_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.member} for {self.slot}"
