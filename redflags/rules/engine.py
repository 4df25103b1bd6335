"""assess(): every rule over one client's facts, as they stood on one date."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from operator import attrgetter

from redflags.rules import conduct, effort, payment
from redflags.rules.assessment import Assessment, Reason, verdict_for
from redflags.rules.facts import ClientFacts
from redflags.rules.settings import RuleSettings
from redflags.rules.snapshot import Snapshot, take_snapshot

Rule = Callable[[Snapshot, RuleSettings], Sequence[Reason]]

RULES: tuple[Rule, ...] = (
    conduct.physical_abuse,
    conduct.repeated_verbal_abuse,
    conduct.lying,
    conduct.legal_risk,
    payment.lateness,
    payment.disputes,
    conduct.verbal_abuse,
    conduct.scope_changes,
    conduct.everyday_friction,
    conduct.patterns,
    effort.effort_against_reward,
)


def assess(client: ClientFacts, settings: RuleSettings, as_of: date) -> Assessment:
    """Score, verdict and reasons for one client on as_of. No clock, no I/O: the same input
    gives the same assessment."""
    snap = take_snapshot(client, as_of, settings)
    reasons: list[Reason] = []
    for rule in RULES:
        reasons += rule(snap, settings)
    if snap.patterns:
        reasons = conduct.one_reason_per_pattern(reasons)
    # Most points first; the sort is stable, even reversed, so ties keep the order of RULES.
    reasons.sort(key=_points, reverse=True)
    red_flags = [reason for reason in reasons if reason.red_flag]
    if red_flags:
        reasons = red_flags + [reason for reason in reasons if not reason.red_flag]
    score = max(0, 100 - sum(map(_points, reasons)))
    return Assessment(score, verdict_for(score, bool(red_flags), settings), tuple(reasons))


_points = attrgetter("points")
