"""Reads for the client pages. Each costs a fixed number of queries, whatever the row count."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Lower, NullIf
from django.urls import reverse
from django.utils import timezone

from clients.models import AccountItem, Client, ExchangeRate, WorkLog
from clientwatch.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from invoices.models import Invoice, InvoiceStatus, Payment, Reminder
from redflags.models import ClientScore, Incident, Step, area_list

RECENT_INCIDENT_DAYS = 90
DASHBOARD_PAGE_SIZE = 50
DASHBOARD_SORTS = ("score", "name", "overdue", "status")
CLIENT_SEARCH_MAX_LENGTH = 100
VERDICTS = ("keep", "watch", "fire")
TIMELINE_PAGE_SIZE = 25
TIMELINE_MAX_PAGE = 40  # "show more" stops at 1,000 entries; older history is in the exports

_NO_DATE = date(1, 1, 1)  # stands in for "never" inside GREATEST, which NULL would poison on SQLite
_MONEY = DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)


# Dashboard


def _paid_on_invoice() -> Subquery:
    """Total paid on the invoice of the enclosing query (for use inside an invoice queryset)."""
    return Subquery(
        Payment.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=_MONEY,
    )


def _overdue_invoices(today: date) -> QuerySet[Invoice]:
    """Sent, not disputed, past due and not fully paid: the money that is late."""
    return (
        Invoice.objects.filter(state=Invoice.State.SENT, disputed=False, due_on__lt=today)
        .annotate(paid=Coalesce(_paid_on_invoice(), Value(Decimal("0")), output_field=_MONEY))
        .filter(paid__lt=F("amount"))
    )


def _latest(queryset: QuerySet, date_field: str) -> Coalesce:
    newest = queryset.order_by(f"-{date_field}").values(date_field)[:1]
    return Coalesce(Subquery(newest, output_field=DateField()), Value(_NO_DATE))


def clients_for_dashboard(
    *,
    owner: AbstractBaseUser,
    today: date,
    include_dropped: bool = False,
    sort: str = "score",
    verdict: str | None = None,
    search: str = "",
) -> QuerySet[Client]:
    """The owner's clients in dashboard order: only what sorting and filtering need, so
    paging through 1,000 clients does not compute every row's figures (`dashboard_rows`
    does that for the one page shown). `search` matches a part of the name, company or
    email."""
    clients = Client.objects.for_owner(owner)
    if not include_dropped:
        clients = clients.active()
    if verdict in VERDICTS:
        clients = clients.filter(score__verdict=verdict)
    if search:
        clients = clients.filter(
            Q(name__icontains=search) | Q(company__icontains=search) | Q(email__icontains=search)
        )
    if sort == "overdue":
        # Amounts in different currencies cannot be compared, so "most overdue" means
        # the oldest unpaid due date first; clients with nothing overdue come last.
        oldest_overdue = _overdue_invoices(today).filter(client=OuterRef("pk")).order_by("due_on")
        return clients.annotate(
            oldest_overdue_on=Subquery(oldest_overdue.values("due_on")[:1])
        ).order_by(F("oldest_overdue_on").asc(nulls_last=True), Lower("name"), "pk")
    if sort == "score":
        # Worst first: red flags, then the lowest score; unscored clients last.
        return clients.order_by(
            F("score__red_flag").desc(nulls_last=True),
            F("score__score").asc(nulls_last=True),
            Lower("name"),
            "pk",
        )
    if sort == "status":
        rank = Case(
            When(status=Client.Status.ACTIVE, then=Value(0)),
            When(status=Client.Status.PAUSED, then=Value(1)),
            default=Value(2),
        )
        return clients.order_by(rank, Lower("name"), "pk")
    return clients.order_by(Lower("name"), "pk")


def dashboard_rows(*, client_ids: list[int], today: date) -> list[Client]:
    """The page's clients, in the given order, each annotated with what its row shows:
    `recent_incidents` (count over the last RECENT_INCIDENT_DAYS days),
    `oldest_overdue_on` (due date of the longest-overdue invoice, or None),
    `last_activity_on` (newest invoice, payment, incident, step or work log, or None), and its
    stored assessment as `score`. One query."""
    client = OuterRef("pk")
    recent = (
        Incident.objects.filter(
            client=client, occurred_on__gte=today - timedelta(days=RECENT_INCIDENT_DAYS)
        )
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    oldest_overdue = _overdue_invoices(today).filter(client=client).order_by("due_on")
    rows = (
        Client.objects.filter(pk__in=client_ids)
        .select_related("score")
        # The full reasons are the client page's; the row shows the top one.
        .defer("score__reasons", "score__top_advice")
        .annotate(
            recent_incidents=Coalesce(Subquery(recent), Value(0)),
            oldest_overdue_on=Subquery(oldest_overdue.values("due_on")[:1]),
            last_activity_on=NullIf(
                Greatest(
                    _latest(Invoice.objects.filter(client=client), "issued_on"),
                    _latest(Payment.objects.filter(invoice__client=client), "paid_on"),
                    _latest(Incident.objects.filter(client=client), "occurred_on"),
                    _latest(Step.objects.filter(client=client), "taken_on"),
                    _latest(WorkLog.objects.filter(client=client), "worked_on"),
                ),
                Value(_NO_DATE),
            ),
        )
    )
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in client_ids if pk in by_id]


@dataclass(frozen=True)
class DashboardRow:
    """Everything one row of the dashboard shows, and nothing else: its markup is a
    function of these values and the language, which is what lets the view keep it."""

    pk: int
    url: str
    name: str
    company: str
    status: str
    status_label: str
    billing_label: str
    rate: Decimal
    currency: str
    overdue: tuple[tuple[str, Decimal], ...]
    oldest_overdue_on: date | None
    in_dispute: tuple[tuple[str, Decimal], ...]  # from the stored assessment
    recent_incidents: int
    last_activity_on: date | None
    scored: bool
    score: int | None
    verdict: str
    verdict_label: str
    too_early: bool
    top_reason: str
    lateness: tuple[int, ...]
    # Where the problem is: (area, label, number) for the areas below 100 only, to stay small.
    areas: tuple[tuple[str, str, int], ...] = ()


_SENTINEL_PK = 987654321


def _url_maker(name: str) -> Callable[[int], str]:
    """reverse(name, args=[pk]) for many pks at the cost of one reverse."""
    pattern = reverse(name, args=[_SENTINEL_PK])
    if pattern.count(str(_SENTINEL_PK)) != 1:
        return lambda pk: reverse(name, args=[pk])
    before, after = pattern.split(str(_SENTINEL_PK))
    return lambda pk: f"{before}{int(pk)}{after}"


def dashboard_row_values(
    rows: list[Client], overdue: dict[int, list[tuple[str, Decimal]]]
) -> list[DashboardRow]:
    """`dashboard_rows` and `overdue_by_client` as plain values, labels in the active
    language. No queries."""
    statuses = {value: str(label) for value, label in Client.Status.choices}
    billing = {value: str(label) for value, label in Client.Billing.choices}
    verdicts = {value: str(label) for value, label in ClientScore.Verdict.choices}
    detail_url = _url_maker("client_detail")
    values = []
    for client in rows:
        score = getattr(client, "score", None)
        values.append(
            DashboardRow(
                pk=client.pk,
                url=detail_url(client.pk),
                name=client.name,
                company=client.company,
                status=client.status,
                status_label=statuses.get(client.status, client.status),
                billing_label=billing.get(client.billing_mode, client.billing_mode),
                rate=client.rate,
                currency=client.currency,
                overdue=tuple(overdue.get(client.pk, ())),
                oldest_overdue_on=client.oldest_overdue_on,
                in_dispute=tuple(score.disputed_amounts) if score else (),
                recent_incidents=client.recent_incidents,
                last_activity_on=client.last_activity_on,
                scored=score is not None,
                score=score.score if score else None,
                verdict=score.verdict if score else "",
                verdict_label=verdicts.get(score.verdict, score.verdict) if score else "",
                too_early=score.too_early if score else False,
                top_reason=score.top_reason if score else "",
                lateness=tuple(score.lateness or ()) if score else (),
                areas=tuple(a for a in area_list(score.areas) if a[2] < 100) if score else (),
            )
        )
    return values


@dataclass(frozen=True)
class MoneyAtRisk:
    """Across all the owner's clients, per currency: overdue, and in dispute apart."""

    overdue: list[tuple[str, Decimal]]
    in_dispute: list[tuple[str, Decimal]]

    def __bool__(self) -> bool:
        return bool(self.overdue or self.in_dispute)


