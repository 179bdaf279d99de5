"""Reads of the pulse: cycles, results, trends, and what other parts of Accord
read from it (alignment health, the joint meeting's agenda, goal metrics).

Anonymous by default: results carry no names, and a group (a team) with
fewer answers than the organisation's threshold shows only in the totals.
Names appear only when the organisation turned attribution on, and only to
roles that may read attributed answers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.urls import reverse

from accord.lib.nps import Nps, category, nps
from accord.orgs.models import Membership, Organization
from accord.orgs.permissions import Action, can
from accord.orgs.selectors import get_scoped, scoped
from accord.pulse.counting import (
    NO_TEAM,
    Comment,
    Counts,
    CycleResults,
    FollowThroughRow,
    GoalResult,
    Group,
    InternalScore,
    PersonOneThing,
    goal_total,
    internal_scores,
    vote_counts,
)
from accord.pulse.models import (
    CycleStatus,
    FollowThrough,
    GoalVote,
    Measurable,
    OneThing,
    PulseAnswer,
    PulseCycle,
    Vote,
)
from accord.pulse.services import AgendaItem as AgendaCandidate
from accord.pulse.services import participants, settings_of


def cycles(membership: Membership) -> QuerySet[PulseCycle]:
    """The organisation's cycles, latest first."""
    return scoped(membership, PulseCycle.objects.all()).order_by("-opens_at", "-pk")


def cycle(membership: Membership, pk: int) -> PulseCycle:
    """One of the organisation's cycles, or 404."""
    return get_scoped(membership, PulseCycle.objects.select_related("organization"), pk=pk)


def measurable(membership: Membership, pk: int) -> Measurable:
    """One of the organisation's scorecard measurables, or 404."""
    return get_scoped(
        membership, Measurable.objects.select_related("organization", "owner__user"), pk=pk
    )


def answered_cycle_ids(membership: Membership, among: list[PulseCycle]) -> set[int]:
    """Which of ``among`` the member answered."""
    return set(
        PulseAnswer.objects.filter(member=membership, cycle__in=among).values_list(
            "cycle_id", flat=True
        )
    )


def my_one_thing_of(answer: PulseAnswer) -> OneThing | None:
    return OneThing.objects.filter(answer=answer).select_related("goal").first()


def my_answer(membership: Membership, cycle: PulseCycle) -> PulseAnswer | None:
    """The member's own answer to ``cycle`` (never anyone else's)."""
    return (
        PulseAnswer.objects.filter(cycle=cycle, member=membership).prefetch_related("votes").first()
    )


def my_one_thing(membership: Membership) -> OneThing | None:
    """The member's latest One Thing (what they are working on now), for the
    Pulse page and the Overview."""
    return (
        OneThing.objects.filter(member=membership)
        .select_related("goal", "cycle")
        .order_by("-cycle__opens_at", "-pk")
        .first()
    )


def my_one_things(membership: Membership, limit: int = 6) -> list[OneThing]:
    """The member's own latest One Things with how each went: their
    follow-through, which only they (and, with attribution, leads) see."""
    return list(
        OneThing.objects.filter(member=membership)
        .select_related("goal", "cycle")
        .order_by("-cycle__opens_at", "-pk")[:limit]
    )


def previous_cycle(cycle: PulseCycle) -> PulseCycle | None:
    return (
        PulseCycle.objects.filter(
            organization_id=cycle.organization_id, opens_at__lt=cycle.opens_at
        )
        .order_by("-opens_at", "-pk")
        .first()
    )


def results_path(cycle: PulseCycle) -> str:
    return reverse("pulse_results", kwargs={"org_slug": cycle.organization.slug, "pk": cycle.pk})


@dataclass
class PulseState:
    """Where the pulse stands, for the Overview: the open cycle (if any) with
    how many answered, whether this member did, and the last closed cycle."""

    open_cycle: PulseCycle | None
    answered: int
    invited: int
    answered_by_me: bool
    last_closed: PulseCycle | None


def pulse_state(membership: Membership) -> PulseState:
    found = cycles(membership)
    current = next((c for c in found.filter(status=CycleStatus.OPEN)[:3] if c.is_open), None)
    answered = 0
    invited = 0
    mine = False
    if current is not None:
        answers = PulseAnswer.objects.filter(cycle=current)
        answered = answers.count()
        invited = participants(membership.organization).count()
        mine = answers.filter(member=membership).exists()
    return PulseState(
        open_cycle=current,
        answered=answered,
        invited=invited,
        answered_by_me=mine,
        last_closed=found.filter(status=CycleStatus.CLOSED).first(),
    )


# -- results ----------------------------------------------------------------------


def _name(member: Membership | None) -> str:
    return member.user.display_name if member is not None else "A former member"


