"""What a client is worth: money, share of income, effort across currencies (docs/domain.md,
"Value")."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from redflags.rules import Category, PaymentFacts, RuleSettings, Verdict, assess
from redflags.rules.value import NO_RATES, Income, Rates
from tests.rules.test_rules_properties import as_of_dates, clients, property_test, rule_settings

AS_OF = date(2024, 6, 30)


def income_of(*clients, currency="EUR", rates=NO_RATES, extra=()):
    """The freelancer's income: every payment of the given clients, plus `extra` rows."""
    rows = [
        (payment.paid_on, payment.amount, invoice.currency)
        for client in clients
        for invoice in client.invoices
        for payment in invoice.payments
    ]
    return Income(currency, [*rows, *extra], rates)


def others(amount: str, currency: str = "EUR", days_ago: int = 30):
    """Money from the freelancer's other clients."""
    return [(AS_OF - timedelta(days=days_ago), Decimal(amount), currency)]


def unanswered_for_six_weeks(facts):
    """Six feedback requests left unanswered, one a week, and advice ignored twice: lesser
    problems only, but enough for fire on their own."""
    return [
        *(facts.incident(Category.UNRESPONSIVE, days_ago=d) for d in (2, 9, 16, 23, 30, 37)),
        facts.incident(Category.IGNORED_ADVICE, days_ago=5),
        facts.incident(Category.IGNORED_ADVICE, days_ago=20),
    ]


def test_friction_from_the_client_paying_half_the_income_is_watch_with_a_plan(
    facts,
):
    client = facts.client(
        invoices=facts.monthly([0] * 12), incidents=unanswered_for_six_weeks(facts)
    )
    alone = facts.assess(client)
    assert alone.verdict == Verdict.FIRE  # without knowing what they are worth

    half = income_of(client, extra=others("12000.00"))
    assessment = assess(client, RuleSettings(), AS_OF, half)

    assert assessment.verdict == Verdict.WATCH
    assert assessment.score == RuleSettings().watch_at
    plan = assessment.reasons[0]
    assert plan.rule == "value" and plan.points == 0
    assert "deposit" in plan.advice and "in writing" in plan.advice
    assert "50% of your income" in plan.evidence[0].label
    assert assessment.worth.share == Decimal("0.5")


def test_the_same_friction_from_a_small_client_is_still_fire(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 12), incidents=unanswered_for_six_weeks(facts)
    )
    small = income_of(client, extra=others("100000.00"))

    assessment = assess(client, RuleSettings(), AS_OF, small)

    assert assessment.verdict == Verdict.FIRE
    assert all(reason.rule != "value" for reason in assessment.reasons)
    assert assessment.worth.share < Decimal("0.25")


def test_the_share_threshold_is_tunable_and_zero_turns_it_off(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 12), incidents=unanswered_for_six_weeks(facts)
    )
    third = income_of(client, extra=others("24000.00"))  # a third of the income

    assert assess(client, RuleSettings(), AS_OF, third).verdict == Verdict.WATCH
    assert assess(client, RuleSettings(value_share_percent=40), AS_OF, third).verdict == "fire"
    assert assess(client, RuleSettings(value_share_percent=0), AS_OF, third).verdict == "fire"


def test_an_abusive_client_who_pays_well_is_still_fire(facts):
    abuse = [
        facts.incident(Category.VERBAL_ABUSE, days_ago=40, warned=True),
        facts.incident(Category.VERBAL_ABUSE, days_ago=5),
    ]
    client = facts.client(invoices=facts.monthly([0] * 12), incidents=abuse)

    assessment = assess(client, RuleSettings(), AS_OF, income_of(client))  # all the income

    assert assessment.worth.share == 1
    assert assessment.verdict == Verdict.FIRE
    assert assessment.red_flag
    assert all(reason.rule != "value" for reason in assessment.reasons)


def test_playing_you_against_a_competitor_is_not_bought_off_either(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 12),
        incidents=[facts.incident(Category.COMPETITOR_LEVERAGE, days_ago=10)],
    )

    assessment = assess(client, RuleSettings(), AS_OF, income_of(client))

    assert assessment.verdict == Verdict.FIRE


def test_money_from_long_ago_does_not_count_towards_the_share(facts):
    # Big two years ago, nothing paid in the last twelve months.
    old = facts.monthly([0] * 6, last_due_days_ago=420)
    client = facts.client(invoices=old, incidents=unanswered_for_six_weeks(facts))

    assessment = assess(client, RuleSettings(), AS_OF, income_of(client, extra=others("500.00")))

    assert assessment.worth.received == {}
    assert assessment.worth.share == 0
    assert assessment.verdict == Verdict.FIRE


