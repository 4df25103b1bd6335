"""Properties that hold for any client, any valid settings and any date."""

import copy
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from redflags.rules import (
    CATEGORIES,
    ClientFacts,
    IncidentFacts,
    InvoiceFacts,
    PaymentFacts,
    RuleSettings,
    StepFacts,
    StepKind,
    WorkLogFacts,
    assess,
    verdict_for,
)
from redflags.rules.snapshot import take_snapshot

TODAY = date(2024, 6, 30)

money = st.integers(1, 500_000).map(lambda cents: Decimal(cents).scaleb(-2))
rarely = st.sampled_from([False] * 9 + [True])


def day(days_ago: int) -> date:
    return TODAY - timedelta(days=days_ago)


@st.composite
def invoices(draw: st.DrawFn) -> InvoiceFacts:
    due_on = day(draw(st.integers(-40, 700)))
    amount = draw(money)
    shares = draw(st.sampled_from([["1"]] * 6 + [[], ["0.5"], ["0.5", "0.5"], ["0.25", "0.75"]]))
    payments = tuple(
        PaymentFacts(
            due_on + timedelta(days=draw(st.integers(-20, 30) | st.integers(31, 200))),
            (amount * Decimal(share)).quantize(Decimal("0.01")),
        )
        for share in shares
    )
    return InvoiceFacts(
        id=draw(st.integers(1, 10_000)),
        number=draw(st.text("0123456789-", min_size=1, max_size=8)),
        issued_on=due_on - timedelta(days=draw(st.integers(0, 45))),
        due_on=due_on,
        amount=amount,
        currency=draw(st.sampled_from(["EUR", "EUR", "EUR", "USD"])),
        payments=payments,
        disputed=draw(rarely),
        written_off=draw(rarely),
        is_draft=draw(rarely),
        reminders_sent=draw(st.sampled_from([None, 0, 0, 1, 3])),
    )


# Red flags rarer than the rest, so that most clients keep a score worth comparing.
RED_FLAGS = ("physical_abuse", "lying", "legal_risk")
SCORED = [category for category in CATEGORIES if category not in RED_FLAGS]

incidents = st.builds(
    IncidentFacts,
    id=st.integers(1, 10_000),
    category=st.sampled_from([*SCORED * 8, *RED_FLAGS, "unknown"]),
    occurred_on=st.integers(-30, 900).map(day),
    severity=st.integers(1, 5),
    note=st.text(max_size=80),
)

steps = st.builds(
    StepFacts,
    id=st.integers(1, 10_000),
    kind=st.sampled_from(list(StepKind)).map(str),
    taken_on=st.integers(-30, 900).map(day),
    addresses=st.none() | st.sampled_from([*SCORED, "unknown"]),
    note=st.text(max_size=40),
)

work_logs = st.builds(
    WorkLogFacts,
    worked_on=st.integers(-20, 300).map(day),
    hours=st.integers(1, 48).map(lambda quarters: Decimal(quarters) / 4),
    billable=st.booleans(),
)

clients = st.builds(
    ClientFacts,
    id=st.integers(1, 10_000),
    name=st.just("Acme Studio"),
    billing_mode=st.sampled_from(["hourly", "fixed", "retainer"]),
    currency=st.just("EUR"),
    invoices=st.lists(invoices(), max_size=10).map(tuple),
    incidents=st.lists(incidents, max_size=5).map(tuple),
    work_logs=st.lists(work_logs, max_size=8).map(tuple),
    started_on=st.none() | st.integers(0, 900).map(day),
    steps=st.lists(steps, max_size=3).map(tuple),
)

rule_settings = st.builds(
    RuleSettings,
    half_life_days=st.integers(1, 400),
    late_grace_days=st.integers(0, 10),
    late_window_days=st.integers(30, 800),
    trend_weight=st.sampled_from([Decimal(0), Decimal("0.3"), Decimal("0.7"), Decimal(1)]),
    trend_half_life_days=st.integers(1, 200),
    late_benefit_invoices=st.integers(0, 5),
    pattern_count=st.integers(2, 6),
    target_hourly_rate=st.none() | st.integers(1, 200).map(Decimal),
    target_currency=st.sampled_from([None, "EUR"]),
)

as_of_dates = st.integers(0, 400).map(day)

property_test = settings(max_examples=200, deadline=None)


@property_test
@given(clients, incidents, rule_settings, as_of_dates)
def test_adding_an_incident_never_raises_the_score(client, incident, rules, as_of):
    before = assess(client, rules, as_of)

    after = assess(replace(client, incidents=(*client.incidents, incident)), rules, as_of)

    assert after.score <= before.score


@property_test
@given(clients, st.data(), st.integers(1, 400), rule_settings, as_of_dates)
def test_making_a_payment_later_never_raises_the_score(client, data, delay, rules, as_of):
    paid = [
        (index, number)
        for index, invoice in enumerate(client.invoices)
        for number in range(len(invoice.payments))
    ]
    assume(paid)
    index, number = data.draw(st.sampled_from(paid))
    invoice = client.invoices[index]
    payment = invoice.payments[number]
    payments = list(invoice.payments)
    payments[number] = replace(payment, paid_on=payment.paid_on + timedelta(days=delay))
    later = replace(invoice, payments=tuple(payments))
    invoices = list(client.invoices)
    invoices[index] = later

    after = assess(replace(client, invoices=tuple(invoices)), rules, as_of)

    assert after.score <= assess(client, rules, as_of).score


