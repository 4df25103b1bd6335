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


def lateness_bars_geometry(
    days_late: list[int], *, width: int = 120, height: int = 28
) -> list[Bar]:
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


@dataclass(frozen=True, slots=True)
class ScorePoint:
    x: int
    y: int
    score: int
    label: str


def score_line_geometry(
    scores: list[tuple[str, int]], *, width: int = 240, height: int = 60
) -> list[ScorePoint]:
    """Points of a 0-100 score over time, left to right, 100 at the top."""
    if not scores:
        return []
    step = width / max(len(scores) - 1, 1)
    return [
        ScorePoint(round(i * step), round((100 - score) / 100 * (height - 4)) + 2, score, label)
        for i, (label, score) in enumerate(scores)
    ]
