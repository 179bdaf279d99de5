"""The vanity guard judges what a metric means, not how it is spelled.

Two corpora: phrasings of vanity metrics (each refused with the reason and an
outcome metric to use instead) and phrasings of outcomes (none refused).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accord.goals import metrics

VANITY_PHRASES = [
    # visits and traffic
    "Website visits",
    "site traffic",
    "unique visitors",
    "Monthly website traffic",
    "Organic traffic",
    "Blog traffic growth",
    "Unique site visitors per month",
    "Number of visits",
    "Web sessions",
    "Time on site",
    "Bounce rate",
    "Average session duration",
    "Page views",
    "Pageviews",
    "page-views per article",
    "Video views",
    "Profile views",
    # reach and awareness
    "reach",
    "Total audience reach",
    "Impressions",
    "Ad impressions",
    "Brand awareness",
    "Share of voice",
    "Brand mentions",
    "Press coverage",
    # social
    "social engagement",
    "Engagement rate on Instagram",
    "Social media interactions",
    "Followers",
    "LinkedIn followers",
    "Twitter follower growth",
    "Newsletter subscribers",
    "YouTube subscribers",
    "Likes",
    "Facebook likes",
    "Reactions on LinkedIn posts",
    "Social shares",
    "Retweets",
    # email
    "Email opens",
    "Open rate",
    "E-mail open rate",
    "Newsletter opens",
    "Email click-through rate",
    "Clicks",
    "CTR on ads",
    "Emails sent",
    "Newsletter sends per month",
    # downloads
    "downloads",
    "Whitepaper downloads",
    "E-book downloads",
    "App downloads",
    # events
    "booth scans",
    "Badge scans",
    "Booth visitors at the trade show",
    "Event attendees",
    "Webinar registrations",
    "Webinar attendance",
    # lead volume
    "Leads",
    "Number of leads",
    "New leads generated",
    "Lead volume",
    "MQLs",
    "MQL count",
    "Marketing qualified leads per month",
    "Form fills",
    "Contact form submissions",
    "Newsletter sign-ups",
    # output
    "Blog posts published",
    "Content pieces produced",
    "Videos created",
    "Number of case studies written",
    # search
    "Keyword rankings",
    "SEO rankings",
    "Domain authority",
]

OUTCOME_PHRASES = [
    *(m.name for m in metrics.METRICS),
    *(m.key for m in metrics.METRICS),
    "Pipeline generated from webinars",
    "Revenue from closed-won deals",
    "Opportunities created from marketing leads",
    "Website visitors who became SQLs",
    "Visit-to-opportunity conversion rate",
    "Demo requests accepted by sales",
    "Meetings booked with target accounts",
    "Customer churn rate",
    "Average deal size",
    "Annual recurring revenue",
    "Expansion revenue from existing customers",
    "Lead response time in hours",
    "Leads rejected by sales, by reason",
    "Share of MQLs accepted by sales",
    "Win rate against competitors",
    "Customer acquisition cost",
    "Quota attainment",
    "Time to first touch on inbound leads",
    "Trade-show sourced pipeline",
    "Event-sourced opportunities",
    "Content used in won deals",
    "Sales calls joined by marketing",
    "Pipeline reviews attended by marketing",
    "Market share in the mid-market segment",
    "Renewal rate",
    "Average contract value",
    "Referrals that became opportunities",
    "Detractors called back within two days",
    "Follow-ups still open",
    "Customer visits by the account team",
    "Lead-to-customer rate",
    "Gross margin on new business",
]


def test_the_corpora_are_large_enough():
    assert len(set(VANITY_PHRASES)) >= 50
    assert len(set(OUTCOME_PHRASES)) >= 30


@pytest.mark.parametrize("phrase", VANITY_PHRASES)
def test_it_refuses_a_vanity_phrasing_with_the_reason_and_an_outcome_instead(phrase):
    entry = metrics.vanity(phrase)
    assert entry is not None, phrase
    message = metrics.vanity_message(entry, phrase)
    assert "vanity metric" in message and entry.why in message
    assert metrics.metric(entry.suggestion) is not None
    assert metrics.metric(entry.suggestion).name in message  # type: ignore[union-attr]


@pytest.mark.parametrize("phrase", OUTCOME_PHRASES)
def test_it_never_refuses_an_outcome_phrasing(phrase):
    assert metrics.vanity(phrase) is None, (phrase, metrics.vanity(phrase))


def test_it_refuses_a_custom_metric_named_by_meaning_naming_what_was_written():
    with pytest.raises(ValidationError) as error:
        metrics.validate_metric("custom", custom_name="Unique visitors", moves="Pipeline creation")
    message = error.value.message_dict["metric_name"][0]
    assert message.startswith("“Unique visitors” measures website visits, which is a vanity")
    assert "Measure an outcome instead, for example MQL → SQL conversion" in message


def test_it_accepts_a_custom_outcome_metric():
    metrics.validate_metric(
        "custom", custom_name="Pipeline from partner referrals", moves="Pipeline creation"
    )
