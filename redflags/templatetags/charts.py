"""Small SVG charts, built in Python: a dashboard page draws fifty of them, and the
template engine's per-number localisation cost more than the rest of the row."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from redflags.charts import lateness_bars_geometry, score_line_geometry

register = template.Library()

TONE_COLOURS = {"on-time": "#2e7d32", "late": "#b7791f", "very-late": "#c0392b"}


@register.simple_tag
def lateness_chart(days_late: list[int], width: int = 120, height: int = 28) -> str:
    bars = lateness_bars_geometry(days_late, width=width, height=height)
    if not bars:
        return ""
    label = "{}: {}".format(
        _("Days late per invoice, oldest first"), ", ".join(str(bar.days) for bar in bars)
    )
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" class="bar {}" fill="{}"/>',
        ((bar.x, bar.y, bar.width, bar.height, bar.tone, TONE_COLOURS[bar.tone]) for bar in bars),
    )
    return format_html(
        '<svg class="lateness-chart" xmlns="http://www.w3.org/2000/svg" width="{w}" '
        'height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">{rects}</svg>',
        w=width,
        h=height,
        label=label,
        rects=rects,
    )


@register.simple_tag
def score_chart(
    history, keep_at: int = 70, watch_at: int = 40, width: int = 240, height: int = 60
) -> str:
    """`history`: (date, Assessment) pairs, oldest first; dashed lines at the thresholds."""
    points = score_line_geometry(
        [(day.strftime("%b %Y"), assessment.score) for day, assessment in history],
        width=width,
        height=height,
    )
    if not points:
        return ""
    label = "{}: {}".format(
        _("Score at the end of each month"), ", ".join(f"{p.label} {p.score}" for p in points)
    )

    def y_of(score: int) -> int:
        return round((100 - score) / 100 * (height - 4)) + 2

    circles = format_html_join(
        "", '<circle cx="{}" cy="{}" r="2.5" fill="#1f4e79"/>', ((p.x, p.y) for p in points)
    )
    return format_html(
        '<svg class="score-chart" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        'viewBox="-3 0 {vw} {h}" role="img" aria-label="{label}">'
        '<line x1="0" x2="{w}" y1="{keep}" y2="{keep}" stroke="#b7791f" stroke-dasharray="3 3"/>'
        '<line x1="0" x2="{w}" y1="{fire}" y2="{fire}" stroke="#c0392b" stroke-dasharray="3 3"/>'
        '<polyline points="{line}" fill="none" stroke="#1f4e79" stroke-width="2"/>{circles}</svg>',
        w=width,
        h=height,
        vw=width + 6,
        label=label,
        keep=y_of(keep_at),
        fire=y_of(watch_at),
        line=" ".join(f"{p.x},{p.y}" for p in points),
        circles=circles,
    )
