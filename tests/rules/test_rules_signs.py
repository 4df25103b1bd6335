"""The signs as the practice states them: some are enough once."""

from redflags.rules import Category, RuleSettings, Verdict


def test_one_competitor_leverage_on_agreed_work_fires_with_advice_to_collect_first(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 6),
        incidents=[facts.incident(Category.COMPETITOR_LEVERAGE, days_ago=20, severity=1)],
    )

    assessment = facts.assess(client)

    assert assessment.verdict == Verdict.FIRE
    assert assessment.top_reason.rule == "competitor_leverage"
    assert "collect what is owed" in assessment.top_reason.advice
    assert not assessment.red_flag


def test_competitor_leverage_long_ago_only_costs_its_faded_points(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 12),
        incidents=[facts.incident(Category.COMPETITOR_LEVERAGE, days_ago=400)],
    )

    assert facts.assess(client).verdict == Verdict.KEEP


def test_one_haggle_is_still_watched_a_few_months_later(facts):
    for days_ago in (10, 40, 120, 300):
        client = facts.client(
            invoices=facts.monthly([0] * 6),
            incidents=[facts.incident(Category.INVOICE_DISPUTE, days_ago=days_ago)],
        )

        assessment = facts.assess(client)

        assert assessment.verdict == Verdict.WATCH, days_ago
        assert "let them go once they have paid" in assessment.top_reason.advice


def test_one_haggle_stops_counting_after_the_dispute_window(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 12),
        incidents=[facts.incident(Category.INVOICE_DISPUTE, days_ago=400)],
    )

    assert facts.assess(client).verdict == Verdict.KEEP


def test_the_signs_follow_a_retuned_ladder(facts):
    settings = RuleSettings(keep_at=90, watch_at=20)
    haggle = facts.client(
        invoices=facts.monthly([0] * 6),
        incidents=[facts.incident(Category.INVOICE_DISPUTE, days_ago=200)],
    )
    rival = facts.client(
        invoices=facts.monthly([0] * 6),
        incidents=[facts.incident(Category.COMPETITOR_LEVERAGE, days_ago=200, severity=1)],
    )

    assert facts.assess(haggle, settings).verdict == Verdict.WATCH
    assert facts.assess(rival, settings).verdict == Verdict.FIRE


def test_a_threat_is_its_own_reason_and_watched(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 6),
        incidents=[facts.incident(Category.THREAT, days_ago=10)],
    )

    assessment = facts.assess(client)

    assert assessment.verdict == Verdict.WATCH
    assert assessment.top_reason.rule == "threat"
    assert assessment.top_reason.title == "Threatens you"
