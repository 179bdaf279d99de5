"""Pages for organisations: create, switch, settings, members, invitations,
teams, API tokens, the audit log, the Outbox and failed jobs."""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from accord.accounts.models import User
from accord.accounts.selectors import email_is_unverified, email_is_users
from accord.lib.forms import add_service_errors
from accord.lib.keyset import keyset_page
from accord.orgs import selectors, services
from accord.orgs.decorators import org_view
from accord.orgs.forms import (
    ApiTokenForm,
    InvitationForm,
    MemberRoleForm,
    OrganizationCreateForm,
    OrganizationSettingsForm,
    TeamForm,
)
from accord.orgs.models import Membership
from accord.orgs.permissions import Action, can

PAGE_SIZE = 50


def home(request: HttpRequest) -> HttpResponse:
    """Anonymous: the welcome page. Members: their first organisation."""
    if not request.user.is_authenticated:
        return render(request, "orgs/welcome.html")
    first = selectors.memberships_of(request.user).first()
    if first is None:
        return redirect("org_create")
    return redirect("org_overview", org_slug=first.organization.slug)


@login_required
def org_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"] or None,
                owner=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{organization.name} is ready. Invite your colleagues next.")
            return redirect("org_members", org_slug=organization.slug)
    status = 400 if form.errors else 200
    return render(request, "orgs/create.html", {"form": form}, status=status)


@org_view(Action.ORG_UPDATE)
def org_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    form = OrganizationSettingsForm(
        request.POST or None,
        initial={
            "name": organization.name,
            "time_zone": organization.time_zone,
            "country": organization.country,
            "currency": organization.currency,
            "holidays": "\n".join(organization.holidays),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(membership=membership, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("org_settings", org_slug=organization.slug)
    return render(request, "orgs/settings.html", {"form": form}, status=400 if form.errors else 200)


@org_view()
def members(request: HttpRequest, membership: Membership) -> HttpResponse:
    teams = selectors.teams(membership)
    form = InvitationForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.invitation_create(
                membership=membership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                team_id=form.team_id(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {issued.invitation.email}.")
            return redirect("org_members", org_slug=membership.organization.slug)
    people = Paginator(selectors.members(membership), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/members.html",
        {
            "people": people,
            "invitations": selectors.invitations_pending(membership),
            "form": form,
            "teams": teams,
            "role_form": MemberRoleForm(teams=teams),
        },
        status=400 if form.errors else 200,
    )


@org_view(Action.MEMBER_CHANGE_ROLE)
def member_change_role(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    target = selectors.member(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = MemberRoleForm(request.POST, teams=selectors.teams(membership))
    if form.is_valid():
        try:
            services.member_change_role(
                membership=membership,
                target=target,
                role=form.cleaned_data["role"],
                team_id=form.team_id(),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{target.user.email} is now {target.get_role_display()}.")
    else:
        messages.error(request, "Choose a valid role and team.")
    return redirect("org_members", org_slug=membership.organization.slug)


@org_view(Action.MEMBER_REMOVE)
def member_remove(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST removes."""
    target = selectors.member(membership, pk)
    if request.method == "POST":
        try:
            services.member_remove(membership=membership, target=target)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{target.user.email} was removed and their tokens revoked.")
            if target.user_id == membership.user_id:
                return redirect("home")
        return redirect("org_members", org_slug=membership.organization.slug)
    return render(request, "orgs/member_remove.html", {"target": target})


@org_view(Action.INVITATION_REVOKE)
def invitation_revoke(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    invitation = selectors.invitation(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.invitation_revoke(membership=membership, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The invitation for {invitation.email} was revoked.")
    return redirect("org_members", org_slug=membership.organization.slug)


@org_view(Action.TEAM_CREATE)
def team_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(membership=membership, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Team {team.name} added.")
            return redirect("org_members", org_slug=membership.organization.slug)
    return render(
        request, "orgs/team_create.html", {"form": form}, status=400 if form.errors else 200
    )


@org_view()
def api_tokens(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_token_create(
                membership=membership, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Shown once, in this response only; never stored in the clear.
            new_secret = issued.secret
            form = ApiTokenForm()
    response = render(
        request,
        "orgs/tokens.html",
        {"tokens": selectors.api_tokens_of(membership), "form": form, "new_secret": new_secret},
        status=400 if form.errors else 200,
    )
    # The page may hold a secret shown once: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


@org_view()
def api_token_revoke(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    token = selectors.own_api_token(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.api_token_revoke(membership=membership, token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("org_tokens", org_slug=membership.organization.slug)


@org_view(Action.AUDIT_READ)
def audit_log(request: HttpRequest, membership: Membership) -> HttpResponse:
    events = selectors.audit_events(membership)
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = keyset_page(
        events, order=selectors.AUDIT_ORDER, cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    query = urlencode({"action": action}) if action else ""
    return render(request, "orgs/audit.html", {"page": page, "action": action, "query": query})


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the invitation (and never consumes it); POST accepts it."""
    invitation = services.invitation_by_token(token)
    if invitation is None or invitation.status != "pending":
        return render(
            request, "orgs/invitation_invalid.html", {"invitation": invitation}, status=404
        )
    context = {
        "invitation": invitation,
        "signup_url": reverse("account_signup") + f"?next={request.path}",
        "login_url": reverse("account_login") + f"?next={request.path}",
    }
    user = request.user
    if not user.is_authenticated:
        # The link reached the invited mailbox: an account made now with that
        # address counts it as verified (allauth reads this at sign-up).
        get_account_adapter(request).stash_verified_email(request, invitation.email)
        return render(request, "orgs/invitation.html", context)
    assert isinstance(user, User)
    if email_is_unverified(user, invitation.email):
        return render(request, "orgs/invitation_unverified.html", context, status=403)
    if not email_is_users(user, invitation.email):
        return render(request, "orgs/invitation_other.html", context, status=403)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, user=user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("home")
        messages.success(request, f"Welcome to {membership.organization.name}.")
        return redirect("org_overview", org_slug=membership.organization.slug)
    return render(request, "orgs/invitation.html", context)


@org_view()
def outbox(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The Outbox: captured email, for instances without EMAIL_URL. Admins
    read all of it; every member the mail sent to them and about what they own."""
    search = " ".join(request.GET.get("q", "").split())[:200]
    found = selectors.captured_messages(membership, search=search)
    page = keyset_page(
        found, order=selectors.OUTBOX_ORDER, cursor=request.GET.get("cursor"), size=PAGE_SIZE
    )
    return render(
        request,
        "orgs/outbox.html",
        {
            "page": page,
            "search": search,
            "query": urlencode({"q": search}) if search else "",
            "reads_all": can(membership, Action.OUTBOX_READ),
        },
    )


@org_view()
def outbox_message(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    message = selectors.captured_message(membership, pk)
    return render(request, "orgs/outbox_message.html", {"message": message})


@org_view(Action.JOBS_MANAGE)
def dead_jobs(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The dead-letter page: jobs that failed every attempt, with a retry button."""
    page = Paginator(selectors.dead_jobs(membership), 50).get_page(request.GET.get("page"))
    return render(request, "orgs/dead_jobs.html", {"page": page})


@org_view(Action.JOBS_MANAGE)
def dead_job_retry(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    dead_job = selectors.dead_job(membership, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if services.dead_job_retry(membership=membership, dead_job=dead_job):
        messages.success(request, f"{dead_job.job_name} was queued again.")
    else:
        messages.info(request, f"{dead_job.job_name} had already been queued again.")
    return redirect("org_jobs", org_slug=membership.organization.slug)