def _money_at_risk(balances: Iterable[tuple[dict, dict]]) -> MoneyAtRisk:
    """Stored (overdue, disputed) maps {currency: amount}, summed per currency."""
    overdue: dict[str, Decimal] = defaultdict(Decimal)
    disputed: dict[str, Decimal] = defaultdict(Decimal)
    for late, in_dispute in balances:
        for currency, amount in late.items():
            overdue[currency] += Decimal(amount)
        for currency, amount in in_dispute.items():
            disputed[currency] += Decimal(amount)
    return MoneyAtRisk(sorted(overdue.items()), sorted(disputed.items()))


def money_at_risk_with_disputes(*, owner: AbstractBaseUser) -> MoneyAtRisk:
    """Overdue and disputed balances across all the owner's clients, per currency, from
    the stored assessments (which the dashboard brings up to date first): one query, one
    row per client."""
    return _money_at_risk(ClientScore.objects.for_owner(owner).values_list("overdue", "disputed"))


@dataclass(frozen=True)
class DashboardOverview:
    """The dashboard's header: what the freelancer should see before any row."""

    verdicts: dict[str, int]  # {"keep": 3, "watch": 1, "fire": 0}, clients not dropped
    money: MoneyAtRisk
    reminders_due: int  # ladder stages that go out today
    newly_overdue: int  # invoices that fell overdue in the last NEWLY_OVERDUE_DAYS days

    @property
    def to_act_on(self) -> bool:
        return bool(self.reminders_due or self.newly_overdue)


