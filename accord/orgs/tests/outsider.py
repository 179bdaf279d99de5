"""Acme's objects that the outsider test tries to reach (see test_isolation.py).

Every app with organisation pages or API operations has a module like this
one: ``accord/<app>/tests/outsider.py`` with

* ``page_objects(acme, owner)``: URL name -> the kwargs (besides org_slug)
  that point at one of Acme's objects, ``{}`` for pages without one;
* ``api_objects(acme, owner)``: OpenAPI path parameter -> one of Acme's ids;
* optionally ``API_BODIES``: (method, path) -> a valid body, so the answer
  is about the object (404), not about the body (422).

Objects should carry "Acme" in their text so a leak is caught.
"""

from __future__ import annotations

from typing import Any

from accord.jobs.models import DeadJob
from accord.mail.models import CapturedMessage
from accord.orgs.models import Membership, Organization, TeamKind
from accord.orgs.services import api_token_create, invitation_create


def page_objects(acme: Organization, owner: Membership) -> dict[str, dict[str, Any]]:
    member = acme.memberships.exclude(pk=owner.pk).first() or owner
    invitation = invitation_create(
        membership=owner, email="dave@acme.example", role="member"
    ).invitation
    token = api_token_create(membership=owner, name="Acme export").token
    dead_job = DeadJob.objects.create(
        organization=acme, job_name="acme.secret_job", attempts=5, error="Acme failure"
    )
    message = CapturedMessage.objects.create(
        organization=acme,
        from_email="x@acme.example",
        to=["bob@acme.example"],
        subject="Acme secret",
        text_body="Acme body",
    )
    return {
        "org_overview": {},
        "org_settings": {},
        "org_members": {},
        "org_member_role": {"pk": member.pk},
        "org_member_remove": {"pk": member.pk},
        "org_invitation_revoke": {"pk": invitation.pk},
        "org_team_create": {},
        "org_tokens": {},
        "org_token_revoke": {"pk": token.pk},
        "org_audit": {},
        "org_outbox": {},
        "org_outbox_message": {"pk": message.pk},
        "org_jobs": {},
        "org_job_retry": {"pk": dead_job.pk},
    }


def api_objects(acme: Organization, owner: Membership) -> dict[str, Any]:
    member = acme.memberships.exclude(pk=owner.pk).first() or owner
    invitation = invitation_create(
        membership=owner, email="erin@acme.example", role="member"
    ).invitation
    return {
        "team_id": acme.teams.get(kind=TeamKind.SALES).pk,
        "member_id": member.pk,
        "invitation_id": invitation.pk,
    }


API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("patch", "/members/{member_id}"): {"role": "viewer"},
}
