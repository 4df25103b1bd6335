"""Wording shared by the rules: dates, money, incident kinds and evidence labels, and what
a farewell letter tells the client about each reason.

The engine imports nothing from Django, so it speaks English and marks each text with the
no-op `gettext_noop` below (makemessages finds it by name); the pages translate at the edge
(redflags/translation.py), in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

from redflags.rules.assessment import Evidence
from redflags.rules.facts import Category, IncidentFacts, InvoiceFacts, StepFacts, StepKind

# A reason names its most recent evidence; the full history stays in the client's records.
MAX_EVIDENCE = 10


def gettext_noop(message: str) -> str:
    """Marks an English text for the catalogues without translating it here."""
    return message


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_CATEGORY_MSGIDS: dict[str, str] = {
    Category.PHYSICAL_ABUSE: gettext_noop("Physical abuse"),
    Category.VERBAL_ABUSE: gettext_noop("Verbal abuse"),
    Category.LYING: gettext_noop("Lying"),
    Category.UNREASONABLE_DEMAND: gettext_noop("Unreasonable demand"),
    Category.INVOICE_DISPUTE: gettext_noop("Invoice dispute"),
    Category.SCOPE_CHANGE: gettext_noop("Change of mind"),
    Category.IGNORED_ADVICE: gettext_noop("Ignored advice"),
    Category.COMPETITOR_LEVERAGE: gettext_noop("Played against a competitor"),
    Category.LEGAL_RISK: gettext_noop("Legal risk"),
    Category.UNRESPONSIVE: gettext_noop("Unresponsive"),
    Category.MICROMANAGING: gettext_noop("Micromanaging"),
    Category.PUBLIC_CRITICISM: gettext_noop("Public criticism"),
    Category.THREAT: gettext_noop("Threat"),
    Category.OTHER: gettext_noop("Other"),
}

# The same English as the Step model's choices, so one translation serves both.
_STEP_MSGIDS: dict[str, str] = {
    StepKind.WARNED: gettext_noop("Warned them, firmly and kindly"),
    StepKind.RESTATED_TERMS: gettext_noop("Restated terms or boundaries in writing"),
    StepKind.ASKED_DEPOSIT: gettext_noop("Asked for a deposit"),
    StepKind.RENEGOTIATED: gettext_noop("Renegotiated price or scope"),
    StepKind.APOLOGISED: gettext_noop("Apologised and fixed something"),
    StepKind.PAUSED_WORK: gettext_noop("Paused work"),
}

_NOTE_LENGTH = 60


# What the direct farewell letter says to the client about each reason, in the first person
# and to them: the dashboard titles are the freelancer's shorthand about the client
# ("Plays you against competitors"), not words to send. Keyed by the reason's rule id.
FAREWELL_REASONS: dict[str, str] = {
    "physical_abuse": gettext_noop("You threatened me or were physically aggressive towards me."),
    "repeated_verbal_abuse": gettext_noop(
        "You used abusive language again after I asked you not to."
    ),
    "verbal_abuse": gettext_noop("You used abusive language towards me."),
    "lying": gettext_noop("You were not honest with me."),
    "legal_risk": gettext_noop(
        "You asked me for work that could break the law or put people at risk."
    ),
    "late_payment": gettext_noop("You paid my invoices late."),
    "later_every_cycle": gettext_noop("Your payments arrived later with each invoice."),
    "overdue": gettext_noop("Invoices remain unpaid past their due date."),
    "disputes": gettext_noop("You disputed invoices for work whose price we had agreed."),
    "scope_changes": gettext_noop("You kept changing work we had already agreed."),
    "unresponsive": gettext_noop("Your answers often came too late for the work to move on."),
    "micromanaging": gettext_noop(
        "You wanted to approve every small step, which made the agreed work impossible to do."
    ),
    "ignored_advice": gettext_noop(
        "You went against my professional advice and held me responsible for the results."
    ),
    "competitor_leverage": gettext_noop(
        "You used a competitor's price to renegotiate work we had agreed."
    ),
    "public_criticism": gettext_noop(
        "You criticised my work in public instead of raising it with me."
    ),
    "unreasonable_demand": gettext_noop("You asked for more than we had agreed."),
    "threat": gettext_noop("You used threats to get your way instead of talking it through."),
    "other": gettext_noop("Our way of working together no longer works for me."),
    "effort": gettext_noop("Your account takes far more of my time than it pays for."),
}

# A pattern ("pattern:<kind>") is told to the client as the kind itself, said once.
_PATTERN_REASONS = {
    Category.VERBAL_ABUSE: "verbal_abuse",
    Category.INVOICE_DISPUTE: "disputes",
    Category.SCOPE_CHANGE: "scope_changes",
}


def farewell_reason(rule: str) -> str | None:
    """The English msgid of what the letter says about this reason, None if it says nothing."""
    kind, pattern, category = rule.partition(":")
    if pattern:
        if kind != "pattern":
            return None
        rule = _PATTERN_REASONS.get(category, category)
    return FAREWELL_REASONS.get(rule)


class Money(NamedTuple):
    amount: Decimal
    currency: str


class Phrase(str):
    """An English sentence with {named} gaps filled, that remembers its msgid and values.

    It is the English text (a str), so everything that only shows or stores the text works
    as before; the edge re-fills the translated msgid with the values written the reader's
    way. Values are str (a Phrase is translated too, a plain str is the freelancer's own
    words), int, Decimal, date or Money. With `plural`, `count` picks singular or plural.

    Every evidence line is one, and each stored assessment keeps them all: so the English
    and the stored form are each worked out once, by type rather than isinstance chains.
    """

    msgid: str
    values: dict[str, object]
    plural: str | None = None
    count: int | None = None
    _data: dict[str, object] | None = None

    def __new__(
        cls,
        msgid: str,
        values: dict[str, object] | None = None,
        plural: str | None = None,
        count: int | None = None,
    ) -> Phrase:
        english = msgid if plural is None or count == 1 else plural
        if values:
            shown = dict(values)
            for key, value in values.items():
                if (write := _ENGLISH.get(type(value))) is not None:
                    shown[key] = write(value)
            english = english.format_map(shown)
        phrase = super().__new__(cls, english)
        phrase.msgid, phrase.values = msgid, values or {}
        if plural is not None:
            phrase.plural, phrase.count = plural, count
        return phrase

    def __reduce__(self) -> tuple[object, ...]:
        return Phrase, (self.msgid, self.values, self.plural, self.count)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, for the stored assessment: the edge translates it when shown."""
        if self._data is None:
            values = dict(self.values)
            for key, value in values.items():
                if (encode := _ENCODE.get(type(value))) is not None:
                    values[key] = encode(value)
            data: dict[str, object] = {"msgid": self.msgid, "values": values}
            if self.plural is not None:
                data |= {"plural": self.plural, "count": self.count}
            self._data = data
        return self._data


