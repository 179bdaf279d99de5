from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accord.feedback.models import (
    Campaign,
    Contact,
    FollowUp,
    Recipient,
    RecipientImport,
    Response,
    Survey,
)
from accord.feedback.services import Link, link_for_token, month_of, recipients_import_csv
from accord.jobs.testing import run_queued_jobs
from accord.lib.nps import category
from accord.lib.tokens import hash_token
from accord.orgs.models import Membership


class SurveyFactory(factory.django.DjangoModelFactory[Survey]):
    class Meta:
        model = Survey

    name = factory.Sequence(lambda n: f"Acme survey {n}")
    brand_name = "Acme"


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign

    survey = factory.SubFactory(SurveyFactory, organization=factory.SelfAttribute("..organization"))
    name = factory.Sequence(lambda n: f"Acme campaign {n}")


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"customer{n}@acme.example")
    name = factory.Sequence(lambda n: f"Customer {n}")


# The secret in the link of the ``recipient`` fixture: Accord keeps only its hash.
TOKEN = "t" * 43


def live_link(token: str) -> Link:
    """The live link behind ``token``; the test fails here if there is none."""
    found = link_for_token(token)
    assert found is not None, token
    return found


class RecipientFactory(factory.django.DjangoModelFactory[Recipient]):
    """A recipient who has been sent their email: ``token`` is their link's secret."""

    class Meta:
        model = Recipient

    class Params:
        token = factory.Sequence(lambda n: f"token-{n:04d}-" + "x" * 40)

    campaign = factory.SubFactory(
        CampaignFactory, organization=factory.SelfAttribute("..organization")
    )
    contact = factory.SubFactory(
        ContactFactory, organization=factory.SelfAttribute("..organization")
    )
    email = factory.SelfAttribute("contact.email")
    name = factory.SelfAttribute("contact.name")
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    status = Recipient.Status.SENT
    sent_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=60))


class ResponseFactory(factory.django.DjangoModelFactory[Response]):
    class Meta:
        model = Response

    score = 9
    category = factory.LazyAttribute(lambda o: category(o.score))
    created_at = factory.LazyFunction(timezone.now)
    month = factory.LazyAttribute(lambda o: month_of(o.created_at, o.organization.time_zone))
    source = Response.Source.IMPORT


def list_added(
    membership: Membership, campaign: Campaign, data: str | bytes, *, dry_run: bool = False
) -> RecipientImport:
    """Upload a recipients list as the page does and let the worker add it;
    the import as it ended."""
    run = recipients_import_csv(
        membership=membership,
        campaign=campaign,
        data=data.encode() if isinstance(data, str) else data,
        filename="list.csv",
        dry_run=dry_run,
    )
    run_queued_jobs()
    run.refresh_from_db()
    return run


def refused(run: RecipientImport) -> list[tuple[int, str]]:
    """The refused rows of an import, by row number."""
    return list(run.errors.values_list("row", "message"))


class FollowUpFactory(factory.django.DjangoModelFactory[FollowUp]):
    """A follow-up on a new response of the same organisation: a recovery for a
    detractor (the default), an advocacy play for a promoter."""

    class Meta:
        model = FollowUp

    response = factory.SubFactory(
        ResponseFactory,
        organization=factory.SelfAttribute("..organization"),
        score=factory.LazyAttribute(lambda o: 3 if o.factory_parent.kind == "recovery" else 10),
    )
    kind = FollowUp.Kind.RECOVERY
    created_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: o.created_at + dt.timedelta(days=2))
