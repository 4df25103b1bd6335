"""Late fees and interest: plain arithmetic over plain data, no database.

A fee is its own line next to the invoice, never a change to the invoice's amount
(DOMAIN.md: the original invoice is the record of what was agreed). Each line is
charged with a reminder stage, at most once per (kind, stage):

- a flat amount and/or a percentage of the overdue balance, either once (with the
  first reminder) or with every reminder;
- yearly interest on the overdue balance for the days since the last interest charge
  (or since the due date), charged with every reminder.

Amounts are rounded to the currency's own precision (JPY has none, KWD three), half up,
as invoices are. No line is more than the largest amount stored (clientwatch.money's
MAX_AMOUNT): interest on a huge balance overdue for years is capped there, and the line
keeps what the arithmetic gave (`capped_from`), rather than failing the daily run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import cache

from babel.numbers import get_currency_precision

from clientwatch.money import MAX_AMOUNT

FLAT = "flat"
PERCENT = "percent"
INTEREST = "interest"
DAYS_IN_YEAR = Decimal(365)
# The database keeps two decimal places; a currency with three is rounded to two.
STORED_PLACES = 2


@dataclass(frozen=True, slots=True)
class FeePolicy:
    """What the freelancer (or a client's own terms) charges; `None` means not at all."""

    flat: Decimal | None = None
    percent: Decimal | None = None
    each_stage: bool = False
    yearly_interest: Decimal | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.flat or self.percent or self.yearly_interest)


NO_FEES = FeePolicy()


@dataclass(frozen=True, slots=True)
class FeeLine:
    kind: str
    stage: str
    amount: Decimal
    rate: Decimal | None = None
    period_start: date | None = None
    period_end: date | None = None
    # What the arithmetic gave, when that was more than MAX_AMOUNT and `amount` is capped.
    capped_from: Decimal | None = None


def within_limit(line: FeeLine) -> FeeLine:
    """The line, capped at the largest amount that can be stored and charged."""
    if line.amount <= MAX_AMOUNT:
        return line
    return replace(line, amount=MAX_AMOUNT, capped_from=line.amount)


@cache
def _quantum(currency: str) -> Decimal:
    places = min(get_currency_precision(currency), STORED_PLACES)
    return Decimal(1).scaleb(-places)


def currency_round(amount: Decimal, currency: str) -> Decimal:
    # Enough precision for any product of stored amounts, rates and days: quantize never
    # runs out of digits (the default 28 would for a large enough figure).
    with localcontext(prec=60):
        return amount.quantize(_quantum(currency), rounding=ROUND_HALF_UP)


def interest(*, balance: Decimal, yearly_percent: Decimal, days: int, currency: str) -> Decimal:
    """Simple interest on `balance` for `days` days (actual/365), rounded for `currency`.
    Not capped: that is the line's business (`within_limit`)."""
    if balance <= 0 or days <= 0 or yearly_percent <= 0:
        return currency_round(Decimal(0), currency)
    with localcontext(prec=60):
        return currency_round(balance * yearly_percent / 100 * days / DAYS_IN_YEAR, currency)


def stage_fees(
    policy: FeePolicy,
    *,
    stage: str,
    first_stage: bool,
    balance: Decimal,
    currency: str,
    interest_from: date,
    charged_on: date,
) -> list[FeeLine]:
    """The lines one reminder stage brings, before any already charged are left out."""
    lines = []
    if first_stage or policy.each_stage:
        if policy.flat:
            lines.append(FeeLine(FLAT, stage, currency_round(policy.flat, currency)))
        if policy.percent and balance > 0:
            amount = currency_round(balance * policy.percent / 100, currency)
            lines.append(FeeLine(PERCENT, stage, amount, rate=policy.percent))
    if policy.yearly_interest:
        days = (charged_on - interest_from).days
        amount = interest(
            balance=balance, yearly_percent=policy.yearly_interest, days=days, currency=currency
        )
        lines.append(
            FeeLine(
                INTEREST,
                stage,
                amount,
                rate=policy.yearly_interest,
                period_start=interest_from,
                period_end=charged_on,
            )
        )
    return [within_limit(line) for line in lines if line.amount > 0]


@dataclass(frozen=True, slots=True)
class ChargedFee:
    """A line already on record (waived or not: a waived fee is never charged again)."""

    kind: str
    stage: str
    period_end: date | None = None


def fees_due(
    policy: FeePolicy,
    *,
    stages: Iterable[str],
    ladder: tuple[str, ...],
    charged: Iterable[ChargedFee],
    balance: Decimal,
    currency: str,
    due_on: date,
    as_of: date,
) -> list[FeeLine]:
    """Every line the given reminder stages call for that is not on record yet.

    `stages` are the stages reached (a reminder claimed, or the days overdue passed for
    fees added after the fact), `ladder` is every stage in order. Interest for a stage
    runs from the end of the last interest line (or the due date) to `as_of`.
    """
    if not policy.enabled:
        return []
    on_record = {(fee.kind, fee.stage) for fee in charged}
    interest_from = max(
        [due_on] + [fee.period_end for fee in charged if fee.kind == INTEREST and fee.period_end]
    )
    reached = set(stages)
    lines: list[FeeLine] = []
    for position, stage in enumerate(ladder):
        if stage not in reached:
            continue
        for line in stage_fees(
            policy,
            stage=stage,
            first_stage=position == 0,
            balance=balance,
            currency=currency,
            interest_from=interest_from,
            charged_on=as_of,
        ):
            if (line.kind, line.stage) in on_record:
                continue
            lines.append(line)
            if line.kind == INTEREST:
                interest_from = as_of
    return lines
