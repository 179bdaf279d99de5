"""Meeting series and their occurrences, agendas that build themselves, action
items, the friction issues list, attendance, ratings and calendar feeds.

A series is a recurrence rule (RFC 5545 RRULE) anchored at a local start time
in a time zone; its occurrences are materialised rows so that one of them can
be moved, cancelled, given an agenda and closed. Rows that change while
several attendees edit them (occurrences, agenda items, action items) carry a
``version`` that each edit must quote: a stale edit is refused, never applied
over someone else's.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accord.orgs.models import Membership, Organization, Team


class MeetingKind(models.TextChoices):
    JOINT = "joint", "Joint sales and marketing meeting"
    PIPELINE_REVIEW = "pipeline_review", "Sales pipeline review"
    CUSTOMER_CALL = "customer_call", "Customer or prospect call"


class Cadence(models.TextChoices):
    BIWEEKLY = "biweekly", "Every two weeks"
    WEEKLY = "weekly", "Every week"
    MONTHLY = "monthly", "Every month"
    CUSTOM = "custom", "Custom rule (RFC 5545 RRULE)"


class MeetingSeries(models.Model):
    """A recurring meeting: when (rule, local start time, time zone), how long,
    where (video link) and who (attendees).

    ``uid`` is the iCalendar UID every invitation and feed uses for the series;
    ``sequence`` is raised on every change, so calendars replace what they had.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=20, choices=MeetingKind.choices, default=MeetingKind.JOINT)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.BIWEEKLY)
    rrule = models.CharField(max_length=500, help_text="RFC 5545 RRULE, without 'RRULE:'")
    start_date = models.DateField(help_text="Day of the first occurrence")
    start_time = models.TimeField(help_text="Local time in the series' time zone")
    time_zone = models.CharField(max_length=64)
    duration_minutes = models.PositiveIntegerField(default=60)
    video_url = models.URLField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    attendees = models.ManyToManyField(Membership, related_name="+", blank=True)
    agenda_lead_hours = models.PositiveIntegerField(
        default=24, help_text="Hours before each occurrence that its agenda is built"
    )
    uid = models.CharField(max_length=200, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "meeting series"
        indexes = [models.Index(fields=["organization", "kind"], name="series_org_kind")]

    def __str__(self) -> str:
        return self.name


class OccurrenceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"
    CLOSED = "closed", "Closed"


class Occurrence(models.Model):
    """One meeting of a series.

    ``original_start`` is the instant the rule gave (the iCalendar
    RECURRENCE-ID); ``starts_at`` differs from it when the occurrence was
    moved. ``collaborative`` is decided when the meeting closes: both teams
    attended and both raised or decided something; otherwise it is a
    report-out and ``report_out_reason`` says why.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="occurrences")
    original_start = models.DateTimeField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=OccurrenceStatus.choices, default=OccurrenceStatus.SCHEDULED
    )
    version = models.PositiveIntegerField(default=1)
    agenda_built_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    collaborative = models.BooleanField(null=True, blank=True)
    report_out_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "original_start"], name="occurrence_once_per_instance"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "starts_at"], name="occurrence_org_start"),
            models.Index(fields=["series", "starts_at"], name="occurrence_series_start"),
        ]

    def __str__(self) -> str:
        return f"{self.series.name} on {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def moved(self) -> bool:
        return self.starts_at != self.original_start

    @property
    def is_open(self) -> bool:
        return self.status == OccurrenceStatus.SCHEDULED


class Section(models.TextChoices):
    """The proven shape of a joint meeting, in order."""

    CHECK_IN = "check_in", "Check-in"
    SCORECARD = "scorecard", "Scorecard and goals"
    HEADLINES = "headlines", "Customer and pipeline headlines"
    ACTION_ITEMS = "action_items", "Action items"
    ISSUES = "issues", "Issues: identify, discuss, solve"
    CONCLUDE = "conclude", "Conclude"


SECTION_ORDER = {value: i for i, value in enumerate(Section.values)}


class AgendaItem(models.Model):
    """One thing to talk about at an occurrence, why it is there, and what came of it.

    Items built by the worker carry ``source_key`` (e.g. ``goal:12``) so a
    rebuild does not add them twice. ``done`` is set when the item was dealt
    with; items not done when the meeting closes carry over to the next one
    (``carried_from`` points at the earlier item).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="items")
    section = models.CharField(max_length=20, choices=Section.choices, default=Section.ISSUES)
    title = models.CharField(max_length=200)
    why = models.CharField(max_length=500, blank=True)
    source_url = models.CharField(max_length=500, blank=True)
    source_key = models.CharField(max_length=100, blank=True)
    position = models.PositiveIntegerField(default=0)
    timebox_minutes = models.PositiveIntegerField(null=True, blank=True)
    raised_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)
    decision = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done = models.BooleanField(default=False)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issue = models.ForeignKey(
        "Issue", on_delete=models.SET_NULL, null=True, blank=True, related_name="agenda_items"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["occurrence", "position"], name="agenda_item_order")]

    def __str__(self) -> str:
        return self.title


