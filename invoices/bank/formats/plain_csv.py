"""A bank's own CSV export: the freelancer says which column holds what.

No two banks name their columns alike (Buchungstag, Boekdatum, Tarikh, Päivämäärä...),
so the preview asks for the date, amount, description and, optionally, currency columns,
with a guess from common names in the product's languages preselected.
"""

from __future__ import annotations

from dataclasses import dataclass

from invoices.bank.credits import (
    Credit,
    Statement,
    StatementInvalid,
    clip,
    parse_amount,
    parse_date,
    show,
)
from invoices.bank.formats.tables import Table, date_format_for

FORMAT = "csv"
ROLES = ("date", "amount", "description", "counterparty", "currency")
REQUIRED_ROLES = ("date", "amount", "description")
# Lower case, as headers are compared; English, German, Dutch, Malay/Indonesian, Finnish.
GUESSES = {
    "date": (
        "date",
        "booking date",
        "transaction date",
        "value date",
        "datum",
        "buchungstag",
        "buchungsdatum",
        "valutadatum",
        "boekdatum",
        "boekingsdatum",
        "tarikh",
        "tanggal",
        "päivämäärä",
        "kirjauspäivä",
        "arvopäivä",
    ),
    "amount": (
        "amount",
        "credit",
        "betrag",
        "umsatz",
        "bedrag",
        "jumlah",
        "nominal",
        "summa",
        "määrä",
        "määrä eur",
    ),
    "description": (
        "description",
        "reference",
        "details",
        "memo",
        "purpose",
        "verwendungszweck",
        "buchungstext",
        "omschrijving",
        "mededelingen",
        "keterangan",
        "butiran",
        "viesti",
        "selite",
        "viite",
    ),
    "counterparty": (
        "name",
        "payer",
        "counterparty",
        "auftraggeber",
        "auftraggeber/empfänger",
        "naam",
        "tegenrekening naam",
        "nama",
        "maksaja",
        "saaja/maksaja",
    ),
    "currency": ("currency", "währung", "waehrung", "valuta", "mata uang", "valuutta"),
}


@dataclass(frozen=True)
class Mapping:
    """Column positions for each role; currency None means `default_currency`, no
    counterparty column means the description is searched for the client's name too."""

    date: int
    amount: int
    description: int
    counterparty: int | None = None
    currency: int | None = None


def mapping_guess(table: Table) -> dict[str, int | None]:
    return {role: table.column(*GUESSES[role]) for role in ROLES}


def read(
    table: Table, mapping: Mapping, *, default_currency: str, date_format: str = ""
) -> Statement:
    problems: list[str] = []
    date_name = table.header[mapping.date] if mapping.date < len(table.header) else "date"
    amount_name = table.header[mapping.amount] if mapping.amount < len(table.header) else "amount"
    chosen = date_format_for([table.cell(c, mapping.date) for _, c in table.rows], date_format)
    if chosen is None:
        raise StatementInvalid(
            [
                f"column {show(date_name)}: the dates could be read as day/month and as "
                "month/day: choose the date format"
            ]
        )
    credits: list[Credit] = []
    debits = 0
    for number, cells in table.rows:
        raw_date = table.cell(cells, mapping.date)
        raw_amount = table.cell(cells, mapping.amount)
        day = parse_date(raw_date, chosen)
        amount = parse_amount(raw_amount)
        if day is None:
            problems.append(f"row {number}, {date_name}: not a date: {show(raw_date)}")
        if amount is None:
            problems.append(f"row {number}, {amount_name}: not an amount: {show(raw_amount)}")
        currency = (
            table.cell(cells, mapping.currency).upper()
            if mapping.currency is not None
            else default_currency
        )
        if mapping.currency is not None and len(currency) != 3:
            problems.append(
                f"row {number}, {table.header[mapping.currency]}: not a currency code: "
                f"{show(currency)}"
            )
        if day is None or amount is None:
            continue
        if amount <= 0:
            debits += 1
            continue
        description = clip(table.cell(cells, mapping.description))
        payer = (
            clip(table.cell(cells, mapping.counterparty))
            if mapping.counterparty is not None
            else ""
        )
        credits.append(Credit(day, amount, currency, description, payer, ""))
    if problems:
        raise StatementInvalid(problems)
    return Statement(FORMAT, credits, debits)
