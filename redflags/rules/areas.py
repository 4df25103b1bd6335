"""Where the problem is: each rule belongs to one area, and each area gets a number.

The areas are money (paying late, overdue, disputes and haggling), conduct (how they
treat you and work with you), scope (changes to agreed work) and effort (hours against
what they pay). The number is 100 less the points of the area's reasons, like the score.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from redflags.rules.facts import Category

MONEY = "money"
CONDUCT = "conduct"
SCOPE = "scope"
EFFORT = "effort"
AREAS: tuple[str, ...] = (MONEY, CONDUCT, SCOPE, EFFORT)

# The area of each rule's slug; a pattern ("pattern:<kind>") is in its kind's area.
RULE_AREAS: dict[str, str] = {
    "late_payment": MONEY,
    "later_every_cycle": MONEY,
    "overdue": MONEY,
    "disputes": MONEY,
    Category.INVOICE_DISPUTE: MONEY,
    # Using a rival's price is about paying less for agreed work.
    Category.COMPETITOR_LEVERAGE: MONEY,
    "physical_abuse": CONDUCT,
    "repeated_verbal_abuse": CONDUCT,
    "verbal_abuse": CONDUCT,
    "lying": CONDUCT,
    "legal_risk": CONDUCT,
    Category.UNRESPONSIVE: CONDUCT,
    Category.MICROMANAGING: CONDUCT,
    Category.IGNORED_ADVICE: CONDUCT,
    Category.PUBLIC_CRITICISM: CONDUCT,
    Category.THREAT: CONDUCT,
    Category.UNREASONABLE_DEMAND: CONDUCT,
    Category.OTHER: CONDUCT,
    "scope_changes": SCOPE,
    Category.SCOPE_CHANGE: SCOPE,
    "effort": EFFORT,
}


class _Scored(Protocol):
    rule: str
    points: int


def area_of(rule: str) -> str | None:
    """The area of a rule's reason; None for a rule no area claims (it counts in none)."""
    kind, is_pattern, category = rule.partition(":")
    if is_pattern:
        return RULE_AREAS.get(category) if kind == "pattern" else None
    return RULE_AREAS.get(rule)


def area_scores(reasons: Iterable[_Scored]) -> dict[str, int]:
    """{area: 100 less its reasons' points, at least 0}, every area present."""
    lost = dict.fromkeys(AREAS, 0)
    for reason in reasons:
        area = area_of(reason.rule)
        if area is not None:
            lost[area] += reason.points
    return {area: max(0, 100 - points) for area, points in lost.items()}