def attribution_for(membership: Membership) -> bool:
    """Names are shown to this member: attribution is on and their role may read it."""
    return settings_of(membership.organization).attribution and can(
        membership, Action.PULSE_ATTRIBUTED_READ
    )


def cycle_results(membership: Membership, cycle: PulseCycle) -> CycleResults:
    """What everyone in the organisation may read about ``cycle``."""
    settings = settings_of(cycle.organization)
    threshold = settings.anonymity_threshold
    attributed = attribution_for(membership)
    answers = PulseAnswer.objects.filter(cycle=cycle)
    team_sizes: dict[str, int] = defaultdict(int)
    team_ids: dict[int | None, str] = {}
    for team_id, name, n in (
        answers.values_list("team_id", "team__name").annotate(n=Count("pk")).order_by()
    ):
        team_ids[team_id] = name or NO_TEAM
        team_sizes[name or NO_TEAM] += n
    counts = vote_counts(cycle)
    before = previous_cycle(cycle)
    earlier = vote_counts(before) if before is not None else {}
    goal_rows = []
    for goal in cycle.goals.order_by("title", "pk"):
        total = goal_total(counts, goal.pk)
        old = goal_total(earlier, goal.pk) if earlier else Counts()
        teams = []
        for team_id, name in sorted(team_ids.items(), key=lambda kv: kv[1]):
            n = team_sizes[name]
            hidden = n < threshold
            teams.append(
                Group(
                    label=name,
                    n=n,
                    hidden=hidden,
                    counts=None if hidden else counts.get((goal.pk, team_id), Counts()),
                )
            )
        goal_rows.append(
            GoalResult(
                goal_id=goal.pk,
                title=goal.title,
                total=total,
                change=(total.balance - old.balance) if old.n and total.n else None,
                teams=teams,
            )
        )
    # Follow-through: the One Things of the previous cycle that this cycle asked about.
    overall = FollowThroughRow("Everyone")
    per_team: dict[str, FollowThroughRow] = {}
    for value, team in OneThing.objects.filter(followed_up_in=cycle).values_list(
        "follow_through", "team__name"
    ):
        if value not in FollowThrough.values:
            continue
        overall.add(value)
        per_team.setdefault(team or NO_TEAM, FollowThroughRow(team or NO_TEAM)).add(value)
    for row in per_team.values():
        row.hidden = row.n < threshold
    comments = []
    for vote in (
        GoalVote.objects.filter(answer__cycle=cycle)
        .exclude(comment="")
        .select_related("goal", "answer__team", "answer__member__user")
        .order_by("goal__title", "vote", "pk")
    ):
        team_name = vote.answer.team.name if vote.answer.team else NO_TEAM
        comments.append(
            Comment(
                goal=vote.goal.title,
                vote=vote.get_vote_display(),
                text=vote.comment,
                team=team_name if team_sizes[team_name] >= threshold else None,
                author=_name(vote.answer.member) if attributed else None,
            )
        )
    people = []
    if attributed:
        followed = {
            t.member_id: t
            for t in OneThing.objects.filter(followed_up_in=cycle).exclude(follow_through="")
        }
        for thing in (
            OneThing.objects.filter(cycle=cycle)
            .select_related("member__user", "team", "goal")
            .order_by("team__name", "member__user__email")
        ):
            last = followed.get(thing.member_id)
            people.append(
                PersonOneThing(
                    author=_name(thing.member),
                    team=thing.team.name if thing.team else NO_TEAM,
                    text=thing.text,
                    goal=thing.goal.title if thing.goal else "",
                    last_text=last.text if last else "",
                    follow_through=last.get_follow_through_display() if last else "",
                    follow_through_comment=last.follow_through_comment if last else "",
                )
            )
    before_answers = PulseAnswer.objects.filter(cycle=before) if before is not None else None
    return CycleResults(
        cycle=cycle,
        threshold=threshold,
        attributed=attributed,
        invited=participants(cycle.organization).count()
        if cycle.status == CycleStatus.OPEN
        else None,
        answered=answers.count(),
        goals=goal_rows,
        follow_through=overall,
        follow_through_teams=sorted(per_team.values(), key=lambda r: r.label),
        internal=internal_scores(answers, threshold, before_answers),
        comments=comments,
        people=people,
    )


# -- over time: the trend, and what alignment health reads -----------------------


@dataclass
class CyclePoint:
    """One cycle's numbers for trends and the health score."""

    cycle_id: int
    label: str
    period: str
    opens_at: dt.datetime
    votes: Counts
    follow_through: FollowThroughRow
    internal: dict[str, Nps]  # rated team name -> NPS of all its raters

    @property
    def balance_pct(self) -> float | None:
        return self.votes.balance_pct