NEWLY_OVERDUE_DAYS = 7


def dashboard_overview(
    *, owner: AbstractBaseUser, today: date, reminders_due: int
) -> DashboardOverview:
    """Clients by verdict and the money at risk per currency from the stored assessments
    (one query), and the invoices newly overdue (one count). `reminders_due` comes from
    the ladder, which lives above this app."""
    verdicts = dict.fromkeys(VERDICTS, 0)
    rows = list(
        ClientScore.objects.for_owner(owner).values_list(
            "verdict", "client__status", "overdue", "disputed"
        )
    )
    for verdict, status, _late, _disputed in rows:
        if status != Client.Status.DROPPED and verdict in verdicts:
            verdicts[verdict] += 1
    newly_overdue = (
        _overdue_invoices(today)
        .filter(owner=owner, due_on__gte=today - timedelta(days=NEWLY_OVERDUE_DAYS))
        .count()
    )
    return DashboardOverview(
        verdicts=verdicts,
        money=_money_at_risk((late, disputed) for *_, late, disputed in rows),
        reminders_due=reminders_due,
        newly_overdue=newly_overdue,
    )


def money_at_risk(*, owner: AbstractBaseUser) -> list[tuple[str, Decimal]]:
    """The overdue part of `money_at_risk_with_disputes`."""
    return money_at_risk_with_disputes(owner=owner).overdue


def overdue_by_client(
    *, owner: AbstractBaseUser, client_ids: Iterable[int], today: date
) -> dict[int, list[tuple[str, Decimal]]]:
    """{client id: [(currency, overdue balance), ...]} in one grouped query.

    Each currency is summed on its own: amounts are never added across currencies.
    """
    rows = (
        _overdue_invoices(today)
        # By client first: the ids are the owner's own page, and the owner check stays.
        .filter(client_id__in=list(client_ids), client__owner=owner)
        .order_by()
        .values("client_id", "currency")
        .annotate(overdue=Sum(F("amount") - F("paid"), output_field=_MONEY))
        .order_by("client_id", "currency")
    )
    result: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for row in rows:
        result[row["client_id"]].append((row["currency"], row["overdue"]))
    return dict(result)