def format_date(day: date) -> str:
    """3 Mar 2024, whatever the process locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def in_english(value: object) -> str:
    """A value as the engine writes it in English: 3 Mar 2024, 1,200.00 EUR, 12.5."""
    write = _ENGLISH.get(type(value))
    return str(value) if write is None else write(value)


def _money_in_english(money: Money) -> str:
    return f"{money.amount:,.2f} {money.currency}"


def _number_in_english(number: Decimal) -> str:
    return f"{number.normalize():f}"


_ENGLISH: dict[type, Callable[[Any], str]] = {
    date: format_date,
    Money: _money_in_english,
    Decimal: _number_in_english,
}
_ENCODE: dict[type, Callable[[Any], object]] = {
    Phrase: Phrase.to_dict,
    date: lambda day: {"date": day.isoformat()},
    Money: lambda money: {"amount": str(money.amount), "currency": money.currency},
    Decimal: lambda number: {"number": str(number)},
}


CATEGORY_LABELS: dict[str, Phrase] = {
    category: Phrase(msgid) for category, msgid in _CATEGORY_MSGIDS.items()
}


def fill(msgid: str, **values: object) -> Phrase:
    """The msgid with its {named} gaps filled: whole sentences translate better than bits."""
    return Phrase(msgid, values)


def ngettext_noop(singular: str, plural: str, count: int, **values: object) -> Phrase:
    """Like `fill`, singular or plural by count; makemessages knows the name (see Makefile)."""
    return Phrase(singular, {"count": count, **values}, plural, count)


@cache
def days_text(days: int) -> Phrase:
    return ngettext_noop("{count} day", "{count} days", days)


def incident_evidence(incident: IncidentFacts) -> Evidence:
    label = fill(
        "{kind} on {date}, severity {severity}",
        kind=CATEGORY_LABELS.get(incident.category, CATEGORY_LABELS[Category.OTHER]),
        date=incident.occurred_on,
        severity=incident.severity,
    )
    note = incident.note.strip().partition("\n")[0]
    if note:
        if len(note) > _NOTE_LENGTH:
            note = note[: _NOTE_LENGTH - 1].rstrip() + "…"
        label = fill("{event}: {note}", event=label, note=note)
    return Evidence("incident", incident.id, incident.occurred_on, label)


STEP_LABELS: dict[str, Phrase] = {kind: Phrase(msgid) for kind, msgid in _STEP_MSGIDS.items()}


def step_evidence(step: StepFacts) -> Evidence:
    """Warned them, firmly and kindly, on 3 Mar 2024: the note's first line."""
    label = fill(
        "{step} on {date}",
        step=STEP_LABELS.get(step.kind) or step.kind,
        date=step.taken_on,
    )
    note = step.note.strip().partition("\n")[0]
    if note:
        if len(note) > _NOTE_LENGTH:
            note = note[: _NOTE_LENGTH - 1].rstrip() + "…"
        label = fill("{event}: {note}", event=label, note=note)
    return Evidence("step", step.id, step.taken_on, label)


def incidents_evidence(incidents: Iterable[IncidentFacts]) -> tuple[Evidence, ...]:
    """The most recent incidents first, at most MAX_EVIDENCE."""
    recent = sorted(incidents, key=lambda incident: (incident.occurred_on, incident.id))
    return tuple(incident_evidence(incident) for incident in reversed(recent[-MAX_EVIDENCE:]))


def invoice_evidence(
    invoice: InvoiceFacts, status: Phrase, amount: Decimal | None = None, on: date | None = None
) -> Evidence:
    """Invoice 2024-007, due 3 Mar 2024, 12 days late, 1,200.00 EUR."""
    amount = invoice.amount if amount is None else amount
    label = fill(
        "Invoice {number}, due {due}, {status}, {money}",
        number=invoice.number,
        due=invoice.due_on,
        status=status,
        money=Money(amount, invoice.currency),
    )
    return Evidence("invoice", invoice.id, on or invoice.due_on, label, amount, invoice.currency)
