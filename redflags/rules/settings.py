"""Every weight and threshold of the rules, in one place.

"Points" are taken off a score of 100. With the default verdicts (keep from 70, fire below
40) a rule worth 31 points or more moves a clean client to `watch` on its own, and one worth
61 or more to `fire`. The defaults below are calibrated against the
situations in tests/rules/test_rules_calibration.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

Kind = Literal["int", "decimal", "currency"]
JsonValue = int | str | None


@dataclass(frozen=True, slots=True)
class RuleSettings:
    # Verdict: keep from `keep_at`, watch from `watch_at`, fire below it (or on any red flag).
    keep_at: int = 70
    watch_at: int = 40

    # Immediate red flags (physical abuse, abuse repeated after a warning, lying, legal risk).
    # They force `fire` anyway; the points only make the score say the same. A client with
    # a red flag scores below `red_flag_below`, any other client at least that.
    red_flag_points: int = 70
    red_flag_below: int = 10

    # How sure: with fewer than `early_invoices` invoices and under `early_days` of history
    # it is too early to tell, and the verdict is at best watch.
    early_invoices: int = 3
    early_days: int = 60

    # Incidents lose half their weight every `half_life_days`: old, resolved trouble fades.
    half_life_days: int = 90

    # Late payment. Only invoices due within `late_window_days` are judged. An invoice paid
    # up to `late_grace_days` late counts as on time (bank transfers take a day).
    late_window_days: int = 365
    late_grace_days: int = 1
    # Share of late invoices: all late costs `late_share_points`. The share is counted as if
    # `late_benefit_invoices` more invoices had been paid on time, so one late invoice among
    # few is not yet a habit; 11 late out of 12 still costs 31 points: watch.
    late_share_points: int = 40
    late_benefit_invoices: int = 2
    # Average days late (beyond the grace): points per day, capped.
    late_day_points: Decimal = Decimal(2)
    late_days_max_points: int = 40

    # "Later every cycle". The average days late blends the plain average with one that
    # favours recent invoices (half-life `trend_half_life_days`); `trend_weight` is the share
    # of the recent one. Rising lateness then costs more than the same average without a
    # trend, and improving lateness less.
    trend_weight: Decimal = Decimal("0.7")
    trend_half_life_days: int = 30

    # Money overdue now (unpaid, not disputed, not written off, past due): each overdue
    # invoice costs up to `overdue_points`, in proportion to the share still unpaid, reached
    # after `overdue_full_days` (a day overdue is a reminder, a month is a problem).
    overdue_points: int = 25
    overdue_full_days: int = 30
    # Lateness on at most `unchased_invoices` invoices, none of them chased with a reminder,
    # costs at most `unchased_max_points` (watch, not fire): the next step is to chase.
    unchased_invoices: int = 3
    unchased_max_points: int = 45

    # Disputes and haggling (disputed invoices, `invoice_dispute` incidents). One recent
    # dispute is enough for watch; two within `dispute_window_days` add `dispute_repeat_points`
    # and reach fire. An incident between an invoice's issue date and `dispute_match_days`
    # after its due date is taken to be about that disputed invoice and not counted again.
    dispute_points: int = 40
    dispute_repeat_points: int = 60
    dispute_window_days: int = 365
    dispute_match_days: int = 60

    # Scope changes, per incident of severity 3: tolerable by the hour, costly on a fixed fee.
    scope_hourly_points: int = 3
    scope_retainer_points: int = 8
    scope_fixed_points: int = 15

    # A single verbal abuse, per incident whatever its severity: recent, it means watch.
    verbal_abuse_points: int = 45

    # Everyday friction, per incident of severity 3 (severity 1 costs a third, 5 five thirds).
    unresponsive_points: int = 6
    micromanaging_points: int = 8
    ignored_advice_points: int = 10
    competitor_leverage_points: int = 15
    public_criticism_points: int = 15
    # A threat (a bad public review, holding back payment unless, legal action without
    # grounds): recent, it means watch on its own.
    threat_points: int = 35
    unreasonable_demand_points: int = 12
    other_points: int = 6

    # What was tried first (docs/domain.md, "What a client is worth, and what to try first").
    # Everyday friction never raised with the client (no step about it, or none since which
    # it went on) costs at most `tell_first_max_points` per kind: watch, with the advice to
    # tell them. Friction that goes on after a step weighs `after_step_factor` times as much
    # per incident since the step, and a pattern that goes on after one means fire.
    tell_first_max_points: int = 45
    after_step_factor: Decimal = Decimal(3)

    # A pattern: `pattern_count` incidents of one kind within `pattern_window_days` add
    # `pattern_points`, enough on its own for watch. The pattern and the reason for the same
    # incidents are one reason costing the larger of the two, so a pattern plus another
    # kind of trouble (the controlling client who also overrides your advice) reaches fire.
    pattern_count: int = 5
    pattern_window_days: int = 90
    pattern_points: int = 45

    # Signs that are enough once, counted for `sign_window_days`: playing you against a
    # competitor on agreed work means fire; one haggle over an agreed price at least watch.
    sign_window_days: int = 365

    # Effort against reward: money billed (and not written off) on invoices issued in the last
    # `effort_window_days`, divided by all hours logged in that window, against the target.
    # The shortfall costs `effort_points` times its share of the target: half the target costs
    # 32 (watch), nothing billed 64 (fire). Off while there is no target. A client billed in
    # another currency than `target_currency` is compared through the freelancer's exchange
    # rates; with no rate, the assessment says it could not compare.
    target_hourly_rate: Decimal | None = None
    target_currency: str | None = None
    effort_window_days: int = 180
    effort_points: int = 64

    # Value: a client who paid at least `value_share_percent` of the freelancer's income over
    # the last INCOME_WINDOW_DAYS, with lesser problems only, is `watch` with a plan
    # (renegotiate, terms in writing, a deposit) rather than `fire`. Red flags, and signs
    # that are enough once, are never bought off. 0 turns this off.
    value_share_percent: int = 25

    @classmethod
    def from_overrides(cls, data: Mapping[str, object]) -> RuleSettings:
        """Defaults with the given fields replaced, from values as stored in JSON.

        Raises InvalidSettings (a ValueError) naming every unknown or invalid key.
        """
        values: dict[str, Any] = {}
        bad: list[str] = []
        for name, raw in data.items():
            tunable = TUNABLES_BY_NAME.get(name)
            if tunable is None:
                bad.append(name)
                continue
            try:
                values[name] = tunable.parse(raw)
            except (TypeError, ValueError, ArithmeticError):
                bad.append(name)
        if not bad:
            settings = replace(DEFAULTS, **values)
            bad = settings.problems()
            if not bad:
                return settings
        raise InvalidSettings(bad)

    def overrides(self) -> dict[str, JsonValue]:
        """The fields that differ from the defaults, JSON-safe (decimals as strings)."""
        result: dict[str, JsonValue] = {}
        for tunable in TUNABLES:
            value = getattr(self, tunable.name)
            if value != getattr(DEFAULTS, tunable.name):
                result[tunable.name] = str(value) if isinstance(value, Decimal) else value
        return result

    @property
    def watch_points(self) -> int:
        """The fewest points that move a clean client from keep to watch."""
        return 101 - self.keep_at

    @property
    def fire_points(self) -> int:
        """The fewest points that move a clean client to fire."""
        return 101 - self.watch_at

    def problems(self) -> list[str]:
        """Names of fields whose values do not fit together (the form shows them)."""
        if self.watch_at > self.keep_at:
            return ["keep_at", "watch_at"]
        if self.red_flag_below > self.watch_at:
            return ["red_flag_below", "watch_at"]
        return []


# "Money received over the last 12 months" (shares of income, the client page).
INCOME_WINDOW_DAYS = 365


class InvalidSettings(ValueError):
    def __init__(self, keys: list[str]) -> None:
        self.keys = tuple(dict.fromkeys(keys))
        super().__init__(f"invalid rule settings: {', '.join(self.keys)}")


_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True, slots=True)
class Tunable:
    """What a settings form needs to know about one field."""

    name: str
    label: str
    help: str
    kind: Kind
    min: int | Decimal | None = None
    max: int | Decimal | None = None
    optional: bool = False  # empty is allowed and switches the rule off

    def parse(self, raw: object) -> int | Decimal | str | None:
        """The value from JSON or a form (number or string), checked against the limits."""
        if isinstance(raw, bool):
            raise TypeError(self.name)
        if raw is None or raw == "":
            if self.optional:
                return None
            raise ValueError(self.name)
        if self.kind == "currency":
            if not isinstance(raw, str) or not _CURRENCY.fullmatch(raw.strip().upper()):
                raise ValueError(self.name)
            return raw.strip().upper()
        number = _number(raw)
        if self.kind == "int" and number != number.to_integral_value():
            raise ValueError(self.name)
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValueError(self.name)
        return int(number) if self.kind == "int" else number


def _number(raw: object) -> Decimal:
    if isinstance(raw, str):
        raw = raw.strip()
    elif isinstance(raw, float):
        raw = repr(raw)  # 0.7 stays 0.7, not 0.6999999999999999555910790149937
    elif not isinstance(raw, int | Decimal):
        raise TypeError(raw)
    try:
        value = Decimal(raw)
    except InvalidOperation as error:
        raise ValueError(raw) from error
    if not value.is_finite():
        raise ValueError(raw)
    return value


def _points(name: str, label: str, text: str) -> Tunable:
    return Tunable(name, label, text, "int", 0, 100)


def _days(name: str, label: str, text: str, low: int = 1) -> Tunable:
    return Tunable(name, label, text, "int", low, 3650)


TUNABLES: tuple[Tunable, ...] = (
    Tunable(
        "keep_at", "Keep from score", "A client scoring this or more is one to keep.", "int", 1, 100
    ),
    Tunable(
        "watch_at",
        "Watch from score",
        "Between this and the keep score: watch the client. Below it: time to let go.",
        "int",
        1,
        100,
    ),
    _points(
        "red_flag_points",
        "Points off for a red flag",
        "Abuse, a repeat after a warning, lying or legal risk. These always mean letting go; "
        "the points only make the score agree.",
    ),
    Tunable(
        "red_flag_below",
        "A red flag scores below",
        "Any client with a red flag scores below this, and any other client at least this, "
        "so that the worst come first. At most the watch score.",
        "int",
        1,
        100,
    ),
    Tunable(
        "early_invoices",
        "Too early to tell: fewer invoices than",
        "With fewer invoices than this and a short history (below), the verdict is at best "
        "watch: nothing known yet is not the same as a good client.",
        "int",
        0,
        100,
    ),
    _days(
        "early_days",
        "Too early to tell: history under (days)",
        "Days since the first invoice, hours logged or start date.",
        low=0,
    ),
    _days(
        "half_life_days",
        "Incidents fade after (days)",
        "After this many days an incident counts half as much, after twice as many a quarter.",
    ),
    _days(
        "late_window_days", "Payment history judged (days)", "Invoices due longer ago are ignored."
    ),
    _days(
        "late_grace_days",
        "Grace for late payment (days)",
        "A payment this many days late still counts as on time.",
        low=0,
    ),
    _points(
        "late_share_points",
        "Points off when every invoice is paid late",
        "Scaled by the share of invoices paid late.",
    ),
    Tunable(
        "late_benefit_invoices",
        "Benefit of the doubt (invoices)",
        "The share of late invoices is counted as if this many more had been paid on time, so "
        "one late payment among few is not yet a habit.",
        "int",
        0,
        100,
    ),
    Tunable(
        "late_day_points",
        "Points off per day late, on average",
        "Days within the grace do not count.",
        "decimal",
        Decimal(0),
        Decimal(10),
    ),
    _points(
        "late_days_max_points", "Most points off for days late", "A cap for the points per day."
    ),
    Tunable(
        "trend_weight",
        "Weight of recent invoices (0 to 1)",
        "0 judges every invoice alike; 1 judges mostly the last few, so paying later every "
        "cycle costs more and improving costs less.",
        "decimal",
        Decimal(0),
        Decimal(1),
    ),
    _days(
        "trend_half_life_days",
        "Recent invoices means (days)",
        "An invoice due this many days ago counts half as much as one due today.",
    ),
    _points(
        "overdue_points",
        "Points off per overdue invoice",
        "For an invoice left wholly unpaid past its due date; less for a part or a few days.",
    ),
    _days(
        "overdue_full_days",
        "Overdue counts fully after (days)",
        "An invoice overdue for a shorter time costs proportionally less.",
    ),
    Tunable(
        "unchased_invoices",
        "Never chased: up to (invoices)",
        "Lateness on this many invoices or fewer, none of which you sent a reminder for, is "
        "a reason to chase rather than to let go. 0 turns this off.",
        "int",
        0,
        100,
    ),
    _points(
        "unchased_max_points",
        "Most points off for lateness never chased",
        "Keep it below what reaches fire, so that the advice is to send a reminder first.",
    ),
    _points(
        "tell_first_max_points",
        "Most points off per kind of friction never raised",
        "Slow answers, micromanaging, unreasonable demands, changes of mind or ignored advice "
        "that you have not yet raised with the client (no step logged about it that it went "
        "on after). Keep it below what reaches fire, so that the advice is to tell them first.",
    ),
    Tunable(
        "after_step_factor",
        "Weight of friction after a step (times)",
        "Each incident after a step you logged about that kind of trouble counts this many "
        "times as much: it went on although they were told.",
        "decimal",
        Decimal(1),
        Decimal(20),
    ),
    _points("dispute_points", "Points off per invoice dispute", "Fades like incidents do."),
    _points(
        "dispute_repeat_points",
        "Extra points off for repeated disputes",
        "When two or more disputes fall within the window below.",
    ),
    _days(
        "dispute_window_days",
        "Disputes repeat within (days)",
        "Two disputes within this many days count as repeated.",
    ),
    _days(
        "dispute_match_days",
        "A dispute incident belongs to an invoice until (days after due)",
        "Logging a dispute about an invoice already marked disputed does not count twice.",
        low=0,
    ),
    _points(
        "scope_hourly_points",
        "Points off per change of mind (hourly)",
        "For a client billed by the hour; per incident of medium severity.",
    ),
    _points(
        "scope_retainer_points",
        "Points off per change of mind (retainer)",
        "For a client on a retainer; per incident of medium severity.",
    ),
    _points(
        "scope_fixed_points",
        "Points off per change of mind (fixed fee)",
        "For a client on a fixed fee; per incident of medium severity.",
    ),
    _points(
        "verbal_abuse_points",
        "Points off for verbal abuse",
        "For each incident. A repeat after you warned them is a red flag.",
    ),
    _points(
        "unresponsive_points", "Points off when unresponsive", "Per incident of medium severity."
    ),
    _points(
        "micromanaging_points", "Points off for micromanaging", "Per incident of medium severity."
    ),
    _points(
        "ignored_advice_points",
        "Points off for ignoring your advice",
        "Per incident of medium severity.",
    ),
    _points(
        "competitor_leverage_points",
        "Points off for playing you against competitors",
        "Per incident of medium severity.",
    ),
    _points(
        "public_criticism_points",
        "Points off for criticism in public",
        "Per incident of medium severity.",
    ),
    _points(
        "threat_points",
        "Points off for a threat",
        "A bad review, payment held back unless you give in, or legal action without grounds; "
        "per incident of medium severity.",
    ),
    _points(
        "unreasonable_demand_points",
        "Points off for an unreasonable demand",
        "Per incident of medium severity.",
    ),
    _points("other_points", "Points off for other incidents", "Per incident of medium severity."),
    Tunable(
        "pattern_count",
        "Incidents that make a pattern",
        "This many incidents of one kind within the window below are a pattern, not a bad week.",
        "int",
        2,
        100,
    ),
    _days(
        "pattern_window_days", "Pattern window (days)", "How recent the incidents of a pattern are."
    ),
    _points("pattern_points", "Points off for a pattern", "Once per kind of incident."),
    _days(
        "sign_window_days",
        "A sign that is enough once counts for (days)",
        "Playing you against a competitor on agreed work means letting go, and one haggle "
        "over an agreed price means watching, for this many days.",
    ),
    Tunable(
        "target_hourly_rate",
        "Target hourly rate",
        "What your time should earn. Leave empty to skip the effort check.",
        "decimal",
        Decimal("0.01"),
        Decimal(1_000_000),
        optional=True,
    ),
    Tunable(
        "target_currency",
        "Currency of the target rate",
        "Clients billed in another currency are compared through your exchange rates.",
        "currency",
        optional=True,
    ),
    _days(
        "effort_window_days",
        "Effort judged over (days)",
        "Hours logged and money billed in this many days before today.",
    ),
    _points(
        "effort_points",
        "Points off when nothing is billed",
        "Scaled by how far the effective hourly rate falls below the target.",
    ),
    Tunable(
        "value_share_percent",
        "A large client pays (% of your income)",
        "A client who paid at least this share of your income over the last 12 months, with "
        "no red flag, is watched with a plan (renegotiate, terms in writing, a deposit) "
        "before you let them go. 0 turns this off.",
        "int",
        0,
        100,
    ),
)

TUNABLES_BY_NAME: dict[str, Tunable] = {tunable.name: tunable for tunable in TUNABLES}
DEFAULTS = RuleSettings()
