"""Forms of the Pulse section. They parse; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.goals.models import Goal
from accord.pulse.models import ONE_THING_MAX, FollowThrough, OneThing, PulseAnswer, Vote

SCORES = [(str(n), str(n)) for n in range(11)]


class AnswerForm(forms.Form):
    """The whole pulse on one page: last One Thing, votes, internal score, new One Thing.

    Fields are made per cycle: ``vote_<goal id>`` and ``comment_<goal id>``
    for each of its goals; ``follow_through`` only when there is a last One
    Thing; ``internal_score`` only for members of Sales or Marketing.
    """

    def __init__(
        self,
        data: Any = None,
        *,
        goals: list[Goal],
        previous: OneThing | None,
        rated_team_name: str | None,
        answer: PulseAnswer | None = None,
    ) -> None:
        super().__init__(data)
        self.goals = goals
        initial: dict[str, Any] = {}
        if previous is not None:
            self.fields["follow_through"] = forms.ChoiceField(
                label=f"Last time you committed to: “{previous.text}”",
                choices=FollowThrough.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields["follow_through_comment"] = forms.CharField(
                label="What happened? (optional)",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            initial["follow_through"] = previous.follow_through or None
            initial["follow_through_comment"] = previous.follow_through_comment
        votes = {v.goal_id: v for v in answer.votes.all()} if answer is not None else {}
        for goal in goals:
            self.fields[f"vote_{goal.pk}"] = forms.ChoiceField(
                label=goal.title,
                choices=Vote.choices,
                widget=forms.RadioSelect,
                # The service names a missing vote; the form lets it through.
                required=False,
            )
            self.fields[f"comment_{goal.pk}"] = forms.CharField(
                label=f"Comment on “{goal.title}” (optional)",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            if goal.pk in votes:
                initial[f"vote_{goal.pk}"] = votes[goal.pk].vote
                initial[f"comment_{goal.pk}"] = votes[goal.pk].comment
        if rated_team_name is not None:
            what = (
                "the leads and content they give you"
                if rated_team_name.lower().startswith("market")
                else "how they follow up the leads you hand over"
            )
            self.fields["internal_score"] = forms.TypedChoiceField(
                label=f"Rate {rated_team_name}: {what} (0-10)",
                choices=SCORES,
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
                required=False,
            )
            if answer is not None and answer.internal_score is not None:
                initial["internal_score"] = str(answer.internal_score)
        self.fields["one_thing"] = forms.CharField(
            label="Your One Thing for next month",
            help_text=f"One sentence, at most {ONE_THING_MAX} characters.",
            required=False,
            # Longer text reaches the service, which says how long it was.
            widget=forms.Textarea(attrs={"rows": 2, "maxlength": ONE_THING_MAX}),
        )
        self.fields["one_thing_goal"] = forms.TypedChoiceField(
            label="For which goal? (optional)",
            choices=[("", "No particular goal")] + [(str(g.pk), g.title) for g in goals],
            coerce=int,
            empty_value=None,
            required=False,
        )
        if answer is not None:
            mine = OneThing.objects.filter(answer=answer).first()
            if mine is not None:
                initial["one_thing"] = mine.text
                initial["one_thing_goal"] = str(mine.goal_id) if mine.goal_id else ""
        self.initial = initial

    def vote_fields(self) -> list[tuple[Goal, Any, Any]]:
        """(goal, its vote field, its comment field) for the template."""
        return [(g, self[f"vote_{g.pk}"], self[f"comment_{g.pk}"]) for g in self.goals]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        votes = {
            g.pk: (data.get(f"vote_{g.pk}") or "", data.get(f"comment_{g.pk}") or "")
            for g in self.goals
        }
        return {
            "votes": {k: v for k, v in votes.items() if v[0] or v[1]},
            "one_thing": data.get("one_thing") or "",
            "one_thing_goal_id": data.get("one_thing_goal"),
            "internal_score": data.get("internal_score"),
            "follow_through": data.get("follow_through") or "",
            "follow_through_comment": data.get("follow_through_comment") or "",
        }


class SettingsForm(forms.Form):
    """The pulse settings; bounds are checked by the service, which names the field."""

    monthly = forms.BooleanField(label="Run a pulse every month", required=False)
    quarterly = forms.BooleanField(
        label="Run a quarterly pulse in the first month of each quarter instead",
        required=False,
    )
    open_day = forms.IntegerField(label="Opens on day of the month (1-28), 09:00 local time")
    duration_days = forms.IntegerField(label="Stays open for (days)")
    reminder_days = forms.IntegerField(label="First reminder after (days)")
    remind_before_close = forms.BooleanField(
        label="Remind again the day before closing", required=False
    )
    participant_teams = forms.MultipleChoiceField(
        label="Teams that answer",
        help_text="None chosen: Sales and Marketing.",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    anonymity_threshold = forms.IntegerField(
        label="Fewest answers a team needs to be shown on its own"
    )
    attribution = forms.BooleanField(
        label="Show names on results to leads, admins and owners", required=False
    )

    def __init__(self, *args: Any, teams: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participant_teams"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(pk), name) for pk, name in teams]


class MeasurableForm(forms.Form):
    """A scorecard measurable: a catalogue metric, or a number entered weekly."""

    name = forms.CharField(max_length=200)
    metric = forms.ChoiceField(
        label="Measured by",
        help_text="A metric Accord computes from its data, or entered weekly by the owner.",
    )
    moves = forms.CharField(
        label="Moves which goal or revenue stage",
        required=False,
        max_length=160,
        help_text="Needed for a number entered by hand.",
    )
    unit = forms.CharField(required=False, max_length=32)
    owner = forms.TypedChoiceField(coerce=int)
    goal_value = forms.DecimalField(label="Goal value")
    direction = forms.ChoiceField(
        choices=[
            ("", "As the metric says"),
            ("up", "Up: at or above the goal is green"),
            ("down", "Down: at or below the goal is green"),
        ],
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        metric_choices: list[tuple[str, str]],
        owners: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        metric = self.fields["metric"]
        owner = self.fields["owner"]
        assert isinstance(metric, forms.ChoiceField) and isinstance(owner, forms.ChoiceField)
        metric.choices = metric_choices
        owner.choices = [("", "Choose…")] + [(str(pk), label) for pk, label in owners]


class ValueForm(forms.Form):
    """A week's value of a manual measurable."""

    week = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField()
