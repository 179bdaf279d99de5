"""Pages of the Goals section: the content library and the section's settings."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accord.goals import selectors, services
from accord.goals.forms import (
    AssetForm,
    UntouchedForm,
    UsageForm,
)
from accord.goals.models import (
    AssetKind,
    ContentAsset,
)
from accord.goals.views.activity import _import
from accord.goals.views.common import PAGE_SIZE, _query_without_page, _status, _try
from accord.lib.keyset import keyset_page
from accord.orgs import selectors as org_selectors
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership, TeamKind
from accord.orgs.permissions import Action, can

# -- content library ---------------------------------------------------------


@org_view()
def content(request: HttpRequest, membership: Membership) -> HttpResponse:
    untouched = request.GET.get("untouched") == "1"
    settings = services.goals_settings_of(membership.organization)
    assets = selectors.content_assets(
        membership,
        untouched=untouched,
        kind=request.GET.get("kind") or None,
        tag=request.GET.get("tag") or None,
        query=request.GET.get("q") or None,
    )
    page = Paginator(assets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "goals/content.html",
        {
            "page": page,
            "untouched": untouched,
            "untouched_days": settings.untouched_days,
            "kinds": AssetKind.choices,
            "kind": request.GET.get("kind", ""),
            "tag": request.GET.get("tag", ""),
            "q": request.GET.get("q", ""),
            "query": _query_without_page(request),
            "may_add": can(membership, Action.CONTENT_MANAGE),
        },
    )


@org_view(Action.ACTIVITY_GOAL_MANAGE)
def goals_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    current = services.goals_settings_of(membership.organization)
    form = UntouchedForm(
        request.POST or None,
        initial={
            "untouched_days": current.untouched_days,
            "event_reminder_days": current.event_reminder_days,
        },
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _try(
            request,
            form,
            lambda: services.goals_settings_update(membership=membership, **form.cleaned_data),
            "Settings saved.",
        )
    ):
        return redirect("goals_content", org_slug=membership.organization.slug)
    return render(request, "goals/settings.html", {"form": form}, status=_status(form))


@org_view(Action.CONTENT_MANAGE)
def content_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = AssetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created: list[ContentAsset] = []
        if _try(
            request,
            form,
            lambda: created.append(
                services.content_asset_create(
                    membership=membership,
                    title=data["title"],
                    kind=data["kind"],
                    url=data["url"],
                    tags=form.tag_list(),
                    body=data["body"],
                )
            ),
            "Asset added to the library.",
        ):
            return redirect(
                "goals_content_asset", org_slug=membership.organization.slug, pk=created[0].pk
            )
    return render(
        request, "goals/asset_form.html", {"form": form, "asset": None}, status=_status(form)
    )


def _asset(membership: Membership, pk: int) -> ContentAsset:
    return selectors.content_asset(membership, pk)


@org_view(Action.CONTENT_MANAGE)
def content_edit(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    asset = _asset(membership, pk)
    form = AssetForm(
        request.POST or None,
        initial={
            "title": asset.title,
            "kind": asset.kind,
            "url": asset.url,
            "tags": ", ".join(asset.tags),
            "body": asset.body,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _try(
            request,
            form,
            lambda: services.content_asset_update(
                membership=membership,
                asset=asset,
                title=data["title"],
                kind=data["kind"],
                url=data["url"],
                tags=form.tag_list(),
                body=data["body"],
            ),
            "Asset saved.",
        ):
            return redirect("goals_content_asset", org_slug=membership.organization.slug, pk=pk)
    return render(
        request, "goals/asset_form.html", {"form": form, "asset": asset}, status=_status(form)
    )


@org_view()
def content_asset(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """An asset, who in sales used it when, and a form to log a use."""
    asset = _asset(membership, pk)
    sellers = org_selectors.members(membership).filter(team__kind=TeamKind.SALES)
    form = UsageForm(request.POST or None, people=sellers)
    if request.method == "POST":
        if not can(membership, Action.CONTENT_USE_LOG):
            raise PermissionDenied("Your role may not log content use.")
        if form.is_valid():
            data = form.cleaned_data
            if _try(
                request,
                form,
                lambda: services.content_usage_log(
                    membership=membership,
                    asset=asset,
                    used_on=data["used_on"],
                    note=data["note"],
                    member=data["member"],
                ),
                "Use logged.",
            ):
                return redirect("goals_content_asset", org_slug=membership.organization.slug, pk=pk)
    usages = keyset_page(
        selectors.asset_usages(asset),
        order=selectors.USAGE_ORDER,
        cursor=request.GET.get("cursor"),
        size=PAGE_SIZE,
    )
    return render(
        request,
        "goals/asset.html",
        {
            "asset": asset,
            "usages": usages.items,
            "page": usages,
            "form": form,
            "may_log": can(membership, Action.CONTENT_USE_LOG),
            "may_edit": can(membership, Action.CONTENT_MANAGE),
        },
        status=_status(form),
    )


@org_view(Action.CONTENT_USE_LOG)
def content_import(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _import(
        request,
        membership,
        services.content_usage_import_csv,
        "Import content use",
        "email, asset (its id or exact title), date (YYYY-MM-DD), note",
        "goals_content",
    )
