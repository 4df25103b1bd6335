"""The situations the default settings are calibrated for: where each kind of client lands."""

from decimal import Decimal

import pytest

from redflags.rules import CATEGORIES, Category, RuleSettings, Verdict

AT_LEAST_WATCH = {Verdict.WATCH, Verdict.FIRE}
RED_FLAGS = (Category.PHYSICAL_ABUSE, Category.LYING, Category.LEGAL_RISK)


def rules_of(assessment):
    return {reason.rule for reason in assessment.reasons}


def test_healthy_client_is_kept_with_full_score(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 12),
        work_logs=[facts.work(days_ago=days, hours="4") for days in range(0, 180, 10)],
    )

    assessment = facts.assess(client, RuleSettings(target_hourly_rate=Decimal(60)))

    assert assessment.score == 100
    assert assessment.verdict == Verdict.KEEP
    assert assessment.reasons == ()


def test_lateness_growing_every_cycle_with_unpaid_invoice_fires(facts):
    # On time at first, then a little later every month, and now the last one is unpaid.
    client = facts.client(invoices=facts.monthly([0, 3, 7, 12, 18, 25, None], last_due_days_ago=30))

    assessment = facts.assess(client)

    assert assessment.verdict == Verdict.FIRE
    assert {"late_payment", "later_every_cycle", "overdue"} <= rules_of(assessment)


def test_lateness_growing_every_cycle_is_named_as_a_trend(facts):
    client = facts.client(invoices=facts.monthly([0, 3, 7, 12, 18, 25], last_due_days_ago=40))

    trend = next(r for r in facts.assess(client).reasons if r.rule == "later_every_cycle")

    assert trend.title == "Pays later every cycle"
    # Oldest first, so the evidence reads as the story: on time, then later and later.
    assert [e.label.split(", ")[2] for e in trend.evidence] == [
        "paid on time",
        "paid 3 days late",
        "paid 7 days late",
        "paid 12 days late",
        "paid 18 days late",
        "paid 25 days late",
    ]


def test_rising_lateness_costs_more_than_the_same_average_without_trend(facts):
    rising = facts.assess(facts.client(invoices=facts.monthly([2, 6, 12, 20], 40)))
    steady = facts.assess(facts.client(invoices=facts.monthly([10, 10, 10, 10], 40)))
    improving = facts.assess(facts.client(invoices=facts.monthly([20, 12, 6, 2], 40)))

    assert rising.score < steady.score < improving.score


def test_repeated_invoice_disputes_fire(facts):
    client = facts.client(
        invoices=[
            *facts.monthly([0] * 6),
            facts.invoice(due_days_ago=200, days_late=0, disputed=True),
        ],
        incidents=[facts.incident(Category.INVOICE_DISPUTE, days_ago=20)],
    )

    assessment = facts.assess(client)

    assert assessment.verdict == Verdict.FIRE
    assert assessment.top_reason.rule == "disputes"


def test_one_recent_invoice_dispute_is_watched(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 6),
        incidents=[facts.incident(Category.INVOICE_DISPUTE, days_ago=10)],
    )

    assert facts.assess(client).verdict == Verdict.WATCH


def test_dispute_logged_about_a_disputed_invoice_counts_once(facts):
    invoice = facts.invoice(due_days_ago=10, days_late=None, disputed=True)
    about_it = facts.incident(Category.INVOICE_DISPUTE, days_ago=5)

    assessment = facts.assess(facts.client(invoices=[invoice], incidents=[about_it]))

    assert assessment.verdict == Verdict.WATCH


def test_paying_late_nearly_every_time_even_by_a_few_days_is_at_least_watch(facts):
    client = facts.client(invoices=facts.monthly([3, 4, 5, 3, 0, 4, 5, 3, 4, 3, 5, 4], 40))

    assert facts.assess(client).verdict in AT_LEAST_WATCH


def test_one_late_payment_among_many_on_time_is_kept(facts):
    client = facts.client(invoices=facts.monthly([0] * 11 + [4], 40))

    assessment = facts.assess(client)

    assert assessment.verdict == Verdict.KEEP
    assert assessment.score < 100


def test_one_verbal_abuse_is_at_least_watch_with_advice_to_warn_them(facts):
    client = facts.client(incidents=[facts.incident(Category.VERBAL_ABUSE, days_ago=20)])

    assessment = facts.assess(client)

    assert assessment.verdict in AT_LEAST_WATCH
    assert not assessment.red_flag
    assert "not acceptable" in assessment.top_reason.advice
    assert "warned" in assessment.top_reason.advice


def test_verbal_abuse_again_after_a_warning_fires(facts):
    client = facts.client(
        incidents=[
            facts.incident(Category.VERBAL_ABUSE, days_ago=300, warned=True),
            facts.incident(Category.VERBAL_ABUSE, days_ago=2, severity=1),
        ]
    )

    assessment = facts.assess(client)

    assert assessment.verdict == Verdict.FIRE
    assert assessment.top_reason.rule == "repeated_verbal_abuse"
    assert assessment.top_reason.red_flag


def test_verbal_abuse_again_without_a_warning_is_not_yet_a_red_flag(facts):
    client = facts.client(
        incidents=[
            facts.incident(Category.VERBAL_ABUSE, days_ago=300),
            facts.incident(Category.VERBAL_ABUSE, days_ago=2),
        ]
    )

    assessment = facts.assess(client)

    assert not assessment.red_flag
    assert assessment.verdict in AT_LEAST_WATCH


