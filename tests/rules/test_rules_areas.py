"""Where the problem is: a number per area, from the reasons the engine already gives."""

from decimal import Decimal

from redflags.rules import Category, RuleSettings
from redflags.rules.areas import AREAS, area_of


def test_a_clean_client_scores_100_in_every_area(facts):
    assessment = facts.assess(facts.client(invoices=facts.monthly([0] * 6)))

    assert assessment.areas == dict.fromkeys(AREAS, 100)


def test_each_area_loses_the_points_of_its_own_reasons(facts):
    client = facts.client(
        invoices=facts.monthly([0, 3, 7, 12, 18, 25, None], last_due_days_ago=30),
        incidents=[
            facts.incident(Category.MICROMANAGING, days_ago=10),
            facts.incident(Category.SCOPE_CHANGE, days_ago=12),
        ],
        work_logs=[facts.work(days_ago=days, hours="10") for days in range(0, 180, 3)],
    )

    assessment = facts.assess(client, RuleSettings(target_hourly_rate=Decimal(60)))

    lost = {area: 0 for area in AREAS}
    for reason in assessment.reasons:
        lost[area_of(reason.rule)] += reason.points
    assert assessment.areas == {area: max(0, 100 - points) for area, points in lost.items()}
    assert assessment.areas["money"] < 100
    assert assessment.areas["conduct"] < 100
    assert assessment.areas["scope"] < 100
    assert assessment.areas["effort"] < 100


def test_a_pattern_counts_in_its_kinds_area(facts):
    incidents = [facts.incident(Category.SCOPE_CHANGE, days_ago=d) for d in (5, 20, 35, 50, 65)]

    areas = facts.assess(facts.client(incidents=incidents)).areas

    assert areas["scope"] < 100
    assert areas["conduct"] == areas["money"] == 100


def test_playing_you_against_a_competitor_is_about_money(facts):
    client = facts.client(incidents=[facts.incident(Category.COMPETITOR_LEVERAGE, days_ago=5)])

    areas = facts.assess(client).areas

    assert areas["money"] < 100
    assert areas["conduct"] == 100


def test_an_unknown_rule_counts_in_no_area():
    assert area_of("something_new") is None
    assert area_of("pattern:something_new") is None
    assert area_of("pattern:unresponsive") == "conduct"
