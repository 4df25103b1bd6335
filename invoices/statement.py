"""The statement of account: what a client owes today, line by line, and how old it is.

`aging_bucket` is a plain function over a number of days. `statement_for` reads a client's
open invoices, the late fees still owed and the recent payments in three queries, whatever
their number, and returns plain frozen data; pages and PDFs only lay it out.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from invoices.models import Invoice, LateFee, Payment

ZERO = Decimal("0")
# Payments shown for context besides those on invoices still open.
RECENT_PAYMENT_DAYS = 90


class Bucket(models.TextChoices):
    """How long an amount has been owed past its due date, in the usual aging columns."""

    CURRENT = "current", _("Not yet due")
    DAYS_1_30 = "1-30", _("1-30 days")
    DAYS_31_60 = "31-60", _("31-60 days")
    DAYS_61_90 = "61-90", _("61-90 days")
    OVER_90 = "over-90", _("Over 90 days")


BUCKETS = tuple(Bucket)


def aging_bucket(days_overdue: int) -> Bucket:
    """0 or less: not yet due (due today counts as current); then 1-30, 31-60, 61-90, 91+."""
    if days_overdue <= 0:
        return Bucket.CURRENT
    if days_overdue <= 30:
        return Bucket.DAYS_1_30
    if days_overdue <= 60:
        return Bucket.DAYS_31_60
    if days_overdue <= 90:
        return Bucket.DAYS_61_90
    return Bucket.OVER_90


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    invoice_id: int
    number: str
    issued_on: date
    due_on: date
    currency: str
    amount: Decimal
    paid: Decimal
    balance: Decimal
    days_overdue: int
    bucket: Bucket
    disputed: bool


@dataclass(frozen=True, slots=True)
class OwedFee:
    fee_id: int
    invoice_id: int
    invoice_number: str
    kind: str
    kind_label: str
    stage: str
    currency: str
    amount: Decimal
    charged_on: date
    rate: Decimal | None
    period_start: date | None
    period_end: date | None
    days_overdue: int
    bucket: Bucket


@dataclass(frozen=True, slots=True)
class ReceivedPayment:
    invoice_id: int
    invoice_number: str
    paid_on: date
    currency: str
    amount: Decimal
    note: str


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    currency: str
    invoices: Decimal  # balances of open invoices
    fees: Decimal  # late fees still owed
    aging: tuple[tuple[Bucket, Decimal], ...]  # every bucket, in order, balances and fees

    @property
    def owed(self) -> Decimal:
        return self.invoices + self.fees


@dataclass(frozen=True, slots=True)
class Statement:
    client: Client
    as_of: date
    invoices: tuple[OpenInvoice, ...]
    fees: tuple[OwedFee, ...]
    payments: tuple[ReceivedPayment, ...]
    totals: tuple[CurrencyTotal, ...]  # one per currency, sorted by code

    @property
    def owed(self) -> bool:
        return any(total.owed > 0 for total in self.totals)

    @property
    def buckets(self) -> tuple[Bucket, ...]:
        return BUCKETS


def statement_for(client: Client, *, as_of: date) -> Statement:
    """Three queries: open invoices with what was paid, fees still owed, payments."""
    open_invoices = [
        OpenInvoice(
            invoice_id=invoice.pk,
            number=invoice.number,
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            currency=invoice.currency,
            amount=invoice.amount,
            paid=invoice.paid_total,
            balance=invoice.amount - invoice.paid_total,
            days_overdue=(as_of - invoice.due_on).days,
            bucket=aging_bucket((as_of - invoice.due_on).days),
            disputed=invoice.disputed,
        )
        for invoice in Invoice.objects.filter(client=client)
        .with_paid()
        .open()
        .order_by("due_on", "issued_on", "id")
    ]
    # A fee is due the day it is charged. Fees on a draft or written-off invoice are
    # not asked for; on a paid invoice they still are.
    fees = [
        OwedFee(
            fee_id=fee.pk,
            invoice_id=fee.invoice_id,
            invoice_number=fee.invoice.number,
            kind=fee.kind,
            kind_label=fee.get_kind_display(),
            stage=fee.stage,
            currency=fee.currency,
            amount=fee.amount,
            charged_on=fee.charged_on,
            rate=fee.rate,
            period_start=fee.period_start,
            period_end=fee.period_end,
            days_overdue=(as_of - fee.charged_on).days,
            bucket=aging_bucket((as_of - fee.charged_on).days),
        )
        for fee in LateFee.objects.charged()
        .filter(invoice__client=client, invoice__state=Invoice.State.SENT)
        .select_related("invoice")
        .order_by("charged_on", "id")
    ]
    since = as_of - timedelta(days=RECENT_PAYMENT_DAYS)
    payments = [
        ReceivedPayment(
            invoice_id=payment.invoice_id,
            invoice_number=payment.invoice.number,
            paid_on=payment.paid_on,
            currency=payment.invoice.currency,
            amount=payment.amount,
            note=payment.note,
        )
        for payment in Payment.objects.filter(invoice__client=client)
        .exclude(invoice__state=Invoice.State.DRAFT)
        .filter(Q(invoice__in=[i.invoice_id for i in open_invoices]) | Q(paid_on__gte=since))
        .select_related("invoice")
        .order_by("-paid_on", "-id")
    ]
    return Statement(
        client=client,
        as_of=as_of,
        invoices=tuple(open_invoices),
        fees=tuple(fees),
        payments=tuple(payments),
        totals=currency_totals(open_invoices, fees),
    )


def currency_totals(invoices: list[OpenInvoice], fees: list[OwedFee]) -> tuple[CurrencyTotal, ...]:
    balances: dict[str, Decimal] = defaultdict(lambda: ZERO)
    fee_sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    aging: dict[str, dict[Bucket, Decimal]] = defaultdict(lambda: dict.fromkeys(BUCKETS, ZERO))
    for invoice in invoices:
        balances[invoice.currency] += invoice.balance
        aging[invoice.currency][invoice.bucket] += invoice.balance
    for fee in fees:
        fee_sums[fee.currency] += fee.amount
        aging[fee.currency][fee.bucket] += fee.amount
    return tuple(
        CurrencyTotal(
            currency=currency,
            invoices=balances[currency],
            fees=fee_sums[currency],
            aging=tuple(aging[currency].items()),
        )
        for currency in sorted(aging)
    )
