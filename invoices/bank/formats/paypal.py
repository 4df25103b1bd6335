"""PayPal's activity download (Activity > Statements > Activity download, CSV, English
column names): Date, Time, TimeZone, Name, Type, Status, Currency, Gross, Fee, Net,
From Email Address, ..., Transaction ID, ..., Invoice Number, ..., Subject, Note,
Balance Impact.

A completed row that credits the balance is the client paying; its gross amount pays the
invoice (PayPal's fee is the freelancer's cost). Dates follow the account's country
(11/03/2026 in the US, 03/11/2026 in the UK, 03.11.2026 in Germany).
"""

from __future__ import annotations

from invoices.bank.credits import Credit, Statement, StatementInvalid, clip, parse_amount, show
from invoices.bank.credits import parse_date as date_of
from invoices.bank.formats.tables import Table, date_format_for

FORMAT = "paypal"


def looks_like(table: Table) -> bool:
    return all(
        table.column(name) is not None for name in ("Transaction ID", "Gross", "Date", "Name")
    )


def read(table: Table, *, date_format: str = "") -> Statement:
    at = {
        name: table.column(name)
        for name in (
            "Date",
            "Name",
            "Status",
            "Currency",
            "Gross",
            "From Email Address",
            "Transaction ID",
            "Invoice Number",
            "Subject",
            "Note",
            "Item Title",
            "Balance Impact",
        )
    }
    dates = [table.cell(cells, at["Date"]) for _, cells in table.rows]
    chosen = date_format_for(dates, date_format)
    if chosen is None:
        raise StatementInvalid(
            [
                'column "Date": the dates could be read as day/month and as month/day: '
                "choose the date format"
            ]
        )
    credits: list[Credit] = []
    problems: list[str] = []
    debits = 0
    for number, cells in table.rows:
        raw_gross, raw_date = table.cell(cells, at["Gross"]), table.cell(cells, at["Date"])
        gross, day = parse_amount(raw_gross), date_of(raw_date, chosen)
        if gross is None:
            problems.append(f"row {number}, Gross: not an amount: {show(raw_gross)}")
        if day is None:
            problems.append(f"row {number}, Date: not a date: {show(raw_date)}")
        if gross is None or day is None:
            continue
        impact = table.cell(cells, at["Balance Impact"]).lower()
        status = table.cell(cells, at["Status"]).lower()
        if gross <= 0 or impact not in ("", "credit") or status not in ("", "completed"):
            debits += 1
            continue
        reference = " ".join(
            filter(
                None,
                [
                    table.cell(cells, at[c])
                    for c in ("Invoice Number", "Subject", "Note", "Item Title")
                ],
            )
        )
        credits.append(
            Credit(
                date=day,
                amount=gross,
                currency=table.cell(cells, at["Currency"]).upper(),
                reference=clip(reference),
                counterparty=clip(
                    table.cell(cells, at["Name"]) or table.cell(cells, at["From Email Address"])
                ),
                bank_id=table.cell(cells, at["Transaction ID"])[:200],
            )
        )
    if problems:
        raise StatementInvalid(problems)
    return Statement(FORMAT, credits, debits)
