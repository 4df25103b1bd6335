"""Invoice Ninja's records as a ClientWatch backup document (docs/data-format.md), so a
pull goes through backup_import: checked whole, written in one transaction, and safe to
run again (clients matched by ref, invoices by number, payments by date, amount and
note). Pure: no database; what is stored comes in as arguments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from clients.backup import FORMAT_VERSION
from clientwatch.money import MONEY_DECIMAL_PLACES

CENTS = Decimal(1).scaleb(-MONEY_DECIMAL_PLACES)
# Invoice Ninja's own currency ids (its currencies table), the ones in common use.
CURRENCIES = dict(
    enumerate(
        (
            *("USD", "GBP", "EUR", "ZAR", "DKK", "ILS", "SEK", "KES", "CAD", "PHP"),
            *("INR", "AUD", "SGD", "NOK", "NZD", "VND", "CHF", "GTQ", "MYR", "BRL"),
            *("THB", "NGN", "ARS", "BDT", "AED", "HKD", "IDR", "MXN", "EGP", "COP"),
            *("XOF", "CNY", "RWF", "TZS", "ANG", "TTD", "XCD", "GHS", "BGN", "AWG"),
            *("TRY", "RON", "HRK", "SAR", "JPY", "MVR", "CRC", "PKR", "PLN", "LKR"),
        ),
        start=1,
    )
)
# Invoice statuses: 1 draft, 2 sent, 3 partly paid, 4 paid, 5 cancelled, 6 reversed.
SENT_STATUSES = {"2", "3", "4"}
# Payment statuses: 4 completed, 5 partly refunded (1 pending, 2 voided, 3 failed, 6 refunded).
PAID_STATUSES = {"4", "5"}


class MappingProblem(Exception):
    pass


def client_ref(client: Mapping[str, Any]) -> str:
    """The ClientWatch ref of an Invoice Ninja client: its number, else its id."""
    raw = str(client.get("number") or client["id"])
    return ("in-" + re.sub(r"[^a-z0-9_-]+", "-", raw.lower()).strip("-"))[:40]


def _day(value: Any) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value[:10]):
        return value[:10]
    return None


def _money(value: Any) -> str | None:
    try:
        amount = Decimal(str(value)).quantize(CENTS)
    except (InvalidOperation, ValueError):
        return None
    return str(amount)


def _stamp_day(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, tz=UTC).date().isoformat()
    return None


def client_document(
    client: Mapping[str, Any], stored: Mapping[str, Any] | None, defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """A client as the document writes it: Invoice Ninja's name, email, currency and
    terms; what Invoice Ninja does not know (billing, rate, language) as stored, or the
    defaults for a new client."""
    stored = stored or {}
    settings = client.get("settings") if isinstance(client.get("settings"), dict) else {}
    contacts = [c for c in client.get("contacts") or [] if isinstance(c, dict)]
    email = next((c.get("email") for c in contacts if c.get("email")), None)
    currency_id = str(settings.get("currency_id") or "")
    currency = CURRENCIES.get(int(currency_id)) if currency_id.isdigit() else None
    if currency_id and currency is None:
        raise MappingProblem(
            f"client {client.get('name')!r}: Invoice Ninja currency {currency_id} is not known here"
        )
    terms = str(settings.get("payment_terms") or "")
    return {
        "ref": client_ref(client),
        "name": (client.get("display_name") or client.get("name") or stored.get("name") or "")[
            :120
        ],
        "email": email or stored.get("email", ""),
        "currency": currency or stored.get("currency") or defaults["currency"],
        "language": stored.get("language", "en"),
        "billing": stored.get("billing", "hourly"),
        "rate": stored.get("rate", "0.00"),
        "payment_terms_days": int(terms)
        if terms.isdigit()
        else stored.get("payment_terms_days", defaults["payment_terms_days"]),
        "started_on": stored.get("started_on")
        or _stamp_day(client.get("created_at"))
        or defaults["today"],
        "invoices": [],
    }


def invoice_document(invoice: Mapping[str, Any], terms_days: int) -> dict[str, Any] | None:
    """A sent invoice as the document writes it; None for a draft, a cancelled or a
    deleted one (ClientWatch records what the client was asked to pay)."""
    if invoice.get("is_deleted") or str(invoice.get("status_id")) not in SENT_STATUSES:
        return None
    number = str(invoice.get("number") or "")
    issued = _day(invoice.get("date"))
    amount = _money(invoice.get("amount"))
    if not number or issued is None or amount is None or Decimal(amount) <= 0:
        raise MappingProblem(f"invoice {number or invoice.get('id')!r}: no number, date or amount")
    due = (
        _day(invoice.get("due_date"))
        or (date.fromisoformat(issued) + timedelta(days=terms_days)).isoformat()
    )
    return {
        "number": number[:50],
        "issued_on": issued,
        "due_on": due,
        "amount": amount,
        "payments": [],
    }


def payment_parts(payment: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(invoice id, paid on, amount, note) for each invoice a completed payment paid."""
    if payment.get("is_deleted") or str(payment.get("status_id")) not in PAID_STATUSES:
        return []
    day = _day(payment.get("date"))
    if day is None:
        raise MappingProblem(f"payment {payment.get('number') or payment.get('id')!r}: no date")
    note = f"Invoice Ninja payment {payment.get('number') or payment['id']}"[:200]
    parts = []
    for part in payment.get("paymentables") or []:
        if not isinstance(part, dict) or not part.get("invoice_id"):
            continue
        paid = Decimal(_money(part.get("amount")) or 0) - Decimal(_money(part.get("refunded")) or 0)
        if paid > 0:
            parts.append((str(part["invoice_id"]), day, str(paid.quantize(CENTS)), note))
    return parts


def pull_document(
    *,
    clients: Mapping[str, Mapping[str, Any]],
    invoices: Mapping[str, Mapping[str, Any]],
    payments: list[Mapping[str, Any]],
    stored: Mapping[str, Mapping[str, Any]],
    defaults: Mapping[str, Any],
) -> dict[str, Any]:
    """The backup document for one pull. `clients` and `invoices` by Invoice Ninja id hold
    every record the pull touches (those changed and those their changes refer to);
    `stored` holds the stored clients' values by ref."""
    documents: dict[str, dict[str, Any]] = {}
    for ninja_id, client in clients.items():
        documents[ninja_id] = client_document(client, stored.get(client_ref(client)), defaults)
    by_invoice: dict[str, dict[str, Any]] = {}
    for ninja_id, invoice in invoices.items():
        owner = documents.get(str(invoice.get("client_id")))
        if owner is None:
            raise MappingProblem(f"invoice {invoice.get('number')!r}: its client was not found")
        row = invoice_document(invoice, owner["payment_terms_days"])
        if row is not None:
            owner["invoices"].append(row)
            by_invoice[ninja_id] = row
    for payment in payments:
        for invoice_id, day, amount, note in payment_parts(payment):
            row = by_invoice.get(invoice_id)
            if row is not None:  # a payment of a draft or cancelled invoice stays out
                row["payments"].append({"paid_on": day, "amount": amount, "note": note})
    return {"version": FORMAT_VERSION, "clients": list(documents.values())}
