"""The public survey at /s/<token>: no account, mobile first, works without JavaScript.

A GET never records or consumes anything (mail scanners open links): it puts
the token in a cookie for this browser only (signed, HttpOnly, limited to the
form's own path) and redirects to a token-free address, as Django's
password-reset view does with its session, so the token leaves the address
bar, the history and any Referer. A cookie rather than the session: customers
have no account, and the form's POST then needs no session row. Only a POST
records. Every page here is sent with ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accord.feedback import services
from accord.feedback.i18n import LANGUAGES, browser_language, words
from accord.feedback.models import LANGUAGE_CHOICES, Survey
from accord.feedback.services import AlreadyRecorded, Link, LinkExpired, RateLimited
from accord.lib.inputs import whole_number
from accord.lib.middleware import no_referrer
from accord.lib.tokens import hash_token

COOKIE_PREFIX = "accord_survey_"
COOKIE_SALT = "accord.feedback.survey"
COOKIE_AGE = 2 * 24 * 3600
# Per minute: submissions from one address, and to one link.
RATE_PER_ADDRESS = 30
RATE_PER_LINK = 5


def _rate_per_address() -> int:
    # A setting, because a company behind one NAT address may need more.
    return int(getattr(settings, "ACCORD_SURVEY_RATE_PER_ADDRESS", RATE_PER_ADDRESS))


def _rate_per_link() -> int:
    return int(getattr(settings, "ACCORD_SURVEY_RATE_PER_LINK", RATE_PER_LINK))


def _language(request: HttpRequest, link: Link | None) -> str:
    if link is not None and link.recipient is not None and link.recipient.language in LANGUAGES:
        return link.recipient.language
    chosen = request.GET.get("lang", "") or request.POST.get("lang", "")
    if chosen in LANGUAGES:
        return chosen
    return browser_language(request, link.survey.default_language if link else "en")


def _brand(link: Link) -> str:
    return link.survey.brand_name or link.survey.organization.name


def _page(template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """A public page from its view's context alone.

    Not ``render(request, ...)``: the project's context processors serve the
    signed-in pages (the user, the organisation switcher, messages, the CSRF
    token) and these pages use none of them, so a customer's answer does not
    pay for them. A public template that needs the request gets it passed.
    """
    return HttpResponse(render_to_string(template, context), status=status)


def _problem(request: HttpRequest, key: str, status: int, link: Link | None = None) -> HttpResponse:
    language = _language(request, link)
    return _page(
        "feedback/public/problem.html",
        {"t": words(language), "message": words(language)[key], "language": language},
        status=status,
    )


def _resolve(request: HttpRequest, token: str) -> Link | HttpResponse:
    try:
        link = services.link_for_token(token)
    except LinkExpired:
        return _problem(request, "expired", 410)
    if link is None:
        return _problem(request, "unknown", 404)
    return link


@no_referrer
@require_http_methods(["GET", "HEAD"])
def survey_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: remember the token in a cookie, show the form without it."""
    found = _resolve(request, token)
    if isinstance(found, HttpResponse):
        return found
    nonce = secrets.token_urlsafe(12)
    path = reverse("survey_form", kwargs={"nonce": nonce})
    url = path
    score = whole_number(request.GET.get("score", ""), low=0, high=10)
    if score is not None:
        url += f"?score={score}"
    response = HttpResponseRedirect(url)
    response.set_cookie(
        COOKIE_PREFIX + nonce,
        signing.dumps(token, salt=COOKIE_SALT),
        max_age=COOKIE_AGE,
        path=path,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


def _token_of(request: HttpRequest, nonce: str) -> str:
    """The link token this browser was given for ``nonce``, or ""."""
    value = request.COOKIES.get(COOKIE_PREFIX + nonce, "")
    try:
        return str(signing.loads(value, salt=COOKIE_SALT, max_age=COOKIE_AGE)) if value else ""
    except signing.BadSignature:
        return ""


def _rate_limits(request: HttpRequest, token: str) -> dict[str, int]:
    """The counters this POST adds to, each with its limit for the minute."""
    address = request.META.get("REMOTE_ADDR", "")[:45]
    return {
        f"a:{address}": _rate_per_address(),
        f"l:{hash_token(token)[:40]}": _rate_per_link(),
    }


# No CSRF token check: with ``Referrer-Policy: no-referrer`` browsers send
# ``Origin: null`` on the POST, which Django's check refuses. A forged POST
# cannot reach a survey anyway: the address carries a random nonce that only
# this browser's cookie maps to a link, so no other site can know it.
@csrf_exempt
@no_referrer
@require_http_methods(["GET", "HEAD", "POST"])
def survey_form(request: HttpRequest, nonce: str) -> HttpResponse:
    """GET shows the three questions (a score from the email pre-selected); POST records."""
    token = _token_of(request, nonce)
    if not token:
        return _problem(request, "session_lost", 404)
    found = _resolve(request, token)
    if isinstance(found, HttpResponse):
        return found
    link = found
    too_big = False
    if request.method == "POST":
        try:
            request.POST  # noqa: B018 - parse now, where a too-large body can be answered
        except RequestDataTooBig:
            too_big = True
            request._post = QueryDict()  # type: ignore[attr-defined]
    language = _language(request, link)
    text = words(language, brand=_brand(link))
    context: dict[str, Any] = {
        "t": text,
        "link": link,
        "survey": link.survey,
        "brand": _brand(link),
        "language": language,
        "scale": range(11),
        "nonce": nonce,
        "languages": LANGUAGE_CHOICES,
        "errors": {},
        "values": {"score": request.GET.get("score", ""), "better": "", "well": ""},
    }
    if link.recipient is not None and link.recipient.responded_at is not None:
        return _page("feedback/public/thanks.html", {**context, "already": True})
    if request.method != "POST":
        return _page("feedback/public/form.html", context)

    if too_big:
        length = request.headers.get("Content-Length", "?")
        context["errors"] = {
            "better": text["too_long"].format(limit=services.COMMENT_MAX_LENGTH, length=length)
        }
        return _page("feedback/public/form.html", context, status=413)
    data = request.POST
    score = data.get("score", "")
    better, well = data.get("better", ""), data.get("well", "")
    context["values"] = {
        "score": score,
        "better": better,
        "well": well,
        "may_quote": data.get("may_quote") == "on",
    }
    limits = _rate_limits(request, token)
    try:
        # One transaction: the attempt counted, the answer stored, the link
        # stamped and the follow-up's job queued, or none of it.
        services.response_record(
            link=link,
            score=score,  # type: ignore[arg-type]
            better=better,
            well=well,
            may_quote=data.get("may_quote") == "on",
            language=language,
            limits=limits,
        )
    except RateLimited:
        return _problem(request, "too_many", 429, link)
    except AlreadyRecorded:
        return _page("feedback/public/thanks.html", {**context, "already": True})
    except ValidationError as failure:
        # Refused attempts count towards the limits too.
        with transaction.atomic():
            within = services.rate_count(limits)
        if not within:
            return _problem(request, "too_many", 429, link)
        context["errors"] = {
            name: text[messages[0]].format(
                limit=services.COMMENT_MAX_LENGTH, length=len(data.get(name, ""))
            )
            for name, messages in failure.message_dict.items()
        }
        return _page("feedback/public/form.html", context, status=400)
    response = _page("feedback/public/thanks.html", {**context, "already": False})
    if link.recipient is None:
        # An anonymous link takes many answers, but this page's one is given.
        response.delete_cookie(COOKIE_PREFIX + nonce, path=request.path)
    return response


@require_http_methods(["GET", "HEAD"])
def survey_style(request: HttpRequest, pk: int) -> HttpResponse:
    """The survey's colour as CSS from Accord's own origin (the CSP forbids inline styles)."""
    survey = Survey.objects.filter(pk=pk).only("colour").first()
    colour = survey.colour if survey else "#2f5d8a"
    css = f":root {{ --survey-brand: {colour}; --survey-brand-ink: {_ink_on(colour)}; }}\n"
    response = HttpResponse(css, content_type="text/css")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _ink_on(colour: str) -> str:
    """White or near-black, whichever reads better on ``colour`` (WCAG contrast)."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    # Contrast with white is 1.05 / (L + 0.05); with #1d2433 about (L + 0.05) / 0.067.
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.067 else "#1d2433"


@require_http_methods(["GET", "HEAD"])
def survey_logo(request: HttpRequest, pk: int) -> HttpResponse:
    """The survey's logo, served from Accord's origin for the page and the email."""
    survey = Survey.objects.filter(pk=pk).only("logo", "logo_type").first()
    if survey is None or not survey.logo:
        raise Http404("No logo")
    response = HttpResponse(bytes(survey.logo), content_type=survey.logo_type)
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@csrf_exempt
@no_referrer
@require_http_methods(["POST"])
def survey_opened(request: HttpRequest, nonce: str) -> HttpResponse:
    """The form's script reports that a person (not a scanner) opened it."""
    token = _token_of(request, nonce)
    if token:
        try:
            link = services.link_for_token(token)
        except LinkExpired:
            link = None
        if link is not None:
            services.recipient_opened(link)
    return HttpResponse(status=204)


@csrf_exempt
@no_referrer
@require_http_methods(["GET", "HEAD", "POST"])
def survey_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm; POST (the page's button, or a mail client's one-click
    ``List-Unsubscribe-Post``, which carries no CSRF token) opts out."""
    try:
        link = services.link_for_token(token)
    except LinkExpired:
        # Leaving must work as long as anyone has the email.
        link = services.link_for_token(token, allow_expired=True)
    if link is None or link.recipient is None:
        return _problem(request, "unknown", 404)
    language = _language(request, link)
    text = words(language, brand=_brand(link))
    if request.method == "POST":
        services.contact_opt_out(link=link)
        return _page(
            "feedback/public/unsubscribe.html",
            {"t": text, "language": language, "done": True, "survey": link.survey},
        )
    return _page(
        "feedback/public/unsubscribe.html",
        {"t": text, "language": language, "done": False, "survey": link.survey},
    )
