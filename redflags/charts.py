"""Small server-rendered charts: plain geometry, drawn by an SVG template."""

from dataclasses import dataclass

LATE_CAP_DAYS = 60  # taller bars are clipped: past two months the shape says enough


@dataclass(frozen=True, slots=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    days: int
    tone: str  # on-time / late / very-late


def lateness_bars_geometry(days_late: list[int], *, width: int = 120, height: int = 28) -> list[Bar]:
    """One bar per invoice, oldest first; height in proportion to days late."""
    if not days_late:
        return []
    slot = width / len(days_late)
    bars = []
    for index, days in enumerate(days_late):
        h = max(2, round(min(days, LATE_CAP_DAYS) / LATE_CAP_DAYS * (height - 2)))
        tone = "on-time" if days == 0 else "late" if days <= 14 else "very-late"
        bars.append(Bar(round(index * slot), height - h, max(1, round(slot) - 1), h, days, tone))
    return bars