def test_worth_reports_money_share_rate_and_tenure(facts):
    client = facts.client(
        invoices=facts.monthly([0] * 12, amount="500.00"),
        work_logs=[facts.work(days_ago=d, hours="5") for d in range(10, 170, 10)],
        billing_mode="hourly",
        started_days_ago=400,
    )
    settings = RuleSettings(target_hourly_rate=Decimal(60), target_currency="EUR")

    worth = assess(client, settings, AS_OF, income_of(client, extra=others("6000.00"))).worth

    assert worth.received == {"EUR": Decimal("6000.00")}
    assert worth.received_home == Decimal("6000.00")
    assert worth.total_home == Decimal("12000.00")
    assert worth.share == Decimal("0.5")
    assert worth.hourly == Decimal("3000.00") / 80  # six invoices in the window, 80 hours
    assert worth.tenure_days == 400
    assert worth.notes == ()
    assert worth.to_dict()["share"] == "0.500"


def test_effort_of_a_client_in_another_currency_is_compared_through_a_rate(facts):
    # An IDR client draining 20 unbilled hours a week, against a target of 60 EUR an hour.
    client = facts.client(
        currency="IDR",
        invoices=facts.monthly([0] * 6, amount="1000000.00", currency="IDR"),
        work_logs=[facts.work(days_ago=d, hours="20", billable=False) for d in range(1, 180, 7)],
        billing_mode="hourly",
    )
    settings = RuleSettings(target_hourly_rate=Decimal(60), target_currency="EUR")
    rates = Rates([("EUR", "IDR", AS_OF - timedelta(days=3), Decimal(17000))])

    without = assess(client, settings, AS_OF, income_of(client))
    assert all(reason.rule != "effort" for reason in without.reasons)
    assert without.worth.notes == (
        "Money in IDR could not be compared with EUR: add an exchange rate between them in "
        "your settings.",
    )
    assert without.worth.hourly is None

    assessment = assess(client, settings, AS_OF, income_of(client, rates=rates))
    effort = next(reason for reason in assessment.reasons if reason.rule == "effort")
    assert effort.points > 50  # 6,000,000 IDR over 520 hours: under 1 EUR an hour
    assert assessment.worth.notes == ()
    assert assessment.worth.hourly < 1
    assert "target of 1,020,000.00 IDR" in effort.evidence[0].label


def test_effort_note_is_given_without_income_too(facts):
    client = facts.client(
        currency="USD",
        invoices=facts.monthly([0] * 3, currency="USD"),
        work_logs=[facts.work(days_ago=5, hours="8")],
    )
    settings = RuleSettings(target_hourly_rate=Decimal(60), target_currency="EUR")

    assessment = facts.assess(client, settings)

    assert all(reason.rule != "effort" for reason in assessment.reasons)
    assert assessment.worth is None


def test_a_payment_in_a_currency_without_a_rate_leaves_the_share_unknown_and_says_so(facts):
    client = facts.client(
        currency="USD",
        invoices=facts.monthly([0] * 12, currency="USD"),
        incidents=unanswered_for_six_weeks(facts),
    )

    assessment = assess(client, RuleSettings(), AS_OF, income_of(client))

    assert assessment.worth.share is None
    assert assessment.worth.received_home is None
    assert "Money in USD could not be compared with EUR" in assessment.worth.notes[0]
    assert assessment.verdict == Verdict.FIRE  # an unknown share is not a large one


def test_shares_across_currencies_use_the_latest_rate_on_or_before_the_day(facts):
    client = facts.client(
        currency="USD",
        invoices=facts.monthly([0] * 12, currency="USD"),
        incidents=unanswered_for_six_weeks(facts),
    )
    rates = Rates(
        [
            ("EUR", "USD", AS_OF - timedelta(days=100), Decimal(1)),
            ("EUR", "USD", AS_OF - timedelta(days=10), Decimal(2)),  # the one that counts
            ("EUR", "USD", AS_OF + timedelta(days=1), Decimal(4)),  # not yet known
        ]
    )
    # 12,000 USD at 2 USD a euro is 6,000 EUR, against 6,000 EUR from others: half.
    assessment = assess(
        client, RuleSettings(), AS_OF, income_of(client, rates=rates, extra=others("6000.00"))
    )

    assert assessment.worth.received_home == Decimal(6000)
    assert assessment.worth.share == Decimal("0.5")
    assert assessment.verdict == Verdict.WATCH


