"""Plain facts about one client, as the rules engine reads them.

The Django adapter builds these from ORM rows. Nothing here imports Django, so the rules
can be tested and benchmarked without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache
from operator import attrgetter

ZERO = Decimal(0)


class Category(StrEnum):
    """Incident kinds; the slugs match the Incident model's choices."""

    PHYSICAL_ABUSE = "physical_abuse"
    VERBAL_ABUSE = "verbal_abuse"
    LYING = "lying"
    UNREASONABLE_DEMAND = "unreasonable_demand"
    INVOICE_DISPUTE = "invoice_dispute"
    SCOPE_CHANGE = "scope_change"
    IGNORED_ADVICE = "ignored_advice"
    COMPETITOR_LEVERAGE = "competitor_leverage"
    LEGAL_RISK = "legal_risk"
    UNRESPONSIVE = "unresponsive"
    MICROMANAGING = "micromanaging"
    PUBLIC_CRITICISM = "public_criticism"
    THREAT = "threat"
    OTHER = "other"


CATEGORIES: tuple[str, ...] = tuple(category.value for category in Category)


class StepKind(StrEnum):
    """What the freelancer tried (docs/domain.md, "What a client is worth, and what to try
    first"); the slugs match the Step model's choices."""

    WARNED = "warned"
    RESTATED_TERMS = "restated_terms"
    ASKED_DEPOSIT = "asked_deposit"
    RENEGOTIATED = "renegotiated"
    APOLOGISED = "apologised"
    PAUSED_WORK = "paused_work"


STEP_KINDS: tuple[str, ...] = tuple(kind.value for kind in StepKind)


class BillingMode(StrEnum):
    HOURLY = "hourly"
    FIXED = "fixed"
    RETAINER = "retainer"


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    paid_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    id: int
    number: str
    issued_on: date
    due_on: date
    amount: Decimal
    currency: str
    payments: tuple[PaymentFacts, ...]
    disputed: bool
    written_off: bool
    is_draft: bool
    # Payment reminders sent for it; None when not known (the engine then takes it as chased).
    # Lateness the freelancer never chased is a reason to chase, not yet to let go.
    reminders_sent: int | None = None

    def paid_total(self, as_of: date = date.max) -> Decimal:
        """Money received on or before as_of."""
        return settle(self, as_of)[0]

    def paid_on(self, as_of: date = date.max) -> date | None:
        """The day the invoice became fully paid, if it was by as_of."""
        return settle(self, as_of)[1]

    def days_late(self, as_of: date) -> int:
        return days_past_due(self.due_on, settle(self, as_of)[1], as_of)


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    id: int
    category: str
    occurred_on: date
    severity: int  # 1 = minor, 5 = severe
    note: str


@dataclass(frozen=True, slots=True)
class StepFacts:
    """Something the freelancer tried, and the kind of trouble it was about (None: no one
    kind, a step about the relationship as a whole)."""

    id: int
    kind: str  # a StepKind value
    taken_on: date
    addresses: str | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class WorkLogFacts:
    worked_on: date
    hours: Decimal
    billable: bool


@dataclass(frozen=True, slots=True)
class ClientFacts:
    id: int
    name: str
    billing_mode: str  # a BillingMode value
    currency: str
    invoices: tuple[InvoiceFacts, ...]
    incidents: tuple[IncidentFacts, ...]
    work_logs: tuple[WorkLogFacts, ...]
    started_on: date | None = None  # when the work with them began, if known
    steps: tuple[StepFacts, ...] = ()


_payment_date = attrgetter("paid_on")


def settle(invoice: InvoiceFacts, as_of: date) -> tuple[Decimal, date | None]:
    """Money received on or before as_of, and the day the running total reached the amount.

    Payments after as_of are ignored, so the same facts can be judged at any past date.
    """
    payments = invoice.payments
    if len(payments) == 1:  # by far the most common shape: keep it cheap
        payment = payments[0]
        if payment.paid_on > as_of:
            return ZERO, None
        return payment.amount, payment.paid_on if payment.amount >= invoice.amount else None
    total = ZERO
    paid_on = None
    for payment in sorted(payments, key=_payment_date):
        if payment.paid_on > as_of:
            break
        total += payment.amount
        if paid_on is None and total >= invoice.amount:
            paid_on = payment.paid_on
    return total, paid_on


def days_past_due(due_on: date, paid_on: date | None, as_of: date) -> int:
    """Days past due: until payment for a paid invoice, until as_of for an unpaid one."""
    end = as_of if paid_on is None else paid_on
    return max(0, (end - due_on).days)


@cache
def days_delta(count: int) -> timedelta:
    """timedelta(days=count), built once per count: building it costs more than using it."""
    return timedelta(days=count)
