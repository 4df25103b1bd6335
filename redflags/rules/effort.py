"""Effort against reward: the hours a client takes against the money they actually pay."""

from __future__ import annotations

from decimal import Decimal

from redflags.rules.assessment import Evidence, LazyEvidence, Reason, round_points
from redflags.rules.facts import ZERO, days_delta
from redflags.rules.settings import RuleSettings
from redflags.rules.snapshot import Snapshot
from redflags.rules.value import ONE, no_rate
from redflags.rules.wording import Money, fill, gettext_noop


def effort_against_reward(snap: Snapshot, settings: RuleSettings) -> tuple[Reason, ...]:
    """Effective hourly rate over the recent window, against the freelancer's target.

    Money counts when billed by as_of on invoices issued in the window, in the client's
    currency, unless written off: what is unpaid is the payment rules' to judge, and a
    payment coming later can never change the rate. A target in another currency is
    converted at the latest rate on or before as_of; with none, a note says so.
    """
    target = settings.target_hourly_rate
    client = snap.client
    if target is None or target <= 0:
        return ()
    as_of = snap.as_of
    start = as_of - days_delta(settings.effort_window_days)
    hours = ZERO
    for log in client.work_logs:  # a plain loop: the quickest way through 100s of logs
        if start < log.worked_on <= as_of:
            hours += log.hours
    if hours <= 0:
        return ()
    currency = client.currency
    target_currency = settings.target_currency or currency
    # The target in the client's currency, at the latest rate the freelancer keeps.
    factor = ONE
    if target_currency != currency:
        income = snap.income
        found = None if income is None else income.rates.rate(currency, target_currency, as_of)
        if found is None:
            snap.notes.append(no_rate(currency, target_currency))
            return ()
        factor = found
    received = snap.received
    rate = received / hours
    hourly = snap.hourly = rate if factor is ONE else rate * factor
    points = round_points(settings.effort_points * (1 - float(hourly / target)))
    if not points:
        return ()
    return (
        Reason(
            "effort",
            gettext_noop("Takes more time than they pay for"),
            points,
            gettext_noop(
                "Track every hour you spend on them, billable or not: chasing, meetings, "
                "revisions. Bill the hidden time, raise your rate, or let them go; your time is "
                "worth more elsewhere."
            ),
            LazyEvidence(lambda: _evidence(snap, settings, hours, received, rate, factor)),
        ),
    )


def _evidence(
    snap: Snapshot,
    settings: RuleSettings,
    hours: Decimal,
    received: Decimal,
    rate: Decimal,
    factor: Decimal,
) -> tuple[Evidence, ...]:
    currency = snap.client.currency
    target = (settings.target_hourly_rate or ZERO) / factor
    label = fill(
        "{hours} hours logged in the last {days} days, {received} billed: "
        "{rate} an hour against a target of {target}",
        hours=hours,
        days=settings.effort_window_days,
        received=Money(received, currency),
        rate=Money(rate, currency),
        target=Money(target, currency),
    )
    return (Evidence("work", None, snap.as_of, label, received, currency),)
