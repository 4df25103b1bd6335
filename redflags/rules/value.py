"""What a client is worth: money received, its share of the freelancer's income, the hourly
rate it earns and how long the work has lasted (docs/domain.md, "Value").

Money in another currency is compared through the exchange rates the freelancer keeps
(`Rates`), never fetched: where no rate is known the summary says what it could not
compare, and nothing is guessed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from redflags.rules.assessment import Evidence, Reason
from redflags.rules.facts import ZERO, InvoiceFacts
from redflags.rules.settings import INCOME_WINDOW_DAYS, RuleSettings
from redflags.rules.wording import Money, Phrase, fill, gettext_noop

ONE = Decimal(1)
# Reference-rate files (the ECB's) quote every currency against the euro: two currencies
# with no rate between them are compared through it when both have one against the euro.
PIVOT = "EUR"

# (base, quote, day, rate): one unit of base is worth `rate` units of quote on that day.
RateRow = tuple[str, str, date, Decimal]


class Rates:
    """The freelancer's exchange rates: for a pair and a day, the latest rate on or before it.

    A rate counts in both directions (EUR to USD at 1.08 is USD to EUR at 1/1.08); where a
    pair has no rate of its own, it goes through the euro if both have one against it.
    """

    __slots__ = ("_days", "_values")

    def __init__(self, rows: Iterable[RateRow] = ()) -> None:
        pairs: dict[tuple[str, str], dict[date, Decimal]] = {}
        inverse: dict[tuple[str, str], dict[date, Decimal]] = {}
        for base, quote, day, rate in rows:
            if rate <= 0 or base == quote:
                continue
            pairs.setdefault((base, quote), {})[day] = rate
            inverse.setdefault((quote, base), {})[day] = ONE / rate
        for pair, days in inverse.items():
            own = pairs.setdefault(pair, {})
            for day, rate in days.items():
                own.setdefault(day, rate)  # a rate given for the pair itself wins
        self._days: dict[tuple[str, str], list[date]] = {}
        self._values: dict[tuple[str, str], list[Decimal]] = {}
        for pair, days in pairs.items():
            ordered = sorted(days.items())
            self._days[pair] = [day for day, _ in ordered]
            self._values[pair] = [rate for _, rate in ordered]

    def __bool__(self) -> bool:
        return bool(self._days)

    def rate(self, source: str, target: str, on: date) -> Decimal | None:
        """Units of `target` for one unit of `source` on `on`, or None when not known."""
        if source == target:
            return ONE
        direct = self._on((source, target), on)
        if direct is not None or PIVOT in (source, target):
            return direct
        first = self._on((source, PIVOT), on)
        second = self._on((PIVOT, target), on) if first is not None else None
        return None if second is None else first * second

    def convert(self, amount: Decimal, source: str, target: str, on: date) -> Decimal | None:
        rate = self.rate(source, target, on)
        return None if rate is None else amount * rate

    def _on(self, pair: tuple[str, str], on: date) -> Decimal | None:
        days = self._days.get(pair)
        if not days:
            return None
        index = bisect_right(days, on)
        return self._values[pair][index - 1] if index else None


NO_RATES = Rates()


class Income:
    """Everything the freelancer received from all clients, day by day and per currency, so
    that a client's share can be judged at any date in a few lookups."""

    __slots__ = ("_days", "_sums", "_totals", "currency", "rates")

    def __init__(
        self,
        currency: str,
        received: Iterable[tuple[date, Decimal, str]] = (),
        rates: Rates = NO_RATES,
    ) -> None:
        self.currency = currency  # the freelancer's own
        self.rates = rates
        per_currency: dict[str, dict[date, Decimal]] = {}
        for day, amount, money in received:
            days = per_currency.setdefault(money, {})
            days[day] = days.get(day, ZERO) + amount
        # Running totals per currency: a window's total is a difference of two of them.
        self._days: dict[str, list[date]] = {}
        self._sums: dict[str, list[Decimal]] = {}
        self._totals: dict[date, tuple[Decimal, tuple[str, ...]]] = {}
        for money, days in per_currency.items():
            total = ZERO
            sums = []
            ordered = sorted(days.items())
            for _, amount in ordered:
                total += amount
                sums.append(total)
            self._days[money] = [day for day, _ in ordered]
            self._sums[money] = sums

    def received(self, start: date, end: date) -> dict[str, Decimal]:
        """Money received after `start` and on or before `end`, per currency."""
        totals = {}
        for money, days in self._days.items():
            sums = self._sums[money]
            upper = bisect_right(days, end)
            lower = bisect_right(days, start)
            if upper > lower:
                totals[money] = sums[upper - 1] - (sums[lower - 1] if lower else ZERO)
        return totals

    def total_home(self, as_of: date) -> tuple[Decimal, tuple[str, ...]]:
        """Income over the INCOME_WINDOW_DAYS up to as_of in the freelancer's currency, and
        the currencies left out for want of a rate. Worked out once per day: every client
        assessed on that day shares it."""
        found = self._totals.get(as_of)
        if found is None:
            start = as_of.fromordinal(as_of.toordinal() - INCOME_WINDOW_DAYS)
            found = self._totals[as_of] = in_home(self.received(start, as_of), self, as_of)
        return found


