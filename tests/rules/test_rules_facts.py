from datetime import date
from decimal import Decimal

from redflags.rules import CATEGORIES, Category, InvoiceFacts, PaymentFacts


def invoice(*payments: tuple[date, str], amount: str = "1000.00") -> InvoiceFacts:
    return InvoiceFacts(
        id=1,
        number="2024-001",
        issued_on=date(2024, 2, 1),
        due_on=date(2024, 3, 1),
        amount=Decimal(amount),
        currency="EUR",
        payments=tuple(PaymentFacts(day, Decimal(value)) for day, value in payments),
        disputed=False,
        written_off=False,
        is_draft=False,
    )


def test_invoice_is_paid_on_the_day_the_payments_reach_the_amount():
    # Given out of order on purpose: the adapter need not sort payments.
    paid = invoice((date(2024, 3, 20), "600.00"), (date(2024, 3, 5), "400.00"))

    assert paid.paid_total() == Decimal("1000.00")
    assert paid.paid_on() == date(2024, 3, 20)
    assert paid.days_late(date(2024, 6, 1)) == 19


def test_payments_after_as_of_do_not_count_yet():
    paid = invoice((date(2024, 3, 5), "400.00"), (date(2024, 3, 20), "600.00"))

    assert paid.paid_total(date(2024, 3, 10)) == Decimal("400.00")
    assert paid.paid_on(date(2024, 3, 10)) is None
    assert paid.days_late(date(2024, 3, 10)) == 9


def test_invoice_paid_before_its_due_date_is_not_late():
    early = invoice((date(2024, 2, 20), "1000.00"))

    assert early.days_late(date(2024, 6, 1)) == 0


def test_unpaid_invoice_is_late_from_its_due_date_to_as_of():
    unpaid = invoice()

    assert unpaid.paid_total() == Decimal(0)
    assert unpaid.paid_on() is None
    assert unpaid.days_late(date(2024, 2, 15)) == 0
    assert unpaid.days_late(date(2024, 3, 31)) == 30


def test_partly_paid_invoice_is_still_unpaid():
    partly = invoice((date(2024, 3, 1), "999.99"))

    assert partly.paid_on() is None
    assert partly.days_late(date(2024, 3, 11)) == 10


def test_categories_are_the_incident_slugs():
    assert CATEGORIES == (
        "physical_abuse",
        "verbal_abuse",
        "lying",
        "unreasonable_demand",
        "invoice_dispute",
        "scope_change",
        "ignored_advice",
        "competitor_leverage",
        "legal_risk",
        "unresponsive",
        "micromanaging",
        "public_criticism",
        "threat",
        "other",
    )
    assert Category.SCOPE_CHANGE == "scope_change"