def cycle_points(
    organization: Organization,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = None,
    with_internal: bool = True,
) -> list[CyclePoint]:
    """Per cycle (oldest first): balance, One Thing follow-through and internal
    NPS by rated team; three grouped queries whatever the number of cycles
    (two with ``with_internal`` False, which leaves each point's ``internal`` empty)."""
    found = PulseCycle.objects.filter(organization=organization)
    if since is not None:
        found = found.filter(opens_at__gte=since)
    if until is not None:
        found = found.filter(opens_at__lt=until)
    chosen = list(found.order_by("-opens_at", "-pk")[:limit] if limit else found)
    chosen.sort(key=lambda c: (c.opens_at, c.pk))
    ids = [c.pk for c in chosen]
    votes: dict[int, Counts] = defaultdict(Counts)
    for cycle_id, vote, n in (
        GoalVote.objects.filter(answer__cycle_id__in=ids)
        .values_list("answer__cycle_id", "vote")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        votes[cycle_id].add(vote, n)
    follow: dict[int, FollowThroughRow] = defaultdict(lambda: FollowThroughRow("Everyone"))
    for cycle_id, value, n in (
        OneThing.objects.filter(followed_up_in_id__in=ids)
        .exclude(follow_through="")
        .values_list("followed_up_in_id", "follow_through")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        setattr(follow[cycle_id], value, n)
    tallies: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    scores = (
        PulseAnswer.objects.filter(
            cycle_id__in=ids, internal_score__isnull=False, rated_team__isnull=False
        )
        .values_list("cycle_id", "rated_team__name", "internal_score")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for cycle_id, rated, score, n in scores if with_internal else ():
        slot = {"promoter": 0, "passive": 1, "detractor": 2}[category(score)]
        tallies[(cycle_id, rated)][slot] += n
    points = []
    for cycle in chosen:
        internal = {
            rated: nps(*counts, key=rated)
            for (cid, rated), counts in sorted(tallies.items())
            if cid == cycle.pk
        }
        points.append(
            CyclePoint(
                cycle_id=cycle.pk,
                label=cycle.label,
                period=cycle.period,
                opens_at=cycle.opens_at,
                votes=votes[cycle.pk],
                follow_through=follow[cycle.pk],
                internal=internal,
            )
        )
    return points


def balance_by_cycle(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> list[tuple[PulseCycle | int, float | None, int]]:
    """(cycle id, balance in points, votes) per cycle opened in [since, until)."""
    return [
        (p.cycle_id, p.balance_pct, p.votes.n)
        for p in cycle_points(organization, since=since, until=until)
    ]


def follow_through_rate(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> FollowThroughRow:
    """One Thing follow-through over the cycles opened in [since, until)."""
    return follow_through_of(cycle_points(organization, since=since, until=until))


def follow_through_of(points: list[CyclePoint]) -> FollowThroughRow:
    """One Thing follow-through of these cycles together."""
    total = FollowThroughRow("Everyone")
    for p in points:
        total.done += p.follow_through.done
        total.partly += p.follow_through.partly
        total.not_done += p.follow_through.not_done
    return total


def internal_nps_by_team(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> dict[str, Nps]:
    """Each rated team's internal NPS over the cycles opened in [since, until)."""
    answers = PulseAnswer.objects.filter(
        cycle__organization=organization, cycle__opens_at__gte=since, cycle__opens_at__lt=until
    )
    return {s.rated: nps_of(s) for s in internal_scores(answers, threshold=0)}


def internal_nps_by_team_many(
    organization: Organization, windows: list[tuple[dt.datetime, dt.datetime]]
) -> list[dict[str, Nps]]:
    """``internal_nps_by_team`` for each [since, until) window, in order, from
    one grouped query over all of them."""
    if not windows:
        return []
    rows = (
        PulseAnswer.objects.filter(
            cycle__organization=organization,
            cycle__opens_at__gte=min(w[0] for w in windows),
            cycle__opens_at__lt=max(w[1] for w in windows),
            internal_score__isnull=False,
            rated_team__isnull=False,
        )
        .values_list("cycle__opens_at", "rated_team__name", "team__name", "internal_score")
        .annotate(n=Count("pk"))
        .order_by()
    )
    tallies: list[dict[tuple[str, str], list[int]]] = [
        defaultdict(lambda: [0, 0, 0]) for _ in windows
    ]
    for opens_at, rated, raters, score, n in rows:
        slot = {"promoter": 0, "passive": 1, "detractor": 2}[category(score)]
        for i, (since, until) in enumerate(windows):
            if since <= opens_at < until:
                tallies[i][(rated, raters or NO_TEAM)][slot] += n
    # As internal_scores, then keyed by rated team: the last group of raters
    # (sorted by name) stands for the team, as in ``internal_nps_by_team``.
    return [
        {rated: nps(*counts, key=rated) for (rated, _), counts in sorted(found.items())}
        for found in tallies
    ]


def one_things_between(
    organization: Organization, since: dt.datetime, until: dt.datetime, *, limit: int = 12
) -> tuple[int, list[str]]:
    """How many One Things were committed in the cycles opened in [since, until),
    and the text of the first ``limit``: no names, no teams (anonymous)."""
    found = OneThing.objects.filter(
        organization=organization, cycle__opens_at__gte=since, cycle__opens_at__lt=until
    ).order_by("cycle__opens_at", "pk")
    return found.count(), list(found.values_list("text", flat=True)[:limit])


def nps_of(score: InternalScore) -> Nps:
    assert score.result is not None
    return score.result


def metric_series(
    organization: Organization, requests: Sequence[tuple[str, dt.date, dt.date]]
) -> list[float | None]:
    """``goal_metric_values`` for many (key, start, end) at once, in order,
    from one read of the cycles of all periods (``cycle_points``)."""
    wanted = [(start, end) for key, start, end in requests if key == "pulse_balance"]
    if not wanted:
        return [None] * len(requests)

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)

    points = cycle_points(
        organization,
        since=midnight(min(w[0] for w in wanted)),
        until=midnight(max(w[1] for w in wanted) + dt.timedelta(days=1)),
    )
    out: list[float | None] = []
    for key, start, end in requests:
        if key != "pulse_balance":
            out.append(None)
            continue
        since, until = midnight(start), midnight(end + dt.timedelta(days=1))
        total = Counts()
        for point in points:
            if since <= point.opens_at < until:
                for vote in Vote.values:
                    total.add(vote, getattr(point.votes, vote))
        out.append(total.balance_pct)
    return out


def goal_metric_values(
    organization: Organization, start: dt.date, end: dt.date
) -> dict[str, Decimal]:
    """The pulse's catalogue metrics for cycles opened from ``start`` to ``end``
    (inclusive), as the goals app reads them: Decimals, metrics without data
    left out."""
    since = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    total = Counts()
    for point in cycle_points(organization, since=since, until=until):
        for vote in Vote.values:
            total.add(vote, getattr(point.votes, vote))
    if total.balance_pct is None:
        return {}
    return {"pulse_balance": Decimal(str(total.balance_pct))}


# -- the joint meeting's agenda ---------------------------------------------------


LOW_SCORE = 6  # detractor scores: 0-6


def agenda_candidates(
    organization: Organization, since: dt.datetime, until: dt.datetime
) -> list[AgendaCandidate]:
    """Worse votes per goal and low internal scores of cycles opened in
    [since, until), as agenda items. Counts only, never names."""
    threshold = settings_of(organization).anonymity_threshold
    items: list[AgendaCandidate] = []
    for cycle in PulseCycle.objects.filter(
        organization=organization, opens_at__gte=since, opens_at__lt=until
    ).select_related("organization"):
        url = results_path(cycle)
        counts = vote_counts(cycle)
        for goal in cycle.goals.order_by("title", "pk"):
            total = goal_total(counts, goal.pk)
            if total.worse:
                comments = list(
                    GoalVote.objects.filter(answer__cycle=cycle, goal=goal, vote=Vote.WORSE)
                    .exclude(comment="")
                    .values_list("comment", flat=True)[:3]
                )
                why = (
                    f"{total.worse} of {total.n} said working together on it got worse "
                    f"in the {cycle.label.lower()} (balance {total.balance:+d})."
                )
                if comments:
                    why += " They wrote: " + " / ".join(f"“{c}”" for c in comments)
                items.append(AgendaCandidate("Pulse", f"Worse: {goal.title}", why, url))
        for score in internal_scores(PulseAnswer.objects.filter(cycle=cycle), threshold):
            low = PulseAnswer.objects.filter(
                cycle=cycle, rated_team__name=score.rated, internal_score__lte=LOW_SCORE
            )
            if score.raters != NO_TEAM:
                low = low.filter(team__name=score.raters)
            n_low = low.count()
            if not n_low:
                continue
            if score.hidden or score.result is None or score.result.ci95 is None:
                why = (
                    f"{score.raters} gave low scores in the {cycle.label.lower()} "
                    "(too few answers to show more)."
                )
            else:
                low_ci, high_ci = score.result.ci95
                why = (
                    f"{n_low} of {score.n} in {score.raters} scored {score.rated} {LOW_SCORE} "
                    f"or less in the {cycle.label.lower()}; internal NPS "
                    f"{score.result.nps:+.0f} (95% interval {low_ci:+.0f} to {high_ci:+.0f})."
                )
            items.append(AgendaCandidate("Pulse", f"Low internal score of {score.rated}", why, url))
    return items
