import json
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest

from redflags.rules import Category, Evidence, RuleSettings, Verdict, verdict_for
from redflags.rules.areas import area_of
from redflags.rules.assessment import LazyEvidence
from redflags.rules.bench import engine_throughput

WITH_TARGET = RuleSettings(target_hourly_rate=Decimal(60), target_currency="EUR")


def test_rules_import_nothing_from_django():
    code = (
        "import sys, redflags.rules, redflags.rules.bench; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)

    assert done.stdout.strip() == "[]"


def test_nothing_after_as_of_is_seen(facts):
    client = facts.client(
        invoices=[facts.invoice(due_days_ago=-20, days_late=None)],  # issued after as_of
        incidents=[facts.incident(Category.LYING, days_ago=-1)],
        work_logs=[facts.work(days_ago=-1, hours="100")],
    )

    assert facts.assess(client, WITH_TARGET).score == 100


def test_an_invoice_paid_later_was_unpaid_at_an_earlier_date(facts):
    invoice = facts.invoice(due_days_ago=60, days_late=50)
    client = facts.client(invoices=[invoice])

    now = facts.assess(client)
    then = facts.assess(client, as_of=facts.day(20))

    assert "overdue" not in {reason.rule for reason in now.reasons}
    assert "overdue" in {reason.rule for reason in then.reasons}


def test_drafts_are_ignored(facts):
    draft = facts.invoice(due_days_ago=90, days_late=None, is_draft=True)

    assert facts.assess(facts.client(invoices=[draft])).score == 100


@pytest.mark.parametrize("flag", ["disputed", "written_off"])
def test_disputed_and_written_off_invoices_are_not_overdue(facts, flag):
    invoice = facts.invoice(due_days_ago=90, days_late=None, **{flag: True})

    rules = {reason.rule for reason in facts.assess(facts.client(invoices=[invoice])).reasons}

    assert "overdue" not in rules
    assert "late_payment" not in rules


def test_partly_paid_overdue_invoice_counts_for_what_is_missing(facts):
    whole = facts.invoice(due_days_ago=60, days_late=None)
    half = facts.invoice(due_days_ago=60, payments=[(70, "500.00")])

    def overdue_points(invoice):
        reasons = facts.assess(facts.client(invoices=[invoice])).reasons
        return next(reason.points for reason in reasons if reason.rule == "overdue")

    assert overdue_points(half) == pytest.approx(overdue_points(whole) / 2, abs=1)


def test_reasons_list_red_flags_first_then_most_points(facts):
    client = facts.client(
        invoices=facts.monthly([0, 10, 20, None], last_due_days_ago=40),
        incidents=[
            facts.incident(Category.UNRESPONSIVE, days_ago=10),
            facts.incident(Category.LEGAL_RISK, days_ago=400),
        ],
    )

    reasons = facts.assess(client).reasons

    assert reasons[0].rule == "legal_risk"
    points = [reason.points for reason in reasons[1:]]
    assert points == sorted(points, reverse=True)


def test_score_stops_at_zero(facts):
    client = facts.client(
        incidents=[facts.incident(category, days_ago=5) for category in Category],
    )

    assessment = facts.assess(client)

    assert assessment.score == 0
    assert assessment.verdict == Verdict.FIRE


@pytest.mark.parametrize(
    ("score", "red_flag", "verdict"),
    [
        (100, False, Verdict.KEEP),
        (70, False, Verdict.KEEP),
        (69, False, Verdict.WATCH),
        (40, False, Verdict.WATCH),
        (39, False, Verdict.FIRE),
        (0, False, Verdict.FIRE),
        (100, True, Verdict.FIRE),
    ],
)
def test_verdict_comes_from_score_and_red_flags(score, red_flag, verdict):
    assert verdict_for(score, red_flag, RuleSettings()) == verdict


def test_assessment_as_json(facts):
    client = facts.client(
        invoices=[facts.invoice(due_days_ago=29, days_late=None, amount="1200.00")],
        incidents=[facts.incident(Category.UNRESPONSIVE, days_ago=4, note="No reply in 2 weeks")],
    )

    data = json.loads(json.dumps(facts.assess(client).to_dict()))

    assert set(data) == {"score", "verdict", "reasons", "too_early", "areas"}
    assert data["areas"] == {
        "money": data["areas"]["money"],
        "conduct": 94,
        "scope": 100,
        "effort": 100,
    }
    assert data["verdict"] in {"keep", "watch", "fire"}
    first = data["reasons"][0]
    assert set(first) == {"rule", "title", "points", "advice", "red_flag", "evidence"}
    evidence = first["evidence"][0]
    assert set(evidence) == {"kind", "id", "on", "label", "wording", "amount", "currency"}
    assert evidence["wording"]["msgid"].startswith("Invoice {number}")
    overdue = next(reason for reason in data["reasons"] if reason["rule"] == "overdue")
    assert overdue["evidence"][0]["amount"] == "1200.00"
    assert overdue["evidence"][0]["on"] == "2024-06-01"


def test_evidence_names_the_invoice_its_due_date_lateness_and_amount(facts):
    client = facts.client(
        invoices=[facts.invoice(due_days_ago=119, days_late=12, amount="1200.00")]
    )

    reason = facts.assess(client).top_reason

    assert reason.title == "Pays late"
    (evidence,) = reason.evidence
    assert evidence.kind == "invoice"
    assert evidence.label == "Invoice 2024-001, due 3 Mar 2024, paid 12 days late, 1,200.00 EUR"
    assert (evidence.amount, evidence.currency) == (Decimal("1200.00"), "EUR")


def test_evidence_names_incidents_with_their_dates_newest_first(facts):
    incidents = [
        facts.incident(Category.PUBLIC_CRITICISM, days_ago=119, note="Slated us on LinkedIn"),
        facts.incident(Category.PUBLIC_CRITICISM, days_ago=10, severity=2),
    ]

    reason = facts.assess(facts.client(incidents=incidents)).top_reason

    assert [evidence.label for evidence in reason.evidence] == [
        "Public criticism on 20 Jun 2024, severity 2",
        "Public criticism on 3 Mar 2024, severity 3: Slated us on LinkedIn",
    ]
    assert [evidence.id for evidence in reason.evidence] == [incidents[1].id, incidents[0].id]


def test_every_reason_has_a_title_advice_and_evidence(facts):
    client = facts.client(
        invoices=[
            *facts.monthly([0, 4, 9, 15, None], last_due_days_ago=35),
            facts.invoice(due_days_ago=100, days_late=0, disputed=True),
        ],
        incidents=[
            facts.incident(category, days_ago=days, warned=days == 80)
            for category in Category
            for days in (5, 20, 40, 60, 80)
        ],
        work_logs=[facts.work(days_ago=days, hours="8") for days in range(0, 180, 2)],
    )

    reasons = facts.assess(client, WITH_TARGET).reasons

    assert {reason.rule for reason in reasons} >= {
        "physical_abuse",
        "repeated_verbal_abuse",
        "lying",
        "legal_risk",
        "late_payment",
        "later_every_cycle",
        "overdue",
        "effort",
        "pattern:invoice_dispute",
        "pattern:verbal_abuse",
        "pattern:scope_change",
        "pattern:unresponsive",
    }
    # Five incidents of a kind are one pattern, not a pattern and a reason of their own.
    assert not {"disputes", "verbal_abuse", "scope_changes", "unresponsive"} & {
        reason.rule for reason in reasons
    }
    for reason in reasons:
        assert reason.title and reason.advice and reason.evidence
        assert reason.points > 0
        assert area_of(reason.rule) is not None, reason.rule  # every reason has its area
        assert all(
            isinstance(evidence, Evidence) and evidence.label for evidence in reason.evidence
        )


def test_effort_rule_needs_a_target_hours_and_the_same_currency(facts):
    invoices = facts.monthly([0] * 6, amount="100.00")
    logs = [facts.work(days_ago=days, hours="8") for days in range(0, 180, 2)]

    def has_effort(client, settings):
        return "effort" in {reason.rule for reason in facts.assess(client, settings).reasons}

    assert has_effort(facts.client(invoices=invoices, work_logs=logs), WITH_TARGET)
    assert not has_effort(facts.client(invoices=invoices, work_logs=logs), RuleSettings())
    assert not has_effort(facts.client(invoices=invoices), WITH_TARGET)
    usd = facts.client(invoices=invoices, work_logs=logs, currency="USD")
    assert not has_effort(usd, WITH_TARGET)


def test_effort_counts_money_received_in_the_clients_currency_only(facts):
    logs = [facts.work(days_ago=days, hours="10", billable=False) for days in range(0, 60, 6)]
    eur = facts.client(invoices=facts.monthly([0], amount="6000.00"), work_logs=logs)
    usd = facts.client(
        invoices=facts.monthly([0], amount="6000.00", currency="USD"), work_logs=logs
    )

    assert facts.assess(eur, WITH_TARGET).score == 100
    assert facts.assess(usd, WITH_TARGET).top_reason.rule == "effort"


def test_unknown_incident_category_counts_as_other(facts):
    client = facts.client(incidents=[facts.incident("ghosted_us", days_ago=3)])

    assert facts.assess(client).top_reason.rule == "other"


def test_lazy_evidence_reads_like_a_tuple():
    item = Evidence("work", None, date(2024, 1, 1), "8 hours")
    lazy = LazyEvidence(lambda: [item])

    assert lazy == (item,)
    assert lazy[0] is item
    assert list(lazy) == [item]
    assert len(lazy) == 1
    assert lazy == LazyEvidence(lambda: (item,))
    assert hash(lazy) == hash((item,))


def test_benchmark_runs():
    assert engine_throughput(n_clients=20, repeats=1) > 0