@property_test
@given(clients, st.data(), rule_settings, as_of_dates)
def test_paying_an_overdue_invoice_never_lowers_the_score(client, data, rules, as_of):
    overdue = [
        index
        for index, invoice in enumerate(client.invoices)
        if not (invoice.is_draft or invoice.disputed or invoice.written_off)
        and invoice.issued_on <= as_of
        and invoice.due_on < as_of
        and invoice.paid_on(as_of) is None
    ]
    assume(overdue)
    index = data.draw(st.sampled_from(overdue))
    invoice = client.invoices[index]
    paid_on = as_of - timedelta(days=data.draw(st.integers(0, 300)))
    rest = PaymentFacts(paid_on, invoice.amount - invoice.paid_total(as_of))
    invoices = list(client.invoices)
    invoices[index] = replace(invoice, payments=(*invoice.payments, rest))

    after = assess(replace(client, invoices=tuple(invoices)), rules, as_of)

    assert after.score >= assess(client, rules, as_of).score


@property_test
@given(clients, rule_settings, as_of_dates)
def test_verdict_is_a_function_of_score_and_red_flags_alone(client, rules, as_of):
    assessment = assess(client, rules, as_of)
    red_flag = any(reason.red_flag for reason in assessment.reasons)

    assert assessment.verdict == verdict_for(assessment.score, red_flag, rules)


@property_test
@given(clients, rule_settings, as_of_dates)
def test_same_input_and_date_give_the_same_assessment(client, rules, as_of):
    first = assess(client, rules, as_of)
    second = assess(copy.deepcopy(client), rules, as_of)

    assert first == second
    assert first.to_dict() == second.to_dict()


@property_test
@given(clients, rule_settings, as_of_dates)
def test_score_is_100_less_the_points_and_reasons_are_ordered(client, rules, as_of):
    assessment = assess(client, rules, as_of)
    points = [reason.points for reason in assessment.reasons]

    # 100 less the points, then placed on the ladder: red flags below `red_flag_below`,
    # every other client at or above it, and too early to tell at best watch.
    red_flag = any(reason.red_flag for reason in assessment.reasons)
    expected = 100 - sum(points)
    if red_flag:
        expected = max(0, min(expected, rules.red_flag_below - 1))
    else:
        expected = max(expected, rules.red_flag_below)
        if assessment.too_early:
            expected = min(expected, rules.keep_at - 1)
    assert assessment.score == expected
    assert all(0 < value <= 100 for value in points)
    flags = [reason.red_flag for reason in assessment.reasons]
    assert flags == sorted(flags, reverse=True)
    for group in (True, False):
        group_points = [r.points for r in assessment.reasons if r.red_flag is group]
        assert group_points == sorted(group_points, reverse=True)


@property_test
@given(clients, rule_settings, as_of_dates)
def test_engine_reads_invoices_as_the_facts_describe_them(client, rules, as_of):
    # The engine inlines InvoiceFacts' helpers for speed; they must agree.
    snapshot = take_snapshot(client, as_of, rules)

    for invoice, paid, paid_on, days_late, _ in snapshot.judged + snapshot.overdue:
        assert paid == invoice.paid_total(as_of)
        assert paid_on == invoice.paid_on(as_of)
        assert days_late == invoice.days_late(as_of)


def without_red_flags(client: ClientFacts) -> ClientFacts:
    kept = tuple(i for i in client.incidents if i.category not in RED_FLAGS)
    return replace(client, incidents=kept)


@property_test
@given(st.none() | st.integers(0, 59), rule_settings, as_of_dates)
def test_a_client_with_no_data_is_never_kept_with_100(started_days_ago, rules, as_of):
    # No invoices, incidents or hours; started recently, or not even that is known.
    started_on = None if started_days_ago is None else as_of - timedelta(days=started_days_ago)
    client = ClientFacts(1, "New Client", "fixed", "EUR", (), (), (), started_on)

    assessment = assess(client, rules, as_of)

    assert assessment.too_early
    assert assessment.verdict != "keep"
    assert assessment.score < 100


@property_test
@given(clients, clients, st.sampled_from(RED_FLAGS), rule_settings, as_of_dates)
def test_a_red_flag_always_scores_below_any_client_with_lesser_problems_only(
    flagged, lesser, red_flag, rules, as_of
):
    flag = IncidentFacts(99_999, red_flag, as_of - timedelta(days=1), 3, "")
    flagged = replace(flagged, incidents=(*flagged.incidents, flag))
    lesser = without_red_flags(lesser)
    worst = assess(flagged, rules, as_of)
    other = assess(lesser, rules, as_of)
    assume(not other.red_flag)  # abuse after a warning is a red flag of its own

    assert worst.score < other.score
    assert worst.verdict == "fire"


@property_test
@given(
    clients,
    st.sampled_from(SCORED),
    st.lists(st.tuples(st.integers(0, 400), st.integers(1, 5)), min_size=1, max_size=6),
    st.integers(0, 400),
    rule_settings,
)
def test_a_warning_never_lowers_the_verdict_for_friction_that_goes_on_after_it(
    client, category, friction, warned_days_ago, rules
):
    # docs/domain.md, "What a client is worth, and what to try first": what happened after
    # they were told counts; telling them can never make that look better.
    incidents = tuple(
        IncidentFacts(90_000 + n, category, day(ago), severity, "")
        for n, (ago, severity) in enumerate(friction)
    )
    warned_on = day(warned_days_ago)
    assume(any(incident.occurred_on > warned_on for incident in incidents))
    client = replace(client, incidents=(*client.incidents, *incidents))
    warning = StepFacts(99_999, StepKind.WARNED, warned_on, category)
    ladder = {"keep": 0, "watch": 1, "fire": 2}

    before = assess(client, rules, TODAY)
    after = assess(replace(client, steps=(*client.steps, warning)), rules, TODAY)

    assert ladder[after.verdict] >= ladder[before.verdict]
    assert after.score <= before.score
