"""Themes in what customers wrote: TF-IDF over a bounded vocabulary, then NMF.

The worker fits the model on a bounded sample of recent comments (so memory
does not grow with history), keeps it, and assigns new comments
incrementally: only responses not yet themed are read, in chunks. A refit
happens when enough new comments arrive; themes people renamed, merged or
routed keep those choices when a refit finds them again (matched by their
top terms).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accord.feedback.models import FeedbackSettings, Response, Theme, ThemeMention, ThemeModel
from accord.jobs.registry import job
from accord.orgs.models import Membership, Organization
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record

SAMPLE = 20_000
CHUNK = 2_000
MAX_FEATURES = 4_000
MIN_WORDS = 2
MIN_WEIGHT = 0.01
TOP_TERMS = 8
MAX_THEMES = 16
REFIT_SHARE = 0.25
QUEUE_DELAY = timedelta(minutes=10)

# sklearn knows English stop words; the survey also speaks these languages.
_STOP_TEXT = """
de la que el en y a los del se las por un para con no una su al lo como más pero sus le ya o
este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos
durante todos uno les ni contra otros ese eso ante ellos e esto mí antes algunos qué unos yo otro
le les des et est en une du dans qui pour pas sur au avec ce il ne se plus par je son mais nous
vous ou leur sont été être avoir fait très tout cette ces comme elle on
der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an
werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war
haben nur oder aber vor zur bis mehr durch man sehr ich wir ihr uns
"""
OTHER_STOP_WORDS = frozenset(_STOP_TEXT.split())


def themes_refresh_request(*, membership: Membership) -> None:
    """Ask the worker to refit and reassign every comment now."""
    from accord.jobs.services import job_enqueue

    require(membership, Action.THEME_MANAGE)
    with transaction.atomic():
        job_enqueue(themes_update, organization_id=membership.organization_id, refit=True)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="themes.refresh",
            obj=membership.organization,
        )


def themes_queue_soon(organization_id: int, queued_at: datetime | None = None) -> None:
    """After a new comment: queue one themes update within ten minutes (not one per comment)."""
    from accord.jobs.services import job_enqueue

    now = timezone.now()
    if queued_at is not None and queued_at >= now - QUEUE_DELAY:
        return  # one is queued already
    claimed = FeedbackSettings.objects.filter(
        Q(themes_queued_at__isnull=True) | Q(themes_queued_at__lt=now - QUEUE_DELAY),
        organization_id=organization_id,
    ).update(themes_queued_at=now)
    if claimed:
        job_enqueue(themes_update, run_after=now + QUEUE_DELAY, organization_id=organization_id)


def _comments(queryset: Any) -> Iterator[tuple[int, str, str]]:
    """(response id, field, text) of every comment worth theming, in chunks."""
    last = 0
    while True:
        rows = list(
            queryset.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "better", "well", "comment")[:CHUNK]
        )
        if not rows:
            return
        # A general comment (an imported passive's) is themed but counted on
        # neither the "better" nor the "well" side of its theme.
        for pk, better, well, comment in rows:
            for field, text in (("better", better), ("well", well), ("comment", comment)):
                if text and len(text.split()) >= MIN_WORDS:
                    yield pk, field, text[:5_000]
        last = rows[-1][0]


def _with_text(organization: Organization) -> Any:
    return Response.objects.filter(organization=organization).filter(
        ~Q(better="") | ~Q(well="") | ~Q(comment="")
    )


def _fit(organization: Organization) -> tuple[Any, Any, list[int]] | None:
    """Fit TF-IDF + NMF on the most recent comments (at most SAMPLE of them)."""
    import numpy
    from sklearn.decomposition import MiniBatchNMF  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import (  # type: ignore[import-untyped]
        ENGLISH_STOP_WORDS,
        TfidfVectorizer,
    )

    recent = list(
        _with_text(organization)
        .order_by("-created_at")
        .values_list("better", "well", "comment")[: SAMPLE // 2]
    )
    texts = [t[:5_000] for pair in recent for t in pair if t and len(t.split()) >= MIN_WORDS]
    if len(texts) < 10:
        return None
    vectorizer = TfidfVectorizer(
        max_features=MAX_FEATURES,
        stop_words=sorted(set(ENGLISH_STOP_WORDS) | set(OTHER_STOP_WORDS)),
        min_df=2 if len(texts) < 2_000 else 3,
        max_df=0.5,
        ngram_range=(1, 2),
        sublinear_tf=True,
        dtype=numpy.float32,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing left after stop words
        return None
    components = max(2, min(MAX_THEMES, len(texts) // 40, matrix.shape[1] - 1))
    if matrix.shape[1] < 3:
        return None
    nmf = MiniBatchNMF(
        n_components=components, init="nndsvda", batch_size=1024, random_state=0, max_iter=200
    )
    nmf.fit(matrix)
    terms = vectorizer.get_feature_names_out()
    themes = _match_themes(organization, nmf.components_, terms)
    return vectorizer, nmf, themes


def _match_themes(organization: Organization, components: Any, terms: Any) -> list[int]:
    """A Theme per component: an existing one with overlapping top terms keeps its
    name, routing and merges; otherwise a new one named after its top terms."""
    existing = list(Theme.objects.filter(organization=organization))
    taken: set[int] = set()
    ids: list[int] = []
    for row in components:
        top = [str(terms[i]) for i in row.argsort()[::-1][:TOP_TERMS]]
        best, best_score = None, 0.0
        for theme in existing:
            if theme.pk in taken:
                continue
            overlap = len(set(top) & set(theme.top_terms)) / max(
                1, len(set(top) | set(theme.top_terms))
            )
            if overlap > best_score:
                best, best_score = theme, overlap
        if best is not None and best_score >= 0.25:
            best.top_terms = top
            if not best.renamed:
                best.name = _name(top)
            best.save(update_fields=["top_terms", "name"])
            theme = best
        else:
            theme = Theme.objects.create(organization=organization, name=_name(top), top_terms=top)
        taken.add(theme.pk)
        while theme.merged_into_id is not None:
            theme = Theme.objects.get(pk=theme.merged_into_id)
        ids.append(theme.pk)
    return ids


def _name(top: list[str]) -> str:
    words: list[str] = []
    for term in top:
        if not any(term in w or w in term for w in words):
            words.append(term)
        if len(words) == 3:
            break
    return " / ".join(words).capitalize()[:120] or "Theme"


@job()
def themes_update(*, organization_id: int | None = None, refit: bool = False) -> str:
    """Assign every not-yet-themed comment; refit first when asked or when many
    comments are new. Memory is bounded by SAMPLE, MAX_FEATURES and CHUNK.

    Safe to run twice: each chunk's mentions and ``themed_at`` commit
    together, so a run done again after its worker died goes on with the
    comments still unthemed; mentions are unique per (response, field) and
    inserted ignoring conflicts. A new fit replaces the model and clears
    the old assignments in one transaction.
    """
    if organization_id is None:
        return "no organisation"
    organization = Organization.objects.get(pk=organization_id)
    FeedbackSettings.objects.filter(organization=organization).update(themes_queued_at=None)
    stored = ThemeModel.objects.filter(organization=organization).first()
    unthemed = _with_text(organization).filter(themed_at__isnull=True)
    new = unthemed.count()
    if stored is not None and not refit and new < REFIT_SHARE * max(stored.fitted_on, 40):
        vectorizer, nmf, theme_ids = pickle.loads(bytes(stored.blob))  # noqa: S301 - our own blob
    else:
        fitted = _fit(organization)
        if fitted is None:
            return "too few comments"
        vectorizer, nmf, theme_ids = fitted
        total = _with_text(organization).count()
        with transaction.atomic():
            ThemeModel.objects.update_or_create(
                organization=organization,
                defaults={
                    "blob": pickle.dumps((vectorizer, nmf, theme_ids)),
                    "fitted_on": total,
                    "fitted_at": timezone.now(),
                },
            )
            # A new model reassigns everything, chunk by chunk below.
            ThemeMention.objects.filter(organization=organization).delete()
            Response.objects.filter(organization=organization).update(themed_at=None)
        unthemed = _with_text(organization).filter(themed_at__isnull=True)
    # Follow merges made since the fit.
    target = {
        t.pk: (t.merged_into_id or t.pk)
        for t in Theme.objects.filter(organization=organization, pk__in=theme_ids)
    }
    assigned = 0
    batch: list[tuple[int, str, str]] = []
    for comment in _comments(unthemed):
        batch.append(comment)
        if len(batch) >= CHUNK:
            assigned += _assign(organization, batch, vectorizer, nmf, theme_ids, target)
            batch = []
    if batch:
        assigned += _assign(organization, batch, vectorizer, nmf, theme_ids, target)
    # Responses whose text was too short to theme are done as well.
    Response.objects.filter(organization=organization, themed_at__isnull=True).update(
        themed_at=timezone.now()
    )
    return f"assigned {assigned}"


def _assign(
    organization: Organization,
    batch: list[tuple[int, str, str]],
    vectorizer: Any,
    nmf: Any,
    theme_ids: list[int],
    target: dict[int, int],
) -> int:
    weights = nmf.transform(vectorizer.transform([text for _, _, text in batch]))
    mentions = []
    for (pk, field, _), row in zip(batch, weights, strict=True):
        best = int(row.argmax())
        if row[best] < MIN_WEIGHT:
            continue
        theme_id = target.get(theme_ids[best], theme_ids[best])
        mentions.append(
            ThemeMention(
                organization=organization,
                theme_id=theme_id,
                response_id=pk,
                field=field,
                weight=float(row[best]),
            )
        )
    with transaction.atomic():
        ThemeMention.objects.bulk_create(mentions, ignore_conflicts=True, batch_size=500)
        Response.objects.filter(pk__in={pk for pk, _, _ in batch}).update(themed_at=timezone.now())
    return len(mentions)
