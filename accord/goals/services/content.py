"""The content library: assets and their use by sales."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from accord.goals.models import (
    ActivitySource,
    ActivityType,
    AssetKind,
    ContentAsset,
    ContentUsage,
)
from accord.goals.services.activity import (
    _csv_date,
    _csv_member,
    _csv_rows,
    _members_by_email,
    _row_error,
    activity_log_row,
)
from accord.goals.services.common import _member, _team_kind
from accord.lib.claimed_time import claimed_day_check
from accord.lib.inputs import record_id
from accord.orgs.models import Membership, TeamKind
from accord.orgs.permissions import Action, can, require
from accord.orgs.services import audit_record


def _clean_tags(tags: Iterable[str] | None) -> list[str]:
    cleaned: list[str] = []
    for tag in tags or []:
        tag = str(tag).strip().lower()[:40]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return cleaned[:20]


def _clean_asset(title: str, kind: str, url: str) -> tuple[str, str, str]:
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Give the asset a title."})
    if len(title) > 200:
        raise ValidationError({"title": "At most 200 characters."})
    if kind not in AssetKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(AssetKind.values)}."})
    url = url.strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError(
                {"url": "Enter a web address starting with http:// or https://."}
            ) from None
        if len(url) > 500:
            raise ValidationError({"url": "At most 500 characters."})
    return title, kind, url


@transaction.atomic
def content_asset_create(
    *,
    membership: Membership,
    title: str,
    kind: str,
    url: str = "",
    tags: list[str] | None = None,
    body: str = "",
) -> ContentAsset:
    """Add an asset to the content library, owned by ``membership``.

    Other apps use this too (feedback saves a promoter's quote as a
    ``testimonial``), so the caller needs only the content permission.
    """
    require(membership, Action.CONTENT_MANAGE)
    title, kind, url = _clean_asset(title, kind, url)
    asset = ContentAsset.objects.create(
        organization=membership.organization,
        title=title,
        kind=kind,
        url=url,
        body=body.strip(),
        owner=membership,
        tags=_clean_tags(tags),
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="content.create",
        obj=asset,
        changes={"kind": kind},
    )
    return asset


@transaction.atomic
def content_asset_update(
    *,
    membership: Membership,
    asset: ContentAsset,
    title: str | None = None,
    kind: str | None = None,
    url: str | None = None,
    tags: list[str] | None = None,
    body: str | None = None,
    owner: Membership | None = None,
) -> ContentAsset:
    require(membership, Action.CONTENT_MANAGE)
    title_, kind_, url_ = _clean_asset(
        asset.title if title is None else title,
        asset.kind if kind is None else kind,
        asset.url if url is None else url,
    )
    asset.title, asset.kind, asset.url = title_, kind_, url_
    if tags is not None:
        asset.tags = _clean_tags(tags)
    if body is not None:
        asset.body = body.strip()
    if owner is not None:
        asset.owner = _member(membership, owner, "owner")
    asset.save()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="content.update",
        obj=asset,
    )
    return asset


def _plan_usage(
    membership: Membership,
    *,
    asset: ContentAsset,
    member: Membership,
    used_on: dt.date | None,
    note: str,
) -> tuple[ContentAsset, Membership, dt.date, str]:
    if member.pk != membership.pk and not can(membership, Action.ACTIVITY_GOAL_MANAGE):
        raise PermissionDenied("Members log their own content use; leads may log for others.")
    if _team_kind(member) != TeamKind.SALES:
        raise ValidationError(
            {"member": f"{member.user.email} is not in Sales: the library counts use by sales."}
        )
    day = claimed_day_check(used_on, field="used_on", time_zone=membership.organization.time_zone)
    if len(note) > 300:
        raise ValidationError({"note": "At most 300 characters."})
    return asset, member, day, note.strip()


def _write_usage(
    asset: ContentAsset, member: Membership, day: dt.date, note: str, source: str
) -> ContentUsage:
    first = not ContentUsage.objects.filter(asset=asset, member=member).exists()
    usage = ContentUsage.objects.create(
        organization=asset.organization,
        asset=asset,
        member=member,
        used_on=day,
        note=note,
        first_use=first,
    )
    if first and member.team is not None:
        # Using an asset for the first time is the cross-team activity sales commits to.
        activity_log_row(
            member=member,
            activity_type=ActivityType.CONTENT_USE,
            occurred_on=day,
            note=f"First use of {asset.title}",
            source=ActivitySource.CONTENT,
            content_usage=usage,
        )
    return usage


@transaction.atomic
def content_usage_log(
    *,
    membership: Membership,
    asset: ContentAsset,
    used_on: dt.date | None = None,
    note: str = "",
    member: Membership | None = None,
) -> ContentUsage:
    """Log that a sales member (default: the actor) used ``asset``. A member's
    first use of an asset counts toward sales' content activity goal."""
    require(membership, Action.CONTENT_USE_LOG)
    if asset.organization_id != membership.organization_id:
        raise ValidationError({"asset": "No such asset."})
    target = _member(membership, membership if member is None else member, "member")
    asset, target, day, note = _plan_usage(
        membership, asset=asset, member=target, used_on=used_on, note=note
    )
    usage = _write_usage(asset, target, day, note, "manual")
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="content.use",
        obj=usage,
        changes={"asset": asset.title, "member": target.user.email, "used_on": day.isoformat()},
    )
    return usage


@transaction.atomic
def content_usage_import_csv(*, membership: Membership, data: bytes) -> int:
    """Import content uses from CSV (columns: email, asset, date, note); ``asset``
    is an asset's id or exact title. All rows or none; errors name row and column."""
    require(membership, Action.CONTENT_USE_LOG)
    rows = _csv_rows(data, ("email", "asset"))
    people = _members_by_email(membership.organization)
    assets = ContentAsset.objects.filter(organization=membership.organization)
    plans = []
    errors: list[str] = []
    for number, row in rows:
        try:
            member = _csv_member(people, row.get("email", ""))
            ref = row.get("asset", "")
            asset = None
            if (pk := record_id(ref)) is not None:
                asset = assets.filter(pk=pk).first()
            if asset is None and ref:
                asset = assets.filter(title__iexact=ref).first()
            if asset is None:
                raise ValidationError({"asset": f"no asset '{ref}' in the content library."})
            day = _csv_date(row.get("date", ""), number)
            plans.append(
                _plan_usage(
                    membership, asset=asset, member=member, used_on=day, note=row.get("note", "")
                )
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "file" in error.error_dict:
                errors.extend(error.message_dict["file"])
            else:
                errors.append(_row_error(number, error))
        except PermissionDenied as error:
            errors.append(f"Row {number}, column 'email': {error}")
    if errors:
        raise ValidationError({"file": errors})
    for asset, member, day, note in plans:
        _write_usage(asset, member, day, note, "csv")
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="content.import",
        obj=membership.organization,
        changes={"rows": len(plans)},
    )
    return len(plans)