# Client page


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "invoice", "payment", "incident", "step", "work" or "reminder"
    on: date
    obj: Any
    status: InvoiceStatus | None = None  # invoices only: what the invoice is today
    # The entry's links, one reverse() per name for the whole page: see _entry_urls.
    urls: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def sort_key(self) -> tuple:
        return (self.on, self.obj.created_at, self.obj.pk)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    page: int
    has_more: bool

    @property
    def next_page(self) -> int:
        return self.page + 1


def client_timeline(
    *, client: Client, today: date, page: int = 1, per_page: int = TIMELINE_PAGE_SIZE
) -> TimelinePage:
    """Invoices, payments, incidents, steps tried, work logs and reminder emails in one
    list, newest first: six queries.

    Page n needs at most n * per_page + 1 rows of each kind to know its entries and
    whether more follow, so deeper pages cost more rows but never more queries.
    """
    page = max(1, min(page, TIMELINE_MAX_PAGE))
    start, end = (page - 1) * per_page, page * per_page
    limit = end + 1
    invoices = (
        Invoice.objects.filter(client=client)
        .with_paid()
        .order_by("-issued_on", "-created_at", "-pk")[:limit]
    )
    payments = (
        Payment.objects.filter(invoice__client=client)
        .select_related("invoice")
        .order_by("-paid_on", "-created_at", "-pk")[:limit]
    )
    incidents = Incident.objects.filter(client=client).order_by(
        "-occurred_on", "-created_at", "-pk"
    )[:limit]
    steps = Step.objects.filter(client=client).order_by("-taken_on", "-created_at", "-pk")[:limit]
    work_logs = WorkLog.objects.filter(client=client).order_by("-worked_on", "-created_at", "-pk")[
        :limit
    ]
    # Emails the ladder sent or gave up on: part of the record (docs/domain.md: keep records).
    reminders = (
        Reminder.objects.filter(
            invoice__client=client, state__in=[Reminder.State.SENT, Reminder.State.FAILED]
        )
        .select_related("invoice")
        .order_by("-due_on", "-pk")[:limit]
    )
    entries = [
        *(TimelineEntry("invoice", i.issued_on, i, i.status(today)) for i in invoices),
        *(TimelineEntry("payment", p.paid_on, p) for p in payments),
        *(TimelineEntry("incident", i.occurred_on, i) for i in incidents),
        *(TimelineEntry("step", s.taken_on, s) for s in steps),
        *(TimelineEntry("work", w.worked_on, w) for w in work_logs),
        *(
            # The day it went out on the freelancer's clock (the zone of the request).
            TimelineEntry("reminder", timezone.localdate(r.sent_at) if r.sent_at else r.due_on, r)
            for r in reminders
        ),
    ]
    entries.sort(key=lambda entry: entry.sort_key, reverse=True)
    url = _timeline_urls()
    return TimelinePage(
        entries=[replace(entry, urls=_entry_urls(entry, url)) for entry in entries[start:end]],
        page=page,
        has_more=len(entries) > end,
    )


def _entry_urls(entry: TimelineEntry, url: dict[str, Callable[[int], str]]) -> dict[str, str]:
    pk = entry.obj.pk
    if entry.kind == "invoice":
        return {
            "detail": url["invoice_detail"](pk),
            "edit": url["invoice_edit"](pk),
            "delete": url["invoice_delete"](pk),
        }
    if entry.kind == "payment":
        return {
            "invoice": url["invoice_detail"](entry.obj.invoice_id),
            "edit": url["payment_edit"](pk),
            "delete": url["payment_delete"](pk),
        }
    if entry.kind == "incident":
        return {
            "evidence": url["incident_evidence"](pk),
            "edit": url["incident_edit"](pk),
            "delete": url["incident_delete"](pk),
        }
    if entry.kind == "step":
        return {"edit": url["step_edit"](pk), "delete": url["step_delete"](pk)}
    if entry.kind == "work":
        return {"edit": url["work_log_edit"](pk), "delete": url["work_log_delete"](pk)}
    if entry.kind == "reminder":
        return {
            "detail": url["reminder_detail"](pk),
            "invoice": url["invoice_detail"](entry.obj.invoice_id),
        }
    return {}


