"""The pulse and the scorecard: how the organisation measures whether sales and
marketing are getting closer, with outcomes rather than vanity numbers.

A *cycle* is one monthly (or quarterly) pulse. Each participant answers once
per cycle and may change the answer until the cycle closes: whether last
time's One Thing was done, Worse / Same / Better on each shared goal of the
cycle, an internal 0-10 score of the other team, and a new One Thing.

The *scorecard* is a set of weekly measurables, each either computed from
Accord's data (a key of the metric catalogue in ``accord.goals.metrics``) or
entered weekly by its owner.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accord.goals.models import Goal
from accord.orgs.models import Membership, Organization, Team


class CycleKind(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class CycleStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Vote(models.TextChoices):
    WORSE = "worse", "Worse"
    SAME = "same", "Same"
    BETTER = "better", "Better"


class FollowThrough(models.TextChoices):
    DONE = "done", "Done"
    PARTLY = "partly", "Partly"
    NOT_DONE = "not_done", "Not done"


class PulseSettings(models.Model):
    """How an organisation runs its pulse: when, for how long, who, how anonymous.

    Times are in the organisation's time zone. With no participant team
    chosen, the members of Sales and Marketing take part.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="pulse_settings"
    )
    monthly = models.BooleanField(default=True, help_text="Run a pulse every month.")
    quarterly = models.BooleanField(
        default=False,
        help_text="In the first month of each quarter, run a quarterly pulse instead.",
    )
    open_day = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="Day of the month the pulse opens (1-28), at 09:00 local time.",
    )
    duration_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="Days the pulse stays open.",
    )
    reminder_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(27)],
        help_text="Days after opening that those who have not answered are reminded.",
    )
    remind_before_close = models.BooleanField(
        default=True, help_text="Remind those who have not answered the day before closing."
    )
    participant_teams = models.ManyToManyField(
        Team,
        blank=True,
        related_name="+",
        help_text="Teams whose members answer; none chosen: Sales and Marketing.",
    )
    anonymity_threshold = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="A group with fewer answers than this shows totals only.",
    )
    attribution = models.BooleanField(
        default=False,
        help_text="Show names on results (leads, admins and owners only).",
    )
    # The chain of scheduled checks: a check whose due time is not this one
    # was replaced by a newer chain and stops (see accord.pulse.jobs).
    next_check_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Pulse settings of {self.organization}"


class PulseCycle(models.Model):
    """One pulse: opened by the worker (or a lead), answered, then closed.

    ``period`` is ``YYYY-MM`` for a monthly and ``YYYYQn`` for a quarterly
    pulse. The shared goals voted on are fixed when the cycle opens.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=CycleKind.choices, default=CycleKind.MONTHLY)
    period = models.CharField(max_length=7)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=CycleStatus.choices, default=CycleStatus.OPEN)
    goals = models.ManyToManyField(Goal, blank=True, related_name="+")
    first_reminder_at = models.DateTimeField(null=True, blank=True)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "period"], name="pulse_cycle_once_per_period"
            )
        ]
        indexes = [models.Index(fields=["organization", "-opens_at"], name="pulse_cycle_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} pulse {self.period}"

    @property
    def is_open(self) -> bool:
        return self.status == CycleStatus.OPEN and self.closes_at > timezone.now()

    @property
    def label(self) -> str:
        return f"{self.get_kind_display()} pulse {self.period}"


class PulseAnswer(models.Model):
    """One member's answer to one cycle; changed in place until the cycle closes.

    ``team`` is the member's team when they answered, so results stay per
    team after people move. ``internal_score`` rates the other team
    (``rated_team``): sales rates marketing's leads and content, marketing
    rates sales' follow-up of its leads.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(PulseCycle, on_delete=models.CASCADE, related_name="answers")
    # Null once the member left: their answer still counts in the results.
    member = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, related_name="+")
    internal_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    rated_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "member"], name="pulse_answer_once")
        ]

    def __str__(self) -> str:
        return f"Answer to {self.cycle}"


class GoalVote(models.Model):
    """Worse, Same or Better on one shared goal, with an optional comment."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    answer = models.ForeignKey(PulseAnswer, on_delete=models.CASCADE, related_name="votes")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="+")
    vote = models.CharField(max_length=6, choices=Vote.choices)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["goal_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "goal"], name="pulse_vote_once_per_goal")
        ]

    def __str__(self) -> str:
        return f"{self.vote} on {self.goal_id}"


ONE_THING_MAX = 280


class OneThing(models.Model):
    """What a member commits to do before the next pulse, optionally for a goal.

    The next cycle's answer records whether it was done (``follow_through``,
    with a comment, in ``followed_up_in``).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    answer = models.OneToOneField(PulseAnswer, on_delete=models.CASCADE, related_name="one_thing")
    cycle = models.ForeignKey(PulseCycle, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.CharField(max_length=ONE_THING_MAX)
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    follow_through = models.CharField(max_length=10, choices=FollowThrough.choices, blank=True)
    follow_through_comment = models.TextField(blank=True)
    followed_up_in = models.ForeignKey(
        PulseCycle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["cycle__opens_at", "id"]
        indexes = [models.Index(fields=["member", "cycle"], name="pulse_onething_member")]

    def __str__(self) -> str:
        return self.text


MANUAL = "manual"


class Measurable(models.Model):
    """A weekly number on the scorecard with an owner, a goal value and a direction.

    ``metric`` is a key of the metric catalogue (computed from Accord's data)
    or ``manual`` (entered weekly by the owner, who says what it ``moves``).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    metric = models.CharField(max_length=64, default=MANUAL)
    moves = models.CharField("Moves which goal or revenue stage", max_length=160, blank=True)
    unit = models.CharField(max_length=32, blank=True)
    owner = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    goal_value = models.DecimalField(max_digits=16, decimal_places=4)
    direction = models.CharField(max_length=4, choices=[("up", "Up"), ("down", "Down")])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["organization", "is_active"], name="measurable_org")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_manual(self) -> bool:
        return self.metric == MANUAL


class MeasurableValue(models.Model):
    """The value of a manual measurable in one week (``week`` is its Monday)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    measurable = models.ForeignKey(Measurable, on_delete=models.CASCADE, related_name="values")
    week = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=4)
    entered_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["week"]
        constraints = [
            models.UniqueConstraint(fields=["measurable", "week"], name="measurable_value_once")
        ]

    def __str__(self) -> str:
        return f"{self.value} in week of {self.week}"
