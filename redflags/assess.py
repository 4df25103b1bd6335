"""The bridge between the database and the rules engine.

Loads plain facts for many clients in a fixed number of queries (one per table, never one
per client), runs the engine, and keeps each client's latest assessment in ClientScore.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from clients.models import Client, ExchangeRate, Profile, WorkLog
from clientwatch import dates
from invoices.models import Invoice, Payment, Reminder
from redflags.models import ClientScore, Incident, Step
from redflags.rules import (
    Assessment,
    ClientFacts,
    IncidentFacts,
    InvoiceFacts,
    PaymentFacts,
    RuleSettings,
    StepFacts,
    WorkLogFacts,
    assess,
)
from redflags.rules.settings import INCOME_WINDOW_DAYS, InvalidSettings
from redflags.rules.value import NO_RATES, PIVOT, Income, Rates

LATENESS_BARS = 12  # invoices shown in the dashboard's small chart


def today_for(owner: AbstractBaseUser, profile: Profile | None = None) -> date:
    """The freelancer's own date, in their time zone (see clientwatch.dates)."""
    return dates.today_for(profile or owner)


def rule_settings_for(profile: Profile) -> RuleSettings:
    """The freelancer's tuning on top of the defaults; a bad stored value falls back."""
    overrides = dict(profile.rule_overrides or {})
    overrides["target_hourly_rate"] = (
        str(profile.target_hourly_rate) if profile.target_hourly_rate else None
    )
    overrides["target_currency"] = profile.currency
    try:
        return RuleSettings.from_overrides(overrides)
    except InvalidSettings as exc:
        # A stored value that no longer fits (say, after a limit changed) falls back to
        # its default rather than breaking every page.
        kept = {k: v for k, v in overrides.items() if k not in exc.keys}
        try:
            return RuleSettings.from_overrides(kept)
        except InvalidSettings:
            return RuleSettings()


def client_facts(
    owner: AbstractBaseUser, client_ids: Iterable[int] | None = None
) -> dict[int, ClientFacts]:
    """Facts for the owner's clients (or some of them): six queries, whatever the count."""
    return _load(owner, client_ids)[0]


