"""MT940 (SWIFT customer statement), as most European banks still export it.

Read with mt-940: the :61: line packs date, entry date, sign, amount and references into
one field with optional parts, and the library knows the common variants of it.
"""

from __future__ import annotations

import re
from datetime import date

import mt940 as mt940_lib

from invoices.bank.credits import CENTS, Credit, Statement, StatementInvalid, clip

FORMAT = "mt940"
# SEPA banks structure :86: as /CODE/value/CODE/value (ABN AMRO, Rabobank, ING and others).
_SUBFIELD = re.compile(r"/(REMI|NAME|EREF|IBAN|BIC|CSID|MARF|TRTP|ORDP)/")


def looks_like(head: bytes) -> bool:
    return b":20:" in head and (b":60F:" in head or b":25:" in head)


def _details(text: str) -> tuple[str, str]:
    """(remittance information, payer's name) from a :86: field."""
    parts = _SUBFIELD.split(text)
    if len(parts) < 3:
        return text, ""
    fields = dict(zip(parts[1::2], parts[2::2], strict=False))
    remittance = fields.get("REMI", "").replace("USTD//", "").strip("/")
    return remittance or fields.get("EREF", ""), fields.get("NAME", "").strip("/")


def read(text: str) -> Statement:
    try:
        transactions = mt940_lib.models.Transactions()
        transactions.parse(text)
    except Exception as error:  # the library raises bare exceptions on broken fields
        raise StatementInvalid([f"not a readable MT940 file ({error})"]) from error
    if not transactions.transactions:
        raise StatementInvalid(["not an MT940 statement: no :61: transaction lines"])
    credits: list[Credit] = []
    debits = 0
    for n, transaction in enumerate(transactions, start=1):
        data = transaction.data
        amount, day = data.get("amount"), data.get("date")
        if amount is None or day is None:
            raise StatementInvalid([f"transaction {n}, :61:: no date or amount"])
        value = amount.amount.quantize(CENTS)
        # "C" credit, "RD" reversal of a debit (money back in); "D" and "RC" take money out.
        if value <= 0 or data.get("status") not in ("C", "RD"):
            debits += 1
            continue
        reference, payer = _details(data.get("transaction_details") or "")
        customer_reference = data.get("customer_reference") or ""
        if customer_reference != "NONREF":
            reference = f"{reference} {customer_reference}"
        credits.append(
            Credit(
                date=date(day.year, day.month, day.day),
                amount=value,
                currency=(amount.currency or data.get("currency") or "").upper(),
                reference=clip(reference),
                counterparty=clip(payer),
                # The :61: bank reference is optional and not unique across statements:
                # the line's own content (date, amount, text) identifies it instead.
                bank_id="",
            )
        )
    return Statement(FORMAT, credits, debits)
