"""Reads for the overviews across clients: the invoices page and the receivables report.

Both cost a fixed number of queries whatever the number of invoices. Amounts stay in
their own currency: nothing here adds one currency to another.
"""

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Lower
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clientwatch.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from invoices.models import Invoice, InvoiceStatus, Payment

ZERO = Decimal("0")
_MONEY = models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)

# The invoices page

INVOICE_LIST_PAGE_SIZE = 50


class StatusFilter(models.TextChoices):
    """What the invoices page filters on: the statuses of `invoice_status`, plus "open"
    (sent and not yet fully paid, whether late, disputed or not yet due)."""

    OPEN = "open", _("Open")
    OVERDUE = "overdue", InvoiceStatus.OVERDUE.label
    DISPUTED = "disputed", InvoiceStatus.DISPUTED.label
    PAID = "paid", InvoiceStatus.PAID.label
    WRITTEN_OFF = "written_off", InvoiceStatus.WRITTEN_OFF.label
    DRAFT = "draft", InvoiceStatus.DRAFT.label


def _status_filter(status: str, today: date) -> Q:
    """The rows `invoice_status` would give that status today (needs `paid_total`)."""
    unpaid = Q(state=Invoice.State.SENT, paid_total__lt=F("amount"))
    return {
        StatusFilter.OPEN: unpaid,
        StatusFilter.OVERDUE: unpaid & Q(disputed=False, due_on__lt=today),
        StatusFilter.DISPUTED: unpaid & Q(disputed=True),
        StatusFilter.PAID: Q(state=Invoice.State.SENT, paid_total__gte=F("amount")),
        StatusFilter.WRITTEN_OFF: Q(state=Invoice.State.WRITTEN_OFF),
        StatusFilter.DRAFT: Q(state=Invoice.State.DRAFT),
    }[StatusFilter(status)]


# Each sort with the columns it orders by; "-x" is "x" reversed. Amounts are only
# compared within a currency, so sorting by amount groups the currencies first.
INVOICE_SORTS: dict[str, tuple] = {
    "issued": ("issued_on", "pk"),
    "-issued": ("-issued_on", "-pk"),
    "due": ("due_on", "pk"),
    "-due": ("-due_on", "-pk"),
    "amount": ("currency", "amount", "pk"),
    "-amount": ("currency", "-amount", "-pk"),
    "client": (Lower("client__name"), "client_id", "-due_on", "-pk"),
    "-client": (Lower("client__name").desc(), "-client_id", "-due_on", "-pk"),
    # Most days late first (the oldest unpaid due date); invoices not late come last.
    "late": (F("late_since").asc(nulls_last=True), "-due_on", "-pk"),
}
DEFAULT_INVOICE_SORT = "-issued"


def _paid_on_invoice() -> Subquery:
    return Subquery(
        Payment.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=_MONEY,
    )


def invoices_across_clients(
    *,
    owner: AbstractBaseUser,
    today: date,
    status: str = "",
    client_id: int | None = None,
    currency: str = "",
    search: str = "",
    sort: str = DEFAULT_INVOICE_SORT,
) -> QuerySet[Invoice]:
    """The owner's invoices, filtered and sorted, each with its client, `paid_total` and
    `late_since` (its due date when it is unpaid and past due, else None). One query per
    page, one for the count."""
    invoices = (
        Invoice.objects.for_owner(owner)
        .select_related("client")
        .only(
            *("number", "issued_on", "due_on", "amount", "currency", "state", "disputed"),
            *("client__name", "client__company", "client__owner"),
        )
        .annotate(paid_total=Coalesce(_paid_on_invoice(), Value(ZERO), output_field=_MONEY))
        .annotate(
            late_since=Case(
                When(
                    Q(state=Invoice.State.SENT, paid_total__lt=F("amount"), due_on__lt=today),
                    then=F("due_on"),
                ),
                default=None,
                output_field=models.DateField(),
            )
        )
    )
    if status in StatusFilter.values:
        invoices = invoices.filter(_status_filter(status, today))
    if client_id is not None:
        invoices = invoices.filter(client_id=client_id)
    if currency:
        invoices = invoices.filter(currency=currency)
    if search:
        invoices = invoices.filter(Q(number__icontains=search) | Q(client__name__icontains=search))
    return invoices.order_by(*INVOICE_SORTS.get(sort, INVOICE_SORTS[DEFAULT_INVOICE_SORT]))


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    invoice: Invoice
    status: InvoiceStatus
    balance: Decimal
    days_late: int | None