@dataclass(frozen=True, slots=True)
class Worth:
    """What a client brought in over the last 12 months, as the client page shows it."""

    currency: str  # the freelancer's own
    received: Mapping[str, Decimal]  # per currency, as paid
    received_home: Decimal | None  # all of it in the freelancer's currency; None: not all known
    total_home: Decimal  # the freelancer's income from every client, as far as rates allow
    share: Decimal | None  # of that income, 0 to 1; None when it cannot be compared
    hourly: Decimal | None  # effective hourly rate in the target currency, if judged
    target: Decimal | None
    target_currency: str | None
    tenure_days: int | None
    notes: tuple[Phrase, ...]  # what could not be compared, and why

    def to_dict(self) -> dict[str, object]:
        def text(number: Decimal | None) -> str | None:
            return None if number is None else str(number.quantize(Decimal("0.01")))

        return {
            "currency": self.currency,
            "received": {money: text(amount) for money, amount in sorted(self.received.items())},
            "received_home": text(self.received_home),
            "total_home": text(self.total_home),
            "share": None if self.share is None else str(self.share.quantize(Decimal("0.001"))),
            "hourly": text(self.hourly),
            "target": text(self.target),
            "target_currency": self.target_currency,
            "tenure_days": self.tenure_days,
            "notes": [note.to_dict() for note in self.notes],
        }


def in_home(
    totals: Mapping[str, Decimal], income: Income, on: date
) -> tuple[Decimal, tuple[str, ...]]:
    """The totals in the freelancer's currency, at the latest rates on or before `on`, and
    the currencies that could not be converted (left out of the sum)."""
    home = income.currency
    total = ZERO
    missing = []
    for money, amount in totals.items():
        converted = income.rates.convert(amount, money, home, on)
        if converted is None:
            missing.append(money)
        else:
            total += converted
    return total, tuple(sorted(missing))


def no_rate(source: str, target: str) -> Phrase:
    return fill(
        "Money in {source} could not be compared with {target}: add an exchange rate between "
        "them in your settings.",
        source=source,
        target=target,
    )


def paid_between(invoices: Iterable[InvoiceFacts], start: date, end: date) -> dict[str, Decimal]:
    """Payments received after start and on or before end, per currency (drafts have none)."""
    totals: dict[str, Decimal] = {}
    for invoice in invoices:
        for payment in invoice.payments:
            if start < payment.paid_on <= end:
                money = invoice.currency
                totals[money] = totals.get(money, ZERO) + payment.amount
    return totals


def worth(
    *,
    invoices: Iterable[InvoiceFacts],
    income: Income,
    as_of: date,
    started_on: date | None,
    hourly: Decimal | None,
    settings: RuleSettings,
    notes: Iterable[Phrase],
) -> Worth:
    """The client's money, share and rate, and what could not be compared."""
    notes = list(notes)
    home = income.currency
    start = as_of.fromordinal(as_of.toordinal() - INCOME_WINDOW_DAYS)
    received = paid_between(invoices, start, as_of)
    mine, mine_missing = in_home(received, income, as_of)
    total, total_missing = income.total_home(as_of)
    for money in sorted(set(mine_missing) | set(total_missing)):
        notes.append(no_rate(money, home))
    return Worth(
        currency=home,
        received=received,
        received_home=None if mine_missing else mine,
        total_home=total,
        share=None if mine_missing else _share(mine, total),
        hourly=hourly,
        target=settings.target_hourly_rate,
        target_currency=settings.target_currency,
        tenure_days=None if started_on is None else max(0, (as_of - started_on).days),
        notes=tuple(dict.fromkeys(notes)),
    )


def _share(mine: Decimal, total: Decimal) -> Decimal | None:
    return min(ONE, mine / total) if total > 0 else None


def large_share(
    invoices: Iterable[InvoiceFacts], income: Income, as_of: date, settings: RuleSettings
) -> bool:
    """A client who paid at least `value_share_percent` of the freelancer's income over the
    last INCOME_WINDOW_DAYS (all of it comparable: a missing rate is no large share)."""
    percent = settings.value_share_percent
    if not percent:
        return False
    total = income.total_home(as_of)[0]
    if total <= 0:
        return False
    start = as_of.fromordinal(as_of.toordinal() - INCOME_WINDOW_DAYS)
    mine, missing = in_home(paid_between(invoices, start, as_of), income, as_of)
    return not missing and mine * 100 >= total * percent


PLAN_ADVICE = gettext_noop(
    "They pay a large share of your income: try a plan before letting go. Renegotiate the "
    "price or the scope, restate your terms in writing, and ask for a deposit before more "
    "work starts. If the same trouble goes on after that, let them go once they have paid."
)


def plan(value: Worth, as_of: date) -> Reason:
    """The reason that holds a large client at watch: it costs no points, it is the plan."""
    share = value.share or ZERO
    label = fill(
        "{received} received in the last 12 months: {share}% of your income",
        received=Money(value.received_home or ZERO, value.currency),
        share=int(share * 100),
    )
    return Reason(
        "value",
        gettext_noop("A large share of your income: a plan before letting go"),
        0,
        PLAN_ADVICE,
        (Evidence("work", None, as_of, label, value.received_home, value.currency),),
    )
