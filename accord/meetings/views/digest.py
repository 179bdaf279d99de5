"""The weekly digest: a member's own on/off page, and the one-click opt-out
behind the link in every digest (no login: the link's token is the key)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accord.lib.middleware import no_referrer
from accord.meetings.digest import digest_of
from accord.meetings.services import digest as digest_services
from accord.orgs.decorators import org_view
from accord.orgs.models import Membership


@org_view()
def digest_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Turn one's own weekly digest on or off, and see what it would say today."""
    if request.method == "POST":
        enabled = request.POST.get("enabled") == "on"
        digest_services.digest_preference_set(membership=membership, enabled=enabled)
        messages.success(
            request,
            "Your weekly digest is on." if enabled else "Your weekly digest is off.",
        )
        return redirect("meetings_digest", org_slug=membership.organization.slug)
    return render(
        request,
        "meetings/digest.html",
        {
            "section": "meetings",
            "enabled": digest_services.digest_enabled(membership),
            "digest": digest_of(membership, timezone.now()),
        },
    )


# A mail client's one-click opt-out (RFC 8058) POSTs without a CSRF token; the
# secret token in the URL is what authorises the change.
@csrf_exempt
@no_referrer
@require_http_methods(["GET", "HEAD", "POST"])
def digest_off(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (mail scanners follow links); POST turns the digest off."""
    sent = digest_services.digest_for_token(token)
    if sent is None:
        raise Http404("No such digest")
    done = False
    if request.method == "POST":
        digest_services.digest_opt_out(sent=sent)
        done = True
    return render(
        request,
        "meetings/digest_off.html",
        {"done": done, "organization": sent.organization, "member": sent.member},
    )