def test_effective_hourly_rate_below_half_the_target_is_at_least_watch(facts):
    # 6 invoices of 2,900 paid for 60 days x 10 hours: 29 an hour against a target of 60.
    client = facts.client(
        invoices=facts.monthly([0] * 6, amount="2900.00"),
        work_logs=[facts.work(days_ago=days, hours="10") for days in range(0, 180, 3)],
    )

    assessment = facts.assess(client, RuleSettings(target_hourly_rate=Decimal(60)))

    assert assessment.verdict in AT_LEAST_WATCH
    assert assessment.top_reason.rule == "effort"


def test_effective_hourly_rate_near_the_target_is_kept(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 6, amount="5400.00"),
        work_logs=[facts.work(days_ago=days, hours="10") for days in range(0, 180, 3)],
    )

    assessment = facts.assess(client, RuleSettings(target_hourly_rate=Decimal(60)))

    assert assessment.verdict == Verdict.KEEP


@pytest.mark.parametrize(
    "category", [c for c in CATEGORIES if c not in RED_FLAGS and c != Category.VERBAL_ABUSE]
)
def test_five_incidents_of_one_kind_within_three_months_is_at_least_watch(facts, category):
    incidents = [
        facts.incident(category, days_ago=days, severity=1) for days in (5, 25, 45, 65, 85)
    ]

    assessment = facts.assess(facts.client(billing_mode="hourly", incidents=incidents))

    assert assessment.verdict in AT_LEAST_WATCH
    assert f"pattern:{category}" in rules_of(assessment)


def test_a_pattern_counts_more_than_the_same_incidents_spread_out(facts):
    bunched = [facts.incident(Category.UNRESPONSIVE, days_ago=d) for d in (5, 20, 35, 50, 65)]
    spread = [facts.incident(Category.UNRESPONSIVE, days_ago=d) for d in (5, 20, 35, 50, 365)]

    assert facts.assess(facts.client(incidents=bunched)).score < (
        facts.assess(facts.client(incidents=spread)).score
    )


@pytest.mark.parametrize("category", CATEGORIES)
def test_any_recent_incident_costs_some_points(facts, category):
    incident = facts.incident(category, days_ago=20, severity=1)

    assessment = facts.assess(facts.client(billing_mode="hourly", incidents=[incident]))

    assert assessment.score < 100


def test_only_old_faded_incidents_and_a_clean_recent_record_is_kept(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 12),
        incidents=[
            facts.incident(Category.VERBAL_ABUSE, days_ago=500),
            facts.incident(Category.UNRESPONSIVE, days_ago=420, severity=5),
            facts.incident(Category.UNRESPONSIVE, days_ago=400),
            facts.incident(Category.MICROMANAGING, days_ago=380),
            facts.incident(Category.SCOPE_CHANGE, days_ago=450, severity=5),
            facts.incident(Category.INVOICE_DISPUTE, days_ago=700),
        ],
    )

    assert facts.assess(client).verdict == Verdict.KEEP


@pytest.mark.parametrize("category", RED_FLAGS)
def test_each_immediate_red_flag_fires_even_when_long_ago(facts, category):
    client = facts.client(
        invoices=facts.monthly([0] * 12),
        incidents=[facts.incident(category, days_ago=1000, severity=1)],
    )

    assessment = facts.assess(client)

    assert assessment.verdict == Verdict.FIRE
    assert assessment.top_reason.red_flag
    assert assessment.top_reason.rule == category


def test_scope_changes_cost_little_by_the_hour_and_most_on_a_fixed_fee(facts):
    def score(mode):
        incidents = [facts.incident(Category.SCOPE_CHANGE, days_ago=d) for d in (5, 40)]
        return facts.assess(facts.client(billing_mode=mode, incidents=incidents)).score

    assert score("hourly") > score("retainer") > score("fixed")
    assert score("hourly") >= 90


# The three classic problem clients of docs/domain.md.


def test_unresponsive_client_is_watched_not_fired(facts):
    # Chasing them for answers every couple of weeks for three months.
    incidents = [facts.incident(Category.UNRESPONSIVE, days_ago=d) for d in (3, 17, 31, 45, 60, 75)]

    assessment = facts.assess(facts.client(invoices=facts.monthly([0] * 6), incidents=incidents))

    assert assessment.verdict == Verdict.WATCH
    assert any("timely answers" in reason.advice for reason in assessment.reasons)


def test_controlling_client_who_overrides_your_advice_is_fired(facts):
    incidents = [
        *(facts.incident(Category.MICROMANAGING, days_ago=d) for d in (3, 17, 31, 45, 60, 75)),
        facts.incident(Category.IGNORED_ADVICE, days_ago=10),
        facts.incident(Category.IGNORED_ADVICE, days_ago=40),
    ]

    assessment = facts.assess(facts.client(invoices=facts.monthly([0] * 6), incidents=incidents))

    assert assessment.verdict == Verdict.FIRE
    assert any("walk away" in reason.advice for reason in assessment.reasons)


def test_client_who_pays_a_little_later_each_cycle_then_forgets_is_fired(facts):
    # "Keep working, I'll pay you eventually."
    client = facts.client(
        invoices=facts.monthly([0, 2, 5, 9, 14, None, None], last_due_days_ago=20)
    )

    assessment = facts.assess(client)

    assert assessment.verdict == Verdict.FIRE
    overdue = next(reason for reason in assessment.reasons if reason.rule == "overdue")
    assert "save face" in overdue.advice
    assert "paused" in overdue.advice