def _load(
    owner: AbstractBaseUser,
    client_ids: Iterable[int] | None = None,
    *,
    profile: Profile | None = None,
    as_of: date | None = None,
    since: date | None = None,
    first_day: date | None = None,
) -> tuple[dict[int, ClientFacts], Income | None]:
    """Facts for the owner's clients and, given the profile, the freelancer's income from
    every client (for shares) with the exchange rates that compare it.

    Six queries, and a seventh for the rates only when some money is in another currency
    than the freelancer's own. The income is every payment after `since` (default: a year
    before as_of), read in the same query as the clients' own payments; the rates are
    those that hold from `first_day` (default: as_of), the first day assessed, on.
    """
    clients = Client.objects.for_owner(owner)
    if client_ids is not None:
        clients = clients.filter(pk__in=list(client_ids))
    rows = list(clients.values_list("id", "name", "billing_mode", "currency", "started_on"))
    ids = [row[0] for row in rows]

    payment_rows = Payment.objects.filter(invoice__client__in=ids)
    if profile is not None:
        as_of = as_of or today_for(owner, profile)
        since = since or as_of - timedelta(days=INCOME_WINDOW_DAYS)
        payment_rows = Payment.objects.for_owner(owner).filter(
            Q(invoice__client__in=ids) | Q(paid_on__gt=since)
        )
    wanted = set(ids)
    payments: dict[int, list[PaymentFacts]] = defaultdict(list)
    received: list[tuple[date, Decimal, str]] = []
    for invoice_id, client_id, currency, paid_on, amount in payment_rows.values_list(
        "invoice_id", "invoice__client_id", "invoice__currency", "paid_on", "amount"
    ):
        if client_id in wanted:
            payments[invoice_id].append(PaymentFacts(paid_on, amount))
        if profile is not None and since is not None and paid_on > since:
            received.append((paid_on, amount, currency))

    invoices: dict[int, list[InvoiceFacts]] = defaultdict(list)
    # Reminders sent per invoice, counted in the same query: whether the freelancer has
    # chased a late invoice yet changes what the engine advises.
    sent = Count("reminders", filter=Q(reminders__state=Reminder.State.SENT))
    for pk, client_id, number, issued, due, amount, currency, state, disputed, chased in (
        Invoice.objects.filter(client__in=ids)
        .annotate(reminders_sent=sent)
        .order_by("due_on", "id")
        .values_list(
            "id",
            "client_id",
            "number",
            "issued_on",
            "due_on",
            "amount",
            "currency",
            "state",
            "disputed",
            "reminders_sent",
        )
    ):
        invoices[client_id].append(
            InvoiceFacts(
                id=pk,
                number=number,
                issued_on=issued,
                due_on=due,
                amount=amount,
                currency=currency,
                payments=tuple(payments.get(pk, ())),
                disputed=disputed,
                written_off=state == Invoice.State.WRITTEN_OFF,
                is_draft=state == Invoice.State.DRAFT,
                reminders_sent=chased,
            )
        )

    incidents: dict[int, list[IncidentFacts]] = defaultdict(list)
    for pk, client_id, category, occurred, severity, note in (
        Incident.objects.filter(client__in=ids)
        .order_by("occurred_on", "id")
        .values_list("id", "client_id", "category", "occurred_on", "severity", "description")
    ):
        incidents[client_id].append(IncidentFacts(pk, category, occurred, severity, note))

    steps: dict[int, list[StepFacts]] = defaultdict(list)
    for pk, client_id, kind, taken_on, addresses, note in (
        Step.objects.filter(client__in=ids)
        .order_by("taken_on", "id")
        .values_list("id", "client_id", "kind", "taken_on", "addresses", "note")
    ):
        steps[client_id].append(StepFacts(pk, kind, taken_on, addresses or None, note))

    work: dict[int, list[WorkLogFacts]] = defaultdict(list)
    for client_id, worked_on, hours, billable in WorkLog.objects.filter(client__in=ids).values_list(
        "client_id", "worked_on", "hours", "billable"
    ):
        work[client_id].append(WorkLogFacts(worked_on, hours, billable))

    facts = {
        pk: ClientFacts(
            id=pk,
            name=name,
            billing_mode=billing,
            currency=currency,
            invoices=tuple(invoices.get(pk, ())),
            incidents=tuple(incidents.get(pk, ())),
            work_logs=tuple(work.get(pk, ())),
            started_on=started_on,
            steps=tuple(steps.get(pk, ())),
        )
        for pk, name, billing, currency, started_on in rows
    }
    if profile is None or as_of is None or since is None:
        return facts, None
    home = profile.currency
    used = {home, *(row[3] for row in rows), *(money for _, _, money in received)}
    used |= {invoice.currency for client in facts.values() for invoice in client.invoices}
    rates = _rates(owner, used, first_day or as_of) if used != {home} else NO_RATES
    return facts, Income(home, received, rates)


def _rates(owner: AbstractBaseUser, currencies: set[str], since: date) -> Rates:
    """The owner's rates between the currencies in use (and the euro, which links pairs
    quoted against it): those from `since` on, and the last one before it per pair, which
    still holds then. One query, however long a history was imported."""
    currencies = currencies | {PIVOT}
    kept = ExchangeRate.objects.for_owner(owner).filter(base__in=currencies, quote__in=currencies)
    newer = kept.filter(
        base=OuterRef("base"), quote=OuterRef("quote"), on__gt=OuterRef("on"), on__lt=since
    )
    rows = kept.filter(Q(on__gte=since) | ~Exists(newer)).values_list("base", "quote", "on", "rate")
    return Rates(rows)


def assess_clients(
    owner: AbstractBaseUser, *, as_of: date, client_ids: Iterable[int] | None = None
) -> dict[int, Assessment]:
    profile = Profile.objects.for_user(owner)
    settings = rule_settings_for(profile)
    facts, income = _load(owner, client_ids, profile=profile, as_of=as_of)
    return {pk: assess(client, settings, as_of, income) for pk, client in facts.items()}


def score_history(
    owner: AbstractBaseUser,
    client: Client,
    *,
    as_of: date,
    months: int = 12,
    settings: RuleSettings | None = None,
    profile: Profile | None = None,
) -> list[tuple[date, Assessment]]:
    """The client's assessment at the end of each past month: recomputed, never stored."""
    profile = profile or Profile.objects.for_user(owner)
    settings = settings or rule_settings_for(profile)
    days = []
    day = as_of
    for _ in range(months):
        if day < client.started_on:
            break
        days.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    first = days[-1] if days else as_of
    loaded, income = _load(
        owner,
        [client.pk],
        profile=profile,
        as_of=as_of,
        since=first - timedelta(days=INCOME_WINDOW_DAYS),
        first_day=first,
    )
    facts = loaded[client.pk]
    return [(day, assess(facts, settings, day, income)) for day in reversed(days)]


