"""One reader per statement format, each turning a file into plain `Credit` records.

`statement_open` tells the format from the file's first bytes (or its header row);
`statement_read` reads it, given the column mapping a plain bank CSV needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from invoices.bank.credits import Statement, StatementInvalid
from invoices.bank.formats import camt053, mt940, ofx, paypal, plain_csv, stripe
from invoices.bank.formats.tables import Table, decode, table_read

NAMES = {
    camt053.FORMAT: "CAMT.053",
    ofx.FORMAT: "OFX",
    mt940.FORMAT: "MT940",
    stripe.FORMAT: "Stripe",
    paypal.FORMAT: "PayPal",
    plain_csv.FORMAT: "CSV",
}


@dataclass
class Opened:
    format: str
    raw: bytes
    table: Table | None = None  # for the CSV-based formats
    text: str = ""


def statement_open(raw: bytes) -> Opened:
    """The file's format; raises StatementInvalid for an empty or unreadable file."""
    if not raw.strip():
        raise StatementInvalid(["the file is empty"])
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml") or head.startswith(b"<Document") or camt053.looks_like(head):
        if ofx.looks_like(head):
            return Opened(ofx.FORMAT, raw)
        return Opened(camt053.FORMAT, raw)
    if ofx.looks_like(head):
        return Opened(ofx.FORMAT, raw)
    text = decode(raw)
    if mt940.looks_like(head):
        return Opened(mt940.FORMAT, raw, text=text)
    table = table_read(text)
    if stripe.looks_like(table):
        return Opened(stripe.FORMAT, raw, table, text)
    if paypal.looks_like(table):
        return Opened(paypal.FORMAT, raw, table, text)
    return Opened(plain_csv.FORMAT, raw, table, text)


def statement_read(
    opened: Opened,
    *,
    default_currency: str,
    date_format: str = "",
    mapping: plain_csv.Mapping | None = None,
) -> Statement:
    if opened.format == camt053.FORMAT:
        return camt053.read(opened.raw)
    if opened.format == ofx.FORMAT:
        return ofx.read(opened.raw)
    if opened.format == mt940.FORMAT:
        return mt940.read(opened.text)
    if opened.table is None:  # every other format is a table
        raise ValueError(f"no reader for {opened.format}")
    if opened.format == stripe.FORMAT:
        return stripe.read(opened.table)
    if opened.format == paypal.FORMAT:
        return paypal.read(opened.table, date_format=date_format)
    if mapping is None:
        raise StatementInvalid(["say which columns hold the date, amount and description"])
    return plain_csv.read(
        opened.table, mapping, default_currency=default_currency, date_format=date_format
    )


__all__ = ["NAMES", "Opened", "StatementInvalid", "statement_open", "statement_read"]
