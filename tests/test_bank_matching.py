"""The matcher: bank credits to open invoices, as plain data (no database)."""

from datetime import date
from decimal import Decimal

from invoices.bank.credits import Credit
from invoices.bank.matching import (
    CONFIDENT,
    OpenInvoice,
    allocation_problems,
    match_credits,
    name_words,
)

D = Decimal


def invoice(
    pk, number, owed, *, client=1, name="Acme Studio BV", issued=date(2026, 10, 1), currency="EUR"
):
    return OpenInvoice(pk, number, client, name, currency, issued, D(owed))


def credit(amount, reference="", payer="", *, on=date(2026, 11, 3), currency="EUR"):
    return Credit(on, D(amount), currency, reference, payer, "")


def proposed(matched):
    return (
        [(a.invoice.number, a.amount) for a in matched.proposed.allocations]
        if matched.proposed
        else None
    )


OPEN = [
    invoice(1, "ACME-2026-014", "1200.00"),
    invoice(2, "ACME-2026-015", "300.00", issued=date(2026, 10, 20)),
    invoice(3, "ACME-2026-016", "450.00", issued=date(2026, 10, 25)),
    invoice(4, "MUE-7", "980.50", client=2, name="Mühle & Söhne GmbH"),
    invoice(5, "NB-1", "1200.00", client=3, name="North Bakery"),
]


def test_number_in_reference_and_exact_amount_is_proposed():
    [matched] = match_credits([credit("1200.00", "Invoice ACME-2026-014")], OPEN)
    assert proposed(matched) == [("ACME-2026-014", D("1200.00"))]
    best = matched.suggestions[0]
    assert set(best.reasons) == {"number", "amount"}
    assert best.score >= CONFIDENT


def test_amount_alone_is_suggested_but_not_proposed():
    # Two invoices owe 1,200.00: the amount says nothing about which.
    [matched] = match_credits([credit("1200.00", "thanks")], OPEN)
    assert {a.invoice.number for s in matched.suggestions for a in s.allocations} == {
        "ACME-2026-014",
        "NB-1",
    }
    assert matched.proposed is None


def test_client_name_in_counterparty_with_exact_amount_is_proposed_without_accents_or_legal_form():
    [matched] = match_credits([credit("980.50", "Rechnung", "MUHLE & SOHNE")], OPEN)
    assert proposed(matched) == [("MUE-7", D("980.50"))]
    assert name_words("Mühle & Söhne GmbH") == ("muhle", "sohne")


def test_partial_payment_takes_the_whole_credit_and_leaves_the_rest_owed():
    [matched] = match_credits([credit("600.00", "ACME-2026-014 Teilzahlung", "Acme Studio")], OPEN)
    assert proposed(matched) == [("ACME-2026-014", D("600.00"))]
    assert "partial" in matched.suggestions[0].reasons


def test_one_transfer_for_two_invoices_named_in_the_reference():
    [matched] = match_credits([credit("750.00", "ACME-2026-015 ACME-2026-016")], OPEN)
    assert proposed(matched) == [("ACME-2026-015", D("300.00")), ("ACME-2026-016", D("450.00"))]
    assert "combined" in matched.suggestions[0].reasons


def test_one_transfer_for_two_invoices_of_a_named_client_adding_up():
    [matched] = match_credits([credit("750.00", "November", "Acme Studio BV")], OPEN)
    assert proposed(matched) == [("ACME-2026-015", D("300.00")), ("ACME-2026-016", D("450.00"))]


def test_two_transfers_for_one_invoice_the_second_owes_what_is_left():
    first, second = match_credits(
        [
            credit("150.00", "ACME-2026-015 part 1", on=date(2026, 11, 5)),
            credit("150.00", "ACME-2026-015 part 2", on=date(2026, 11, 6)),
        ],
        OPEN,
    )
    assert proposed(first) == [("ACME-2026-015", D("150.00"))]
    assert proposed(second) == [("ACME-2026-015", D("150.00"))]
    assert "amount" in second.suggestions[0].reasons  # 150.00 is what was left


def test_more_than_owed_pays_the_invoice_and_leaves_the_rest_unallocated():
    [matched] = match_credits([credit("500.00", "ACME-2026-015")], OPEN)
    [allocation] = matched.suggestions[0].allocations
    assert allocation.amount == D("300.00")
    assert matched.suggestions[0].total <= D("500.00")


def test_invoice_issued_after_the_payment_or_in_another_currency_is_no_candidate():
    later = [invoice(9, "LATE-1", "100.00", issued=date(2026, 12, 1))]
    dollars = [invoice(10, "USD-1", "100.00", currency="USD")]
    [a] = match_credits([credit("100.00", "LATE-1")], later)
    [b] = match_credits([credit("100.00", "USD-1")], dollars)
    assert a.suggestions == () and b.suggestions == ()


def test_number_matched_without_separators_and_not_inside_other_numbers():
    [spaced] = match_credits([credit("1200.00", "ref ACME2026014")], OPEN)
    assert proposed(spaced) == [("ACME-2026-014", D("1200.00"))]
    short = [invoice(1, "14", "99.00", name="Zed")]
    [inside] = match_credits([credit("99.00", "order 2014 paid")], short)
    assert all("number" not in s.reasons for s in inside.suggestions)


def test_suggestions_never_give_more_than_the_credit_or_what_is_owed():
    credits = [
        credit(str(n * 50), f"ACME-2026-014 ACME-2026-015 x{n}", "Acme") for n in range(1, 40)
    ]
    owed = {inv.pk: inv.outstanding for inv in OPEN}
    for matched in match_credits(credits, OPEN):
        for suggestion in matched.suggestions:
            assert suggestion.total <= matched.credit.amount
            for allocation in suggestion.allocations:
                assert allocation.amount <= owed[allocation.invoice.pk]


def test_allocation_problems_name_what_is_wrong():
    owed = {inv.pk: inv.outstanding for inv in OPEN}
    c = credit("500.00", on=date(2026, 10, 22))
    problems = allocation_problems(
        c,
        [(OPEN[1], D("300.00")), (OPEN[2], D("100.00")), (OPEN[0], D("200.00"))],
        owed,
    )
    assert ("over_credit", "") in problems
    assert ("before_issue", "ACME-2026-016") in problems
    assert allocation_problems(c, [(OPEN[1], D("301.00"))], owed) == [
        ("over_owed", "ACME-2026-015")
    ]
    assert allocation_problems(c, [(OPEN[1], D("300.00"))], owed) == []


def test_many_credits_against_many_invoices_stay_fast():
    invoices = [
        invoice(i, f"INV-{i:05d}", f"{100 + i % 500}.00", client=i % 300, name=f"Client {i % 300}")
        for i in range(2000)
    ]
    credits = [
        credit(f"{100 + i % 500}.00", f"INV-{i:05d}", f"Client {i % 300}") for i in range(10000)
    ]
    import time

    start = time.perf_counter()
    matched = match_credits(credits, invoices)
    assert time.perf_counter() - start < 20
    assert sum(m.proposed is not None for m in matched) >= 2000
