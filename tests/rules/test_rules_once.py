"""Each fact counts once: a late invoice in one measure, a set of incidents in one pattern."""

from redflags.rules import Category, RuleSettings, Verdict

PAYMENT_RULES = {"late_payment", "later_every_cycle", "overdue"}


def payment_points(assessment):
    return sum(r.points for r in assessment.reasons if r.rule in PAYMENT_RULES)


def test_two_back_dated_unpaid_invoices_never_chased_are_watched_with_a_reminder_first(facts):
    client = facts.client(
        invoices=[
            facts.invoice(due_days_ago=70, days_late=None, reminders_sent=0),
            facts.invoice(due_days_ago=40, days_late=None, reminders_sent=0),
        ]
    )

    assessment = facts.assess(client)

    assert assessment.verdict == Verdict.WATCH
    assert assessment.top_reason.rule == "overdue"
    assert "not sent them a reminder" in assessment.top_reason.advice


def test_an_unpaid_invoice_weighs_in_one_measure_not_two(facts):
    # The same two invoices, chased: the lateness and the money owed are one fact.
    client = facts.client(
        invoices=[
            facts.invoice(due_days_ago=70, days_late=None, reminders_sent=2),
            facts.invoice(due_days_ago=40, days_late=None, reminders_sent=1),
        ]
    )
    alone = [facts.assess(facts.client(invoices=[invoice])) for invoice in client.invoices]

    assessment = facts.assess(client)

    # Before, "pays late" (60) and "money overdue" (50) were added up to fire.
    assert payment_points(assessment) <= 60
    assert payment_points(assessment) >= max(payment_points(a) for a in alone)
    assert "save face" in next(r for r in assessment.reasons if r.rule == "overdue").advice


def test_lateness_over_many_invoices_still_fires_though_never_chased(facts):
    client = facts.client(invoices=facts.monthly([25] * 10, 40, reminders_sent=0))

    assert facts.assess(client).verdict == Verdict.FIRE


def test_paying_later_every_cycle_and_then_not_at_all_still_fires_though_never_chased(facts):
    client = facts.client(
        invoices=facts.monthly([0, 3, 7, 12, 18, 25, None], last_due_days_ago=30, reminders_sent=0)
    )

    assert facts.assess(client).verdict == Verdict.FIRE


def test_one_chased_invoice_means_the_ladder_has_started(facts):
    client = facts.client(
        invoices=[
            facts.invoice(due_days_ago=70, days_late=None, reminders_sent=0),
            facts.invoice(due_days_ago=40, days_late=None, reminders_sent=1),
        ]
    )

    overdue = next(r for r in facts.assess(client).reasons if r.rule == "overdue")

    assert "paused" in overdue.advice


def test_micromanaging_incidents_feed_one_pattern_not_two_reasons(facts):
    incidents = [facts.incident(Category.MICROMANAGING, days_ago=d) for d in (3, 17, 31, 45, 60)]

    assessment = facts.assess(facts.client(invoices=facts.monthly([0] * 6), incidents=incidents))

    rules = [reason.rule for reason in assessment.reasons]
    assert rules == ["pattern:micromanaging"]
    assert assessment.verdict == Verdict.WATCH
    # The advice for the kind of trouble stays with it.
    assert "walk away" in assessment.top_reason.advice


def test_a_pattern_that_goes_on_after_a_warning_fires(facts):
    incidents = [
        facts.incident(Category.MICROMANAGING, days_ago=d, warned=d == 60)
        for d in (3, 17, 31, 45, 60)
    ]

    assessment = facts.assess(facts.client(invoices=facts.monthly([0] * 6), incidents=incidents))

    assert assessment.verdict == Verdict.FIRE
    assert assessment.top_reason.rule == "pattern:micromanaging"


def test_unpaid_money_is_not_also_counted_as_a_poor_hourly_rate(facts):
    # Billed at the target rate: 6 invoices of 4,800 for 80 hours each, within the window.
    logs = [facts.work(days_ago=days, hours="20") for days in range(0, 168, 7)]
    not_yet_due = facts.monthly([None] * 6, last_due_days_ago=-10, amount="4800.00")
    overdue = facts.monthly([0] * 4 + [None] * 2, last_due_days_ago=10, amount="4800.00")
    written_off = facts.monthly(
        [None] * 6, last_due_days_ago=-10, amount="4800.00", written_off=True
    )

    def rules_of(invoices):
        client = facts.client(invoices=invoices, work_logs=logs)
        return {r.rule for r in facts.assess(client, RuleSettings(target_hourly_rate=60)).reasons}

    assert "effort" not in rules_of(not_yet_due)
    assert "overdue" in rules_of(overdue)
    assert "effort" not in rules_of(overdue)
    assert "effort" in rules_of(written_off)
