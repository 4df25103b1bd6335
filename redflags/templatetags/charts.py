"""Small SVG charts, built in Python: a dashboard page draws fifty of them, and the
template engine's per-number localisation cost more than the rest of the row.

Every number in the markup is an int computed here and every class and colour comes from
a fixed table, so only the accessible label (translated text) is escaped. A chart is a
pure function of its numbers, size and caption, so recent ones are kept per process."""

from functools import lru_cache

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from clientwatch.formatting import active_locale, format_month
from redflags.charts import lateness_bars_geometry, score_line_geometry

register = template.Library()

TONE_COLOURS = {"on-time": "#2e7d32", "late": "#b7791f", "very-late": "#c0392b"}


@register.simple_tag
def lateness_chart(days_late: list[int], width: int = 120, height: int = 28) -> str:
    if not days_late:
        return ""
    caption = _("Days late per invoice, oldest first")
    return _lateness_svg(tuple(int(days) for days in days_late), int(width), int(height), caption)


@lru_cache(maxsize=4096)
def _lateness_svg(days_late: tuple[int, ...], width: int, height: int, caption: str) -> SafeString:
    bars = lateness_bars_geometry(list(days_late), width=width, height=height)
    label = escape("{}: {}".format(caption, ", ".join(str(bar.days) for bar in bars)))
    rects = "".join(
        f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}" '
        f'class="bar {bar.tone}" fill="{TONE_COLOURS[bar.tone]}"/>'
        for bar in bars
    )
    return mark_safe(  # noqa: S308  # nosec B308 B703  # ints, fixed names and an escaped label
        f'<svg class="lateness-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
        f"{rects}</svg>"
    )


@register.simple_tag
def score_chart(
    history, keep_at: int = 70, watch_at: int = 40, width: int = 240, height: int = 60
) -> str:
    """`history`: (date, Assessment) pairs, oldest first; dashed lines at the thresholds."""
    points = score_line_geometry(
        [
            (format_month(day, active_locale(), short=True), assessment.score)
            for day, assessment in history
        ],
        width=width,
        height=height,
    )
    if not points:
        return ""
    label = escape(
        "{}: {}".format(
            _("Score at the end of each month"),
            ", ".join(f"{p.label} {p.score}" for p in points),
        )
    )
    width, height = int(width), int(height)

    def y_of(score: int) -> int:
        return round((100 - score) / 100 * (height - 4)) + 2

    keep, fire = y_of(keep_at), y_of(watch_at)
    line = " ".join(f"{p.x},{p.y}" for p in points)
    circles = "".join(f'<circle cx="{p.x}" cy="{p.y}" r="2.5" fill="#1f4e79"/>' for p in points)
    return mark_safe(  # noqa: S308  # nosec B308 B703  # ints and an escaped label
        f'<svg class="score-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="-3 0 {width + 6} {height}" role="img" aria-label="{label}">'
        f'<line x1="0" x2="{width}" y1="{keep}" y2="{keep}" stroke="#b7791f" '
        f'stroke-dasharray="3 3"/>'
        f'<line x1="0" x2="{width}" y1="{fire}" y2="{fire}" stroke="#c0392b" '
        f'stroke-dasharray="3 3"/>'
        f'<polyline points="{line}" fill="none" stroke="#1f4e79" stroke-width="2"/>'
        f"{circles}</svg>"
    )