class ActionItem(models.Model):
    """Something a member promised to do by a date, usually decided in a meeting."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    issue = models.ForeignKey(
        "Issue", on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["organization", "done_at", "due_on"], name="action_open")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class IssueSource(models.TextChoices):
    SCRATCH = "scratch", "Raised from scratch"
    THEME = "theme", "Feedback theme"
    REJECTION_REASON = "rejection_reason", "Lead rejection reason"
    FOLLOWUP = "followup", "Customer follow-up"
    GOAL = "goal", "Goal"
    AGENDA_ITEM = "agenda_item", "Agenda item"


class IssueStatus(models.TextChoices):
    OPEN = "open", "Open"
    ON_AGENDA = "on_agenda", "On the agenda"
    SOLVED = "solved", "Solved"


class Issue(models.Model):
    """A friction between the teams that someone raised, to be solved together."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    teams = models.ManyToManyField(Team, related_name="+", blank=True)
    source_kind = models.CharField(
        max_length=20, choices=IssueSource.choices, default=IssueSource.SCRATCH
    )
    source_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=IssueStatus.choices, default=IssueStatus.OPEN)
    resolution = models.TextField(blank=True)
    raised_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    solved_in = models.ForeignKey(
        Occurrence, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    solved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status"], name="issue_org_status")]

    def __str__(self) -> str:
        return self.title


class IssueEvent(models.Model):
    """One line of an issue's history."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.issue}"


class IssueVote(models.Model):
    """A member's one vote for an issue; the database refuses a second."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "member"], name="issue_vote_once")]

    def __str__(self) -> str:
        return f"{self.member} for {self.issue}"


class Attendance(models.Model):
    """Who was at an occurrence (one row per attendee who was there)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "member"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} at {self.occurrence}"


class Rating(models.Model):
    """An attendee's 1-10 rating of an occurrence; one each, changeable."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="ratings")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "member"], name="rating_once"),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=10), name="rating_1_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} from {self.member}"


class CalendarFeed(models.Model):
    """A member's personal webcal feed of the meetings they attend.

    The URL carries a random token; only its SHA-256 is stored. Revoking
    stops the URL at once; a new feed gets a new URL.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(revoked_at__isnull=True), name="feed_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.member} ({self.prefix}…)"


class DailyRun(models.Model):
    """When the organisation's next daily meetings run is due (one chain per organisation).

    The run sends action-item due alerts every day and, on the digest day,
    the weekly digest. A run first queues the next one and records its own
    ``due`` in ``running_due``: a retry of it (same ``due``) does its work
    again, which is safe, without queuing another. A queued run whose ``due``
    is neither was replaced by a newer one and does nothing, so an
    organisation never has two chains.
    """

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    next_run_at = models.DateTimeField(null=True, blank=True)
    running_due = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Meetings run of {self.organization} at {self.next_run_at}"


class DigestPreference(models.Model):
    """A member's choice about the weekly digest; no row means they receive it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(default=True)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Digest {'on' if self.enabled else 'off'} for {self.member}"


class DigestSent(models.Model):
    """The weekly digest sent to one member for one week (the week's Monday).

    The unique constraint makes the digest go at most once per member and
    week, however often the run is repeated. The email's one-click opt-out
    link carries a random token; only its SHA-256 is kept here.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week_start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "week_start"], name="digest_once_per_week")
        ]

    def __str__(self) -> str:
        return f"Digest of {self.week_start} to {self.member}"


class AlertKind(models.TextChoices):
    DUE = "due", "Due soon"
    OVERDUE = "overdue", "Overdue"


class ActionItemAlert(models.Model):
    """An action item's "due" or "overdue" alert, sent once per due date.

    Written in the transaction that queues the alert's email and chat
    message, so a repeated run finds it and sends nothing; moving the due
    date allows one alert of each kind for the new date.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    action_item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["action_item", "kind", "due_on"], name="action_alert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.action_item}"
