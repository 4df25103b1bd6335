"""Small SVG charts, built in Python: a dashboard page draws fifty of them, and the
template engine's per-number localisation cost more than the rest of the row.

Every number in the markup is an int computed here and every class and colour comes from
a fixed table, so only the accessible label (translated text) is escaped. A chart is a
pure function of its numbers, size and caption, so recent ones are kept per process."""

from functools import lru_cache

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clientwatch.formatting import active_locale, format_month
from redflags.charts import (
    Chart,
    lateness_bars_geometry,
    lateness_chart_geometry,
    score_chart_geometry,
    score_line_geometry,
)

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


# The client page's charts: axes, a label per value on hover and focus, and the same
# figures as a table for whoever cannot see the picture.

AXIS = 'stroke="#52606d" stroke-width="1"'
GRID = 'stroke="#d9dee4" stroke-width="1"'


def _chart_figure(
    *, kind: str, caption: str, note: str, svg: str, headers: tuple[str, str], rows: list
) -> SafeString:
    table = format_html_join("", '<tr><th scope="row">{}</th><td class="num">{}</td></tr>', rows)
    return format_html(
        '<div class="chart chart-{}"><figure>{}<figcaption>{}{}</figcaption></figure>'
        '<details class="chart-data"><summary>{}</summary>'
        '<table class="table compact"><caption class="visually-hidden">{}</caption>'
        '<thead><tr><th scope="col">{}</th><th scope="col" class="num">{}</th></tr></thead>'
        "<tbody>{}</tbody></table></details></div>",
        kind,
        svg,
        caption,
        format_html(' <span class="muted">{}</span>', note) if note else "",
        _("The figures as a table"),
        caption,
        *headers,
        table,
    )


def _axes_svg(chart: Chart, *, y_title: str, x_title: str, marks: dict[int, str]) -> str:
    """Ticks and grid lines on the y axis, the x axis line and labels, axis titles: all
    hidden from screen readers, which get each value's own name instead."""
    frame = chart.frame
    parts = []
    for tick in chart.ticks:
        dash = ' stroke-dasharray="4 3"' if tick.value in marks else ""
        colour = marks.get(tick.value, "")
        line = f'stroke="{colour}" stroke-width="1.5"' if colour else GRID
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{tick.y}" '
            f'y2="{tick.y}" {line}{dash}/>'
            f'<text x="{frame.left - 4}" y="{tick.y + 4}" text-anchor="end">{tick.value}</text>'
        )
    parts.append(
        f'<line x1="{frame.left}" x2="{frame.left}" y1="{frame.top}" y2="{frame.baseline}" {AXIS}/>'
        f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{frame.baseline}" '
        f'y2="{frame.baseline}" {AXIS}/>'
    )
    for column in chart.columns:
        if column.axis_label:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                    column.x,
                    frame.baseline + 14,
                    column.axis_label,
                )
            )
    parts.append(
        format_html(
            '<text class="axis-title" x="{}" y="{}" text-anchor="middle">{}</text>'
            '<text class="axis-title" x="2" y="{}" text-anchor="start">{}</text>',
            frame.left + frame.plot_width // 2,
            frame.height - 2,
            x_title,
            frame.top - 12,
            y_title,
        )
    )
    return f'<g class="axes" aria-hidden="true">{"".join(parts)}</g>'


def _point_svg(name: str, shape: str, value: int, x: int, y: int) -> str:
    """One value: focusable, named, with its title (shown on hover) and its figure
    (shown on hover and focus)."""
    return format_html(
        '<g class="point" tabindex="0" role="img" aria-label="{}"><title>{}</title>{}'
        '<text class="value" x="{}" y="{}" text-anchor="middle">{}</text></g>',
        name,
        name,
        mark_safe(shape),  # noqa: S308  # nosec B308 B703  # ints and fixed names only
        x,
        max(y - 6, 10),
        value,
    )


@register.simple_tag
def days_late_chart(days_late: list[int]) -> str:
    """Days late per invoice, oldest first, as a bar chart with its table."""
    days_late = [int(days) for days in days_late]
    if not days_late:
        return ""
    labels = [str(number) for number in range(1, len(days_late) + 1)]
    chart = lateness_chart_geometry(days_late, labels)
    points = []
    rows = []
    for column in chart.columns:
        name = ngettext(
            "Invoice %(number)s: %(days)s day late",
            "Invoice %(number)s: %(days)s days late",
            column.value,
        ) % {"number": column.label, "days": column.value}
        shape = (
            f'<rect x="{column.x - column.width // 2}" y="{column.y}" width="{column.width}" '
            f'height="{column.height}" class="bar {column.tone}" '
            f'fill="{TONE_COLOURS[column.tone]}"/>'
        )
        points.append(_point_svg(name, shape, column.value, column.x, column.y))
        rows.append((column.label, column.value))
    caption = _("Days late per invoice, oldest first")
    svg = (
        f'<svg class="chart-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 '
        f'{chart.frame.width} {chart.frame.height}" role="group" aria-label="{escape(caption)}">'
        + _axes_svg(chart, y_title=_("Days late"), x_title=_("Invoices, oldest first"), marks={})
        + "".join(points)
        + "</svg>"
    )
    return _chart_figure(
        kind="lateness",
        caption=caption,
        note="",
        svg=mark_safe(svg),  # noqa: S308  # nosec B308 B703  # built from escaped parts above
        headers=(_("Invoice"), _("Days late")),
        rows=rows,
    )


@register.simple_tag
def score_history_chart(history, keep_at: int = 70, watch_at: int = 40) -> str:
    """`history`: (date, Assessment) pairs, oldest first; the score per month on a 0-100
    axis with the keep and watch thresholds dashed."""
    locale = active_locale()
    scores = [
        (format_month(day, locale, short=True), int(assessment.score))
        for day, assessment in history
    ]
    if not scores:
        return ""
    keep_at, watch_at = int(keep_at), int(watch_at)
    chart = score_chart_geometry(scores, marks=(keep_at, watch_at))
    line = " ".join(f"{c.x},{c.y}" for c in chart.columns)
    points = []
    for column in chart.columns:
        name = _("%(month)s: score %(score)s") % {"month": column.label, "score": column.value}
        shape = f'<circle cx="{column.x}" cy="{column.y}" r="4" fill="#1f4e79"/>'
        points.append(_point_svg(name, shape, column.value, column.x, column.y))
    caption = _("Score at the end of each month")
    marks = {keep_at: TONE_COLOURS["on-time"], watch_at: "#c0392b"}
    svg = (
        f'<svg class="chart-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 '
        f'{chart.frame.width} {chart.frame.height}" role="group" aria-label="{escape(caption)}">'
        + _axes_svg(chart, y_title=_("Score"), x_title=_("End of month"), marks=marks)
        + f'<polyline points="{line}" fill="none" stroke="#1f4e79" stroke-width="2" '
        'aria-hidden="true"/>' + "".join(points) + "</svg>"
    )
    return _chart_figure(
        kind="score",
        caption=caption,
        note=_("Dashed lines: keep from %(keep)s, watch from %(watch)s.")
        % {"keep": keep_at, "watch": watch_at},
        svg=mark_safe(svg),  # noqa: S308  # nosec B308 B703  # built from escaped parts above
        headers=(_("Month"), _("Score")),
        rows=[(c.label, c.value) for c in chart.columns],
    )