def lateness_bars(facts: ClientFacts, as_of: date) -> list[int]:
    """Days late of the latest invoices (unpaid ones count up to as_of), oldest first."""
    bars = [
        invoice.days_late(as_of)
        for invoice in facts.invoices
        if not invoice.is_draft and not invoice.written_off and invoice.issued_on <= as_of
    ]
    return bars[-LATENESS_BARS:]


def overdue_balances(client: ClientFacts, as_of: date) -> dict[str, str]:
    """What is late on `as_of`, per currency: sent invoices past due, not disputed, not
    fully paid (every payment recorded counts). Amounts as text, for a JSON field."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in client.invoices:
        if invoice.is_draft or invoice.written_off or invoice.disputed:
            continue
        balance = invoice.amount - invoice.paid_total()
        if invoice.due_on < as_of and balance > 0:
            totals[invoice.currency] += balance
    return {currency: str(amount) for currency, amount in sorted(totals.items())}


def disputed_balances(client: ClientFacts) -> dict[str, str]:
    """What the client disputes, per currency: sent invoices marked disputed and not fully
    paid, due or not (a dispute puts the money at risk before the due date too)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in client.invoices:
        if invoice.is_draft or invoice.written_off or not invoice.disputed:
            continue
        balance = invoice.amount - invoice.paid_total()
        if balance > 0:
            totals[invoice.currency] += balance
    return {currency: str(amount) for currency, amount in sorted(totals.items())}


@transaction.atomic
def scores_refresh(
    owner: AbstractBaseUser, *, client_ids: Iterable[int] | None = None, as_of: date | None = None
) -> dict[int, Assessment]:
    """Re-assess the owner's clients (or some of them) and store the results."""
    profile = Profile.objects.for_user(owner)
    as_of = as_of or today_for(owner, profile)
    settings = rule_settings_for(profile)
    facts, income = _load(owner, client_ids, profile=profile, as_of=as_of)
    stored = {
        pk: (verdict, previous, changed_on)
        for pk, verdict, previous, changed_on in ClientScore.objects.filter(
            client__in=list(facts)
        ).values_list("client_id", "verdict", "previous_verdict", "verdict_changed_on")
    }
    now = timezone.now()
    results: dict[int, Assessment] = {}
    rows = []
    for pk, client in facts.items():
        result = assess(client, settings, as_of, income)
        results[pk] = result
        top = result.top_reason
        old, previous, changed_on = stored.get(pk, ("", "", None))
        if old and old != result.verdict:
            previous, changed_on = old, as_of
        rows.append(
            ClientScore(
                client_id=pk,
                as_of=as_of,
                score=result.score,
                verdict=result.verdict.value,
                red_flag=result.red_flag,
                too_early=result.too_early,
                top_reason=top.title if top else "",
                top_advice=top.advice if top else "",
                reasons=[reason.to_dict() for reason in result.reasons],
                areas=result.areas,
                lateness=lateness_bars(client, as_of),
                overdue=overdue_balances(client, as_of),
                disputed=disputed_balances(client),
                value=result.worth.to_dict() if result.worth else {},
                previous_verdict=previous,
                verdict_changed_on=changed_on,
                updated_at=now,
            )
        )
    ClientScore.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["client"],
        update_fields=[
            "as_of",
            "score",
            "verdict",
            "red_flag",
            "too_early",
            "top_reason",
            "top_advice",
            "reasons",
            "areas",
            "lateness",
            "overdue",
            "disputed",
            "value",
            "previous_verdict",
            "verdict_changed_on",
            "updated_at",
        ],
    )
    return results


def client_score_refresh(client: Client) -> Assessment:
    """After any change to one client's data: a handful of queries."""
    return scores_refresh(client.owner, client_ids=[client.pk])[client.pk]


def stale_scores(owner: AbstractBaseUser, as_of: date) -> bool:
    return (
        Client.objects.for_owner(owner)
        .filter(Q(score__isnull=True) | Q(score__as_of__lt=as_of))
        .exists()
    )
