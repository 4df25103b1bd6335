"""Stripe's itemized balance and payout reconciliation reports ("Balance change from
activity", "Payout reconciliation", both itemized), and the Dashboard's older balance
history export (id, Type, Amount, Currency, Created (UTC), Description).

A charge is the client paying: its gross amount is what the invoice was paid with (the
fee is the freelancer's cost). Payouts move money from Stripe to the bank, refunds and
fees take it out: neither pays an invoice.
"""

from __future__ import annotations

from invoices.bank.credits import Credit, Statement, StatementInvalid, clip, parse_amount, show
from invoices.bank.credits import parse_date as date_of
from invoices.bank.formats.tables import Table

FORMAT = "stripe"
ID = ("balance_transaction_id", "id")
CATEGORY = ("reporting_category", "type")
GROSS = ("gross", "amount")
CREATED = ("created", "created_utc", "created (utc)")
CHARGES = {"charge", "payment"}


def looks_like(table: Table) -> bool:
    return (
        table.column(*ID) is not None
        and table.column(*CATEGORY) is not None
        and table.column(*GROSS) is not None
        and table.column(*CREATED) is not None
        and table.column("currency") is not None
    )


def read(table: Table) -> Statement:
    at = {
        "id": table.column(*ID),
        "category": table.column(*CATEGORY),
        "gross": table.column(*GROSS),
        "created": table.column(*CREATED),
        "currency": table.column("currency"),
        "description": table.column("description"),
        "customer": table.column("customer_name", "customer_description"),
        "email": table.column("customer_email"),
        "invoice": table.column("invoice_number", "invoice_id"),
    }
    credits: list[Credit] = []
    problems: list[str] = []
    debits = 0
    for number, cells in table.rows:
        category = table.cell(cells, at["category"]).lower()
        raw_gross, raw_created = table.cell(cells, at["gross"]), table.cell(cells, at["created"])
        gross = parse_amount(raw_gross)
        day = date_of(raw_created, "iso")
        if gross is None:
            problems.append(
                f"row {number}, {table.header[at['gross']]}: not an amount: {show(raw_gross)}"
            )
        if day is None:
            problems.append(
                f"row {number}, {table.header[at['created']]}: not a date: {show(raw_created)}"
            )
        if gross is None or day is None:
            continue
        if category not in CHARGES or gross <= 0:
            debits += 1
            continue
        reference = " ".join(
            filter(None, [table.cell(cells, at["invoice"]), table.cell(cells, at["description"])])
        )
        payer = table.cell(cells, at["customer"]) or table.cell(cells, at["email"])
        credits.append(
            Credit(
                date=day,
                amount=gross,
                currency=table.cell(cells, at["currency"]).upper(),
                reference=clip(reference),
                counterparty=clip(payer),
                bank_id=table.cell(cells, at["id"])[:200],
            )
        )
    if problems:
        raise StatementInvalid(problems)
    return Statement(FORMAT, credits, debits)
