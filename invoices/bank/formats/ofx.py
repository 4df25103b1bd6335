"""OFX (Open Financial Exchange) 1.x (SGML) and 2.x (XML) bank and card statements.

Read with ofxtools: OFX 1 is SGML with unclosed tags, which no XML parser reads, and
ofxtools knows the spec's aggregates and types (dates with zones, amounts, FITID).
"""

from __future__ import annotations

import io
from decimal import Decimal

from ofxtools.Parser import OFXTree

from invoices.bank.credits import CENTS, Credit, Statement, StatementInvalid, clip

FORMAT = "ofx"


def looks_like(head: bytes) -> bool:
    upper = head.upper()
    return b"OFXHEADER" in upper or b"<OFX>" in upper


def read(raw: bytes) -> Statement:
    parser = OFXTree()
    try:
        parser.parse(io.BytesIO(raw))
        ofx = parser.convert()
    except Exception as error:  # ofxtools raises its own errors, ValueError and others
        raise StatementInvalid([f"not a readable OFX file ({error})"]) from error
    credits: list[Credit] = []
    debits = 0
    for s, stmt in enumerate(ofx.statements, start=1):
        default_currency = (stmt.curdef or "").upper()
        for n, txn in enumerate(stmt.banktranlist or (), start=1):
            amount = Decimal(txn.trnamt).quantize(CENTS)
            if amount <= 0:
                debits += 1
                continue
            currency = default_currency
            if getattr(txn, "currency", None) is not None:
                currency = txn.currency.cursym.upper()
            if len(currency) != 3:
                raise StatementInvalid([f"statement {s}, transaction {n}, CURDEF: missing"])
            payee = txn.name or (txn.payee.name if getattr(txn, "payee", None) else "") or ""
            credits.append(
                Credit(
                    date=txn.dtposted.date(),
                    amount=amount,
                    currency=currency,
                    reference=clip(" ".join(filter(None, [txn.memo, txn.checknum, txn.refnum]))),
                    counterparty=clip(payee),
                    bank_id=(txn.fitid or "")[:200],
                )
            )
    return Statement(FORMAT, credits, debits)
