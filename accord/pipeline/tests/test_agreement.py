"""The lead hand-off agreement: proposed, agreed by both leads, versioned."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.pipeline.models import AgreementStatus
from accord.pipeline.selectors import agreement_active
from accord.pipeline.services import agreement_agree, agreement_propose


def propose(membership, **kw):
    terms: dict[str, Any] = {
        "mql_definition": "Acme ICP: 50+ employees, demo requested",
        "monthly_mql_commitment": 40,
        "first_touch_hours": 4,
        "decision_days": 2,
    }
    terms.update(kw)
    return agreement_propose(membership=membership, **terms)


def test_it_becomes_active_only_when_both_leads_agree(acme, carol, sam):
    carol_m = acme.memberships.get(user=carol)
    agreement = propose(carol_m)
    assert agreement.version == 1 and agreement.status == AgreementStatus.PROPOSED
    agreement_agree(membership=carol_m, agreement=agreement, comment="We commit to 40")
    assert agreement_active(acme) is None
    agreement = agreement_agree(membership=sam, agreement=agreement)
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement_active(acme) == agreement
    assert agreement.marketing_comment == "We commit to 40"


def test_it_supersedes_the_previous_version_when_a_new_one_is_agreed(acme, carol, sam):
    carol_m = acme.memberships.get(user=carol)
    first = propose(carol_m)
    agreement_agree(membership=carol_m, agreement=first)
    agreement_agree(membership=sam, agreement=first)
    second = propose(sam, first_touch_hours=8)
    assert second.version == 2
    active = agreement_active(acme)
    assert active is not None and active.pk == first.pk  # still v1 until both agree
    agreement_agree(membership=carol_m, agreement=second)
    agreement_agree(membership=sam, agreement=second)
    first.refresh_from_db()
    assert first.status == AgreementStatus.SUPERSEDED
    active = agreement_active(acme)
    assert active is not None and active.first_touch_hours == 8


def test_it_lets_only_leads_agree_and_only_for_their_own_side(acme, carol, bob, sam):
    agreement = propose(acme.memberships.get(user=carol))
    with pytest.raises(PermissionDenied):
        agreement_agree(membership=acme.memberships.get(user=bob), agreement=agreement)
    with pytest.raises(PermissionDenied):
        agreement_agree(membership=sam, agreement=agreement, side="marketing")


def test_it_makes_an_owner_without_a_team_say_which_side(acme, alice, carol):
    agreement = propose(acme.memberships.get(user=carol))
    alice_m = acme.memberships.get(user=alice)
    with pytest.raises(ValidationError):
        agreement_agree(membership=alice_m, agreement=agreement)
    agreement = agreement_agree(membership=alice_m, agreement=agreement, side="sales")
    assert agreement.sales_agreed_by == alice_m


def test_it_refuses_bad_terms_naming_the_field(acme, carol):
    with pytest.raises(ValidationError) as caught:
        propose(
            acme.memberships.get(user=carol),
            monthly_mql_commitment=0,
            day_start=time(18),
            day_end=time(9),
        )
    assert set(caught.value.message_dict) == {"monthly_mql_commitment", "day_end"}
