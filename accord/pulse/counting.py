"""Counting pulse answers: votes and their balance, follow-through, internal
NPS per team, and the shapes results are told in. The counts carry no names;
the selectors fill in a name only where attribution allows it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from accord.lib.nps import Nps, category, nps
from accord.pulse.models import GoalVote, PulseAnswer, PulseCycle, Vote

NO_TEAM = "No team"


@dataclass
class Counts:
    """Worse / Same / Better votes and their balance (better minus worse)."""

    worse: int = 0
    same: int = 0
    better: int = 0

    @property
    def n(self) -> int:
        return self.worse + self.same + self.better

    @property
    def balance(self) -> int:
        return self.better - self.worse

    @property
    def balance_pct(self) -> float | None:
        """The balance as points of the votes (-100..100); None without votes."""
        return round(100 * self.balance / self.n, 1) if self.n else None

    def add(self, vote: str, count: int = 1) -> None:
        setattr(self, vote, getattr(self, vote) + count)


@dataclass
class Group:
    """One team's share of a result; ``hidden`` when it has too few answers."""

    label: str
    n: int
    hidden: bool
    counts: Counts | None = None


@dataclass
class GoalResult:
    goal_id: int
    title: str
    total: Counts
    change: int | None  # balance change from the previous cycle; None: no votes then
    teams: list[Group]


@dataclass
class FollowThroughRow:
    """How many One Things of the previous cycle were done, partly, not done."""

    label: str
    done: int = 0
    partly: int = 0
    not_done: int = 0
    hidden: bool = False

    @property
    def n(self) -> int:
        return self.done + self.partly + self.not_done

    @property
    def rate(self) -> float | None:
        """Done counts fully, partly half; percent. None without answers."""
        return round(100 * (self.done + 0.5 * self.partly) / self.n, 1) if self.n else None

    def add(self, value: str) -> None:
        setattr(self, value, getattr(self, value) + 1)


@dataclass
class InternalScore:
    """How one team rated the other: an NPS with n and its 95% interval."""

    rated: str
    raters: str
    n: int
    hidden: bool
    result: Nps | None
    change: float | None


@dataclass
class Comment:
    goal: str
    vote: str
    text: str
    team: str | None  # None when the team's group is under the threshold
    author: str | None  # only with attribution


@dataclass
class PersonOneThing:
    """One person's One Thing of this cycle and how their last one went:
    shown only with attribution."""

    author: str
    team: str
    text: str
    goal: str
    last_text: str  # the One Thing followed up in this cycle, "" if none
    follow_through: str  # its label: "Done", "Partly", "Not done" or ""
    follow_through_comment: str


@dataclass
class CycleResults:
    cycle: PulseCycle
    threshold: int
    attributed: bool
    invited: int | None  # participants now, while the cycle is open
    answered: int
    goals: list[GoalResult]
    follow_through: FollowThroughRow
    follow_through_teams: list[FollowThroughRow]
    internal: list[InternalScore]
    comments: list[Comment]
    people: list[PersonOneThing] = field(default_factory=list)


def vote_counts(cycle: PulseCycle) -> dict[tuple[int, int | None], Counts]:
    """(goal id, team id) -> counts, in one grouped query."""
    found: dict[tuple[int, int | None], Counts] = defaultdict(Counts)
    rows = (
        GoalVote.objects.filter(answer__cycle=cycle)
        .values_list("goal_id", "answer__team_id", "vote")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for goal_id, team_id, vote, n in rows:
        found[(goal_id, team_id)].add(vote, n)
    return found


def goal_total(counts: dict[tuple[int, int | None], Counts], goal_id: int) -> Counts:
    total = Counts()
    for (gid, _team), c in counts.items():
        if gid == goal_id:
            for vote in Vote.values:
                total.add(vote, getattr(c, vote))
    return total


def internal_scores(
    answers: QuerySet[PulseAnswer], threshold: int, before: QuerySet[PulseAnswer] | None = None
) -> list[InternalScore]:
    """Each rated team's internal NPS from ``answers`` (groups under the threshold hidden)."""
    tallies: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    earlier: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for source, target in ((answers, tallies), (before, earlier)):
        if source is None:
            continue
        rows = (
            source.filter(internal_score__isnull=False, rated_team__isnull=False)
            .values_list("rated_team__name", "team__name", "internal_score")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for rated, raters, score, n in rows:
            slot = {"promoter": 0, "passive": 1, "detractor": 2}[category(score)]
            target[(rated, raters or NO_TEAM)][slot] += n
    scores = []
    for (rated, raters), (p, pa, d) in sorted(tallies.items()):
        result = nps(p, pa, d, key=rated)
        hidden = result.n < threshold
        change = None
        if (rated, raters) in earlier:
            old = nps(*earlier[(rated, raters)])
            if old.nps is not None and result.nps is not None and old.n >= threshold:
                change = round(result.nps - old.nps, 1)
        scores.append(
            InternalScore(
                rated=rated,
                raters=raters,
                n=result.n,
                hidden=hidden,
                result=None if hidden else result,
                change=None if hidden else change,
            )
        )
    return scores