def test_rates_work_both_ways_and_through_the_euro():
    day = date(2024, 5, 1)
    rates = Rates([("EUR", "USD", day, Decimal("1.25")), ("EUR", "IDR", day, Decimal(17000))])

    assert rates.rate("EUR", "USD", day) == Decimal("1.25")
    assert rates.rate("USD", "EUR", day) == Decimal("0.8")
    assert rates.rate("USD", "IDR", day) == Decimal(13600)
    assert rates.rate("USD", "EUR", day - timedelta(days=1)) is None
    assert rates.rate("MYR", "EUR", day) is None
    assert rates.rate("MYR", "MYR", day) == 1


def test_a_rate_given_for_a_pair_wins_over_the_inverse_of_the_other_direction():
    day = date(2024, 5, 1)
    rates = Rates([("EUR", "USD", day, Decimal(2)), ("USD", "EUR", day, Decimal("0.4"))])

    assert rates.rate("USD", "EUR", day) == Decimal("0.4")
    assert rates.rate("EUR", "USD", day) == Decimal(2)


def test_worth_is_not_part_of_equality_so_assessments_still_compare(facts):
    client = facts.client(invoices=facts.monthly([0] * 3))
    income = income_of(client)

    assert assess(client, RuleSettings(), AS_OF, income) == assess(
        client, RuleSettings(), AS_OF, income
    )


# Properties, over the same random clients as tests/rules/test_rules_properties.py.

other_income = st.integers(0, 10_000_000).map(lambda cents: Decimal(cents).scaleb(-2))
more = st.integers(1, 10_000_000).map(lambda cents: Decimal(cents).scaleb(-2))
usd_rates = st.sampled_from([Rates(), Rates([("EUR", "USD", date(2020, 1, 1), Decimal("1.1"))])])


def paid_all(client):
    """The client as the freelancer's whole income: each payment as paid."""
    return [
        (payment.paid_on, payment.amount, invoice.currency)
        for invoice in client.invoices
        for payment in invoice.payments
    ]


def richer(client, extra: Decimal):
    """The same client with one more payment received, on the last invoice, today."""
    if not client.invoices:
        return client
    last = client.invoices[-1]
    payment = PaymentFacts(AS_OF - timedelta(days=1), extra)
    invoice = replace(last, payments=(*last.payments, payment))
    return replace(client, invoices=(*client.invoices[:-1], invoice))


@property_test
@given(clients, rule_settings, as_of_dates, other_income, more, usd_rates)
def test_more_income_never_turns_a_red_flag_into_anything_but_fire(
    client, rules, as_of, others_paid, extra, rates
):
    for facts in (client, richer(client, extra)):
        income = Income("EUR", [*paid_all(facts), *others(str(others_paid))], rates)
        assessment = assess(facts, rules, as_of, income)
        if assessment.red_flag:
            assert assessment.verdict == Verdict.FIRE
    # Income from every client or from this one alone: a red flag stays a red flag.
    alone = assess(client, rules, as_of, Income("EUR", paid_all(client), rates))
    assert alone.red_flag == assess(client, rules, as_of).red_flag
    if alone.red_flag:
        assert alone.verdict == Verdict.FIRE


@property_test
@given(clients, rule_settings, as_of_dates, other_income, usd_rates)
def test_a_large_share_never_leaves_a_client_with_lesser_problems_at_fire(
    client, rules, as_of, others_paid, rates
):
    income = Income("EUR", [*paid_all(client), *others(str(others_paid))], rates)

    assessment = assess(client, rules, as_of, income)
    worth = assessment.worth

    plain = assess(client, rules, as_of)
    assert assessment.red_flag == plain.red_flag
    if assessment.red_flag:
        assert assessment.verdict == Verdict.FIRE
        return
    large = worth.share is not None and worth.share * 100 >= rules.value_share_percent > 0
    competitor_sign = any(
        reason.rule == "competitor_leverage" and reason.points >= rules.fire_points
        for reason in plain.reasons
    )
    if large and not competitor_sign:
        assert assessment.verdict != Verdict.FIRE
    # Money never makes a verdict worse, and changes it only from fire to watch.
    if assessment.verdict != plain.verdict:
        assert (plain.verdict, assessment.verdict) == (Verdict.FIRE, Verdict.WATCH)
        assert assessment.reasons[0].rule == "value"
    assert assessment.score >= plain.score
