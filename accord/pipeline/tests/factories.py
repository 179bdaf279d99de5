"""Factories for pipeline records (factory_boy)."""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from accord.orgs.tests.factories import OrganizationFactory
from accord.pipeline.models import (
    Account,
    Campaign,
    Contact,
    Lead,
    Opportunity,
    SourceSystem,
    Stage,
)


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign

    organization = factory.SubFactory(OrganizationFactory)
    source_system = SourceSystem.CSV
    source_id = factory.Sequence(lambda n: f"cmp-{n}")
    name = factory.Sequence(lambda n: f"Acme campaign {n}")


class AccountFactory(factory.django.DjangoModelFactory[Account]):
    class Meta:
        model = Account

    organization = factory.SubFactory(OrganizationFactory)
    source_system = SourceSystem.CSV
    source_id = factory.Sequence(lambda n: f"acc-{n}")
    name = factory.Sequence(lambda n: f"Acme customer {n}")


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    organization = factory.SubFactory(OrganizationFactory)
    source_system = SourceSystem.CSV
    source_id = factory.Sequence(lambda n: f"ct-{n}")
    email = factory.Sequence(lambda n: f"buyer{n}@customer.acme.example")
    name = factory.Sequence(lambda n: f"Acme buyer {n}")


class LeadFactory(factory.django.DjangoModelFactory[Lead]):
    class Meta:
        model = Lead

    organization = factory.SubFactory(OrganizationFactory)
    source_system = SourceSystem.CSV
    source_id = factory.Sequence(lambda n: f"lead-{n}")
    email = factory.Sequence(lambda n: f"lead{n}@prospect.acme.example")
    name = factory.Sequence(lambda n: f"Acme lead {n}")
    company = "Acme prospect"
    source = "Paid Search"
    stage = Stage.MQL
    mql_at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    mql_month = factory.LazyAttribute(lambda o: o.mql_at.strftime("%Y-%m") if o.mql_at else "")


class OpportunityFactory(factory.django.DjangoModelFactory[Opportunity]):
    class Meta:
        model = Opportunity

    organization = factory.SubFactory(OrganizationFactory)
    source_system = SourceSystem.CSV
    source_id = factory.Sequence(lambda n: f"opp-{n}")
    name = factory.Sequence(lambda n: f"Acme deal {n}")
    amount = 1000
