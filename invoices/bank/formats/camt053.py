"""CAMT.053 (ISO 20022 bank-to-customer statement), any version 001.02 to 001.13.

Read with defusedxml: a statement is a file from outside, and XML's entity declarations
can make a few kilobytes expand to gigabytes (the "billion laughs") or read local files.
defusedxml refuses both, and a DTD altogether, before anything is expanded.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError  # nosec B405  # types; parsing is defusedxml's

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from invoices.bank.credits import CENTS, Credit, Statement, StatementInvalid, clip, parse_date

FORMAT = "camt053"


def looks_like(head: bytes) -> bool:
    return b"camt.053" in head


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element: Element, path: str) -> Element | None:
    """The first descendant along `path` ("A/B/C"), ignoring the version's namespace."""
    current = [element]
    for step in path.split("/"):
        current = [child for node in current for child in node if _local(child.tag) == step]
        if not current:
            return None
    return current[0]


def _findall(element: Element, step: str) -> list[Element]:
    return [child for child in element.iter() if _local(child.tag) == step]


def _text(element: Element | None, path: str) -> str:
    found = _find(element, path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def read(raw: bytes) -> Statement:
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException as error:
        raise StatementInvalid(
            [
                "the XML file declares a DTD or entities, which a bank statement never needs; "
                f"it is refused ({type(error).__name__})"
            ]
        ) from error
    except ParseError as error:
        raise StatementInvalid([f"not valid XML ({error})"]) from error
    statements = _findall(root, "Stmt")
    if _local(root.tag) != "Document" or not statements:
        raise StatementInvalid(["not a CAMT.053 statement: no Document/BkToCstmrStmt/Stmt"])
    credits: list[Credit] = []
    problems: list[str] = []
    debits = 0
    for s, stmt in enumerate(statements, start=1):
        for n, entry in enumerate(
            [child for child in stmt if _local(child.tag) == "Ntry"], start=1
        ):
            where = f"statement {s}, entry {n}"
            if _text(entry, "CdtDbtInd") != "CRDT":
                debits += 1
                continue
            if _text(entry, "RvslInd").lower() == "true":
                debits += 1  # a reversal takes money back
                continue
            booked = _text(entry, "BookgDt/Dt") or _text(entry, "BookgDt/DtTm")[:10]
            day = parse_date(booked, "iso")
            if day is None:
                problems.append(f"{where}, BookgDt: not a date: {booked!r}")
                continue
            entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
            details = _findall(entry, "TxDtls")
            # A batch booking lists its transfers in TxDtls, each with its own amount.
            parts = details if len(details) > 1 else [details[0] if details else None]
            for p, tx in enumerate(parts, start=1):
                amount_el = _find(tx, "AmtDtls/TxAmt/Amt") if tx is not None else None
                if amount_el is None and tx is not None:
                    amount_el = _find(tx, "Amt")
                if amount_el is None or len(parts) == 1:
                    amount_el = _find(entry, "Amt")
                credit = _credit(where, entry_ref, p, len(parts), day, amount_el, tx, problems)
                if credit is not None:
                    credits.append(credit)
    if problems:
        raise StatementInvalid(problems)
    return Statement(FORMAT, credits, debits)


def _credit(where, entry_ref, part, parts, day, amount_el, tx, problems) -> Credit | None:
    if amount_el is None:
        problems.append(f"{where}, Amt: missing")
        return None
    try:
        amount = Decimal((amount_el.text or "").strip()).quantize(CENTS)
    except InvalidOperation:
        problems.append(f"{where}, Amt: not an amount: {amount_el.text!r}")
        return None
    if amount <= 0:
        problems.append(f"{where}, Amt: must be positive, the sign is in CdtDbtInd")
        return None
    currency = (amount_el.get("Ccy") or "").upper()
    if len(currency) != 3:
        problems.append(f"{where}, Amt: no currency (Ccy)")
        return None
    unstructured = [el.text or "" for el in _findall(tx, "Ustrd")] if tx is not None else []
    reference = " ".join(
        filter(
            None,
            [
                *unstructured,
                _text(tx, "RmtInf/Strd/CdtrRefInf/Ref"),
                _text(tx, "Refs/EndToEndId").replace("NOTPROVIDED", ""),
            ],
        )
    )
    # The payer: Dbtr/Nm up to version 07, Dbtr/Pty/Nm from 08 on.
    payer = _text(tx, "RltdPties/Dbtr/Nm") or _text(tx, "RltdPties/Dbtr/Pty/Nm")
    tx_id = _text(tx, "Refs/AcctSvcrRef") or _text(tx, "Refs/TxId")
    bank_id = tx_id or (f"{entry_ref}/{part}" if entry_ref and parts > 1 else entry_ref)
    return Credit(day, amount, currency, clip(reference), clip(payer), bank_id[:200])
