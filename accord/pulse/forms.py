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
