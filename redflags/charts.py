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


# Readable charts: the client page's, with axes, a label per point and room for text.

# Steps an axis of days counts in: a week, a fortnight, a month, a quarter, half a year,
# a year; at least a week high, so invoices paid on time sit low, not at the top.
DAY_STEPS = (7, 14, 30, 60, 90, 180, 365)
MAX_TICKS = 4  # above zero
MAX_X_LABELS = 4  # more would overlap at a phone's width; every point keeps its own title


@dataclass(frozen=True, slots=True)
class Frame:
    """The drawing area inside the axes, in SVG units: left/top edge, width, height."""

    width: int
    height: int
    left: int = 34
    right: int = 26  # room for the newest label, centred on its point
    top: int = 24  # room for the y axis title above the axis
    bottom: int = 30

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> int:
        return self.top + self.plot_height

    def y_of(self, value: float, top_value: float) -> int:
        return round(self.baseline - value / top_value * self.plot_height)


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    y: int


@dataclass(frozen=True, slots=True)
class Column:
    """One value drawn at x: a bar (lateness) or a point (score), with its axis label
    (blank where labels would crowd) and its full label for the title."""

    x: int
    y: int
    width: int
    height: int
    value: int
    label: str
    axis_label: str
    tone: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    frame: Frame
    ticks: list[Tick]
    columns: list[Column]


def day_axis_top(largest: int) -> tuple[int, int]:
    """The top of a days axis and its step: the smallest step (a week, a month...) that
    reaches `largest` in at most MAX_TICKS ticks; whole years beyond."""
    largest = max(largest, 1)
    for step in DAY_STEPS:
        if -(-largest // step) <= MAX_TICKS:
            return -(-largest // step) * step, step
    step = DAY_STEPS[-1] * -(-largest // (DAY_STEPS[-1] * MAX_TICKS))
    return -(-largest // step) * step, step


def _axis_labels(labels: list[str]) -> list[str]:
    """Every label when few, else every n-th counted back from the last (the newest)."""
    every = -(-len(labels) // MAX_X_LABELS)
    last = len(labels) - 1
    return [label if (last - i) % every == 0 else "" for i, label in enumerate(labels)]


def lateness_chart_geometry(
    days_late: list[int], labels: list[str], *, width: int = 360, height: int = 180
) -> Chart:
    """A bar per invoice, oldest first, on a days axis from 0; `labels` name each bar."""
    frame = Frame(width, height)
    top, step = day_axis_top(max(days_late, default=0))
    ticks = [Tick(v, frame.y_of(v, top)) for v in range(0, top + 1, step)]
    slot = frame.plot_width / max(len(days_late), 1)
    bar_width = max(2, min(32, round(slot * 0.7)))
    columns = []
    for i, (days, label, axis_label) in enumerate(
        zip(days_late, labels, _axis_labels(labels), strict=True)
    ):
        bar_height = max(2, frame.baseline - frame.y_of(days, top))
        columns.append(
            Column(
                x=round(frame.left + slot * (i + 0.5)),
                y=frame.baseline - bar_height,
                width=bar_width,
                height=bar_height,
                value=days,
                label=label,
                axis_label=axis_label,
                tone="on-time" if days == 0 else "late" if days <= 14 else "very-late",
            )
        )
    return Chart(frame, ticks, columns)


def score_chart_geometry(
    scores: list[tuple[str, int]], *, marks: tuple[int, ...], width: int = 360, height: int = 180
) -> Chart:
    """A point per month on a 0-100 axis, oldest first; ticks at 0, 100 and `marks`
    (the verdict thresholds)."""
    frame = Frame(width, height)
    ticks = [Tick(v, frame.y_of(v, 100)) for v in sorted({0, 100, *marks})]
    slot = frame.plot_width / max(len(scores), 1)
    labels = [label for label, _ in scores]
    return Chart(
        frame,
        ticks,
        [
            Column(
                x=round(frame.left + slot * (i + 0.5)),
                y=frame.y_of(score, 100),
                width=0,
                height=0,
                value=score,
                label=label,
                axis_label=axis_label,
            )
            for i, ((label, score), axis_label) in enumerate(
                zip(scores, _axis_labels(labels), strict=True)
            )
        ],
    )