def _timeline_urls() -> dict[str, Callable[[int], str]]:
    names = (
        "invoice_detail",
        "invoice_edit",
        "invoice_delete",
        "payment_edit",
        "payment_delete",
        "incident_evidence",
        "incident_edit",
        "incident_delete",
        "step_edit",
        "step_delete",
        "work_log_edit",
        "work_log_delete",
        "reminder_detail",
    )
    return {name: _url_maker(name) for name in names}


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    invoiced: Decimal = Decimal("0")
    received: Decimal = Decimal("0")
    per_hour: Decimal | None = None  # received / all hours worked; single-currency clients only


@dataclass(frozen=True)
class ClientTotals:
    billable_hours: Decimal
    non_billable_hours: Decimal
    money: list[CurrencyTotals] = field(default_factory=list)

    @property
    def hours(self) -> Decimal:
        return self.billable_hours + self.non_billable_hours


def client_totals(*, client: Client) -> ClientTotals:
    """Hours worked and money invoiced/received per currency: three queries."""
    zero = Value(Decimal("0"))
    hours = WorkLog.objects.filter(client=client).aggregate(
        billable_hours=Coalesce(Sum("hours", filter=Q(billable=True)), zero),
        non_billable_hours=Coalesce(Sum("hours", filter=Q(billable=False)), zero),
    )
    invoiced = dict(
        Invoice.objects.filter(client=client)
        .exclude(state=Invoice.State.DRAFT)
        .order_by()
        .values("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    )
    received = dict(
        Payment.objects.filter(invoice__client=client)
        .order_by()
        .values("invoice__currency")
        .annotate(total=Sum("amount"))
        .values_list("invoice__currency", "total")
    )
    all_hours = hours["billable_hours"] + hours["non_billable_hours"]
    currencies = sorted(invoiced.keys() | received.keys())
    money = []
    for currency in currencies:
        got = received.get(currency, Decimal("0"))
        # An hourly yield only means something when all the money is in one currency.
        per_hour = None
        if all_hours and len(currencies) == 1:
            per_hour = (got / all_hours).quantize(Decimal("0.01"))
        money.append(
            CurrencyTotals(
                currency=currency,
                invoiced=invoiced.get(currency, Decimal("0")),
                received=got,
                per_hour=per_hour,
            )
        )
    return ClientTotals(**hours, money=money)


def account_items_for(*, client: Client) -> QuerySet[AccountItem]:
    return AccountItem.objects.filter(client=client).order_by("handed_over", Lower("name"), "pk")


def open_invoices_for(*, client: Client) -> QuerySet[Invoice]:
    """The client's invoices that can still take a payment, oldest due first."""
    return (
        Invoice.objects.filter(client=client, owner_id=client.owner_id)
        .with_paid()
        .open()
        .order_by("due_on", "pk")
    )


RECENT_RATES = 10  # rates listed one by one on the settings page


@dataclass(frozen=True)
class RatePair:
    base: str
    quote: str
    days: int
    latest_on: date
    latest: Decimal


def exchange_rate_pairs(*, owner: AbstractBaseUser) -> list[RatePair]:
    """Each pair the freelancer keeps rates for, with its newest rate: two queries however
    many days a pair holds (an imported history has thousands)."""
    rates = ExchangeRate.objects.for_owner(owner)
    newest = rates.filter(base=OuterRef("base"), quote=OuterRef("quote")).order_by("-on")
    rows = (
        rates.values("base", "quote")
        .annotate(
            days=Count("id"),
            latest_on=Subquery(newest.values("on")[:1]),
            latest=Subquery(newest.values("rate")[:1]),
        )
        .order_by("base", "quote")
    )
    return [RatePair(**row) for row in rows]


def exchange_rates_recent(*, owner: AbstractBaseUser) -> list[ExchangeRate]:
    return list(
        ExchangeRate.objects.for_owner(owner).order_by("-on", "base", "quote")[:RECENT_RATES]
    )


def currencies_in_use(*, owner: AbstractBaseUser, own: str) -> frozenset[str]:
    """The freelancer's own currency and every one they bill in."""
    clients = Client.objects.for_owner(owner).order_by().values_list("currency", flat=True)
    invoices = Invoice.objects.for_owner(owner).order_by().values_list("currency", flat=True)
    return frozenset({own, *clients.union(invoices)})
