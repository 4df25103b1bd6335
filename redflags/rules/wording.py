"""Wording shared by the rules: dates, money, incident kinds and evidence labels.

Every user-facing text is a plain string literal, one per place, so that the i18n pass
can wrap each in gettext.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from redflags.rules.assessment import Evidence
from redflags.rules.facts import Category, IncidentFacts, InvoiceFacts

# A reason names its most recent evidence; the full history stays in the client's records.
MAX_EVIDENCE = 10

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

CATEGORY_LABELS: dict[str, str] = {
    Category.PHYSICAL_ABUSE: "Physical abuse",
    Category.VERBAL_ABUSE: "Verbal abuse",
    Category.LYING: "Lying",
    Category.UNREASONABLE_DEMAND: "Unreasonable demand",
    Category.INVOICE_DISPUTE: "Invoice dispute",
    Category.SCOPE_CHANGE: "Change of mind",
    Category.IGNORED_ADVICE: "Ignored advice",
    Category.COMPETITOR_LEVERAGE: "Played against a competitor",
    Category.LEGAL_RISK: "Legal risk",
    Category.UNRESPONSIVE: "Unresponsive",
    Category.MICROMANAGING: "Micromanaging",
    Category.PUBLIC_CRITICISM: "Public criticism",
    Category.OTHER: "Other",
}

_NOTE_LENGTH = 60


def fill(template: str, **values: object) -> str:
    """The template with its {named} gaps filled: whole sentences translate better than bits."""
    return template.format(**values)


def format_date(day: date) -> str:
    """3 Mar 2024, whatever the process locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def days_text(days: int) -> str:
    return "1 day" if days == 1 else fill("{days} days", days=days)


def incident_evidence(incident: IncidentFacts) -> Evidence:
    label = fill(
        "{kind} on {date}, severity {severity}",
        kind=CATEGORY_LABELS.get(incident.category, "Other"),
        date=format_date(incident.occurred_on),
        severity=incident.severity,
    )
    note = incident.note.strip().partition("\n")[0]
    if note:
        if len(note) > _NOTE_LENGTH:
            note = note[: _NOTE_LENGTH - 1].rstrip() + "…"
        label = f"{label}: {note}"
    return Evidence("incident", incident.id, incident.occurred_on, label)


def incidents_evidence(incidents: Iterable[IncidentFacts]) -> tuple[Evidence, ...]:
    """The most recent incidents first, at most MAX_EVIDENCE."""
    recent = sorted(incidents, key=lambda incident: (incident.occurred_on, incident.id))
    return tuple(incident_evidence(incident) for incident in reversed(recent[-MAX_EVIDENCE:]))


def invoice_evidence(
    invoice: InvoiceFacts, status: str, amount: Decimal | None = None, on: date | None = None
) -> Evidence:
    """Invoice 2024-007, due 3 Mar 2024, 12 days late, 1,200.00 EUR."""
    amount = invoice.amount if amount is None else amount
    label = fill(
        "Invoice {number}, due {due}, {status}, {money}",
        number=invoice.number,
        due=format_date(invoice.due_on),
        status=status,
        money=format_money(amount, invoice.currency),
    )
    return Evidence("invoice", invoice.id, on or invoice.due_on, label, amount, invoice.currency)