def invoice_rows(invoices: list[Invoice], today: date) -> list[InvoiceRow]:
    """What each row of the page shows, from `invoices_across_clients`. No queries."""
    return [
        InvoiceRow(
            invoice=invoice,
            status=invoice.status(today),
            balance=invoice.balance,
            days_late=(today - invoice.late_since).days if invoice.late_since else None,
        )
        for invoice in invoices
    ]


def invoice_filter_choices(*, owner: AbstractBaseUser) -> tuple[list[tuple[int, str]], list[str]]:
    """The owner's clients (pk, name) and the currencies they invoice in: two queries."""
    clients = list(
        Client.objects.for_owner(owner).order_by(Lower("name"), "pk").values_list("pk", "name")
    )
    currencies = list(
        Invoice.objects.for_owner(owner)
        .order_by("currency")
        .values_list("currency", flat=True)
        .distinct()
    )
    return clients, currencies


# The receivables and income report


MAX_REPORT_MONTHS = 60


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def add_months(first: date, months: int) -> date:
    """The first day of the month `months` after (or before) the month of `first`."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """First days of every month from `first`'s to `last`'s, both included."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(month_start(first), n) for n in range(count)]


@dataclass(frozen=True, slots=True)
class MonthFigures:
    month: date  # its first day
    invoiced: Decimal  # invoices issued in the month (drafts are not invoiced)
    received: Decimal  # payments dated in the month
    outstanding: Decimal  # owed at the month's end, or today for the month under way
    overdue: Decimal  # of that, past its due date and not disputed


@dataclass(frozen=True, slots=True)
class CurrencyReport:
    currency: str
    months: tuple[MonthFigures, ...]

    @property
    def invoiced(self) -> Decimal:
        return sum((m.invoiced for m in self.months), ZERO)

    @property
    def received(self) -> Decimal:
        return sum((m.received for m in self.months), ZERO)


def receivables_by_month(
    *, owner: AbstractBaseUser, first: date, last: date, today: date
) -> list[CurrencyReport]:
    """Per currency (sorted by code) and per month from `first`'s to `last`'s: what was
    invoiced, received, and owed and overdue at the month's end. Two queries.

    One pass in Python over two lean values() queries, rather than aggregates in the
    database: what is owed at a month's end is each invoice's own balance on that day,
    never below zero (an overpayment does not pay another invoice), which in SQL needs a
    series of months joined to every invoice and its payments, written differently for
    SQLite and PostgreSQL. In Python it is a sorted list of payment dates per invoice.

    A month under way is counted up to `today`: nothing later is known. Written-off
    invoices count as invoiced but never as owed (the write-off has no date), and a
    dispute counts from the start (the flag has no date either), as on the dashboard.
    """
    months = months_between(first, last)
    period_end = month_end(months[-1])
    # Figures "at the month's end" stop at today: a later end is not known yet.
    as_of = [min(month_end(m), today) for m in months]

    invoices = list(
        Invoice.objects.for_owner(owner)
        .exclude(state=Invoice.State.DRAFT)
        .filter(issued_on__lte=period_end)
        .values_list("pk", "currency", "issued_on", "due_on", "amount", "state", "disputed")
    )
    payments: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    received: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for invoice_id, currency, paid_on, amount in (
        Payment.objects.for_owner(owner)
        .exclude(invoice__state=Invoice.State.DRAFT)
        .filter(paid_on__lte=period_end)
        .values_list("invoice_id", "invoice__currency", "paid_on", "amount")
    ):
        payments[invoice_id].append((paid_on, amount))
        if paid_on >= months[0]:
            received[currency, month_start(paid_on)] += amount

    invoiced: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    owed: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    late: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    currencies: set[str] = {currency for currency, _month in received}
    for pk, currency, issued_on, due_on, amount, state, disputed in invoices:
        if issued_on >= months[0]:
            invoiced[currency, month_start(issued_on)] += amount
            currencies.add(currency)
        if state != Invoice.State.SENT:
            continue
        paid = sorted(payments.get(pk, ()))
        days = [paid_on for paid_on, _amount in paid]
        running = [ZERO]
        for _paid_on, value in paid:
            running.append(running[-1] + value)
        for month, day in zip(months, as_of, strict=True):
            if issued_on > day:
                continue
            balance = amount - running[bisect.bisect_right(days, day)]
            if balance <= 0:
                continue
            owed[currency, month] += balance
            currencies.add(currency)
            if due_on < day and not disputed:
                late[currency, month] += balance

    return [
        CurrencyReport(
            currency=currency,
            months=tuple(
                MonthFigures(
                    month=month,
                    invoiced=invoiced[currency, month],
                    received=received[currency, month],
                    outstanding=owed[currency, month],
                    overdue=late[currency, month],
                )
                for month in months
            ),
        )
        for currency in sorted(currencies)
    ]
