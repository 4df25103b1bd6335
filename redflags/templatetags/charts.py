from django import template

from redflags.charts import lateness_bars_geometry, score_line_geometry

register = template.Library()


@register.inclusion_tag("charts/lateness.svg")
def lateness_chart(days_late: list[int], width: int = 120, height: int = 28) -> dict:
    return {
        "bars": lateness_bars_geometry(days_late, width=width, height=height),
        "width": width,
        "height": height,
    }


@register.inclusion_tag("charts/score.svg")
def score_chart(
    history, keep_at: int = 70, watch_at: int = 40, width: int = 240, height: int = 60
) -> dict:
    """`history`: (date, Assessment) pairs, oldest first; dashed lines at the thresholds."""
    points = score_line_geometry(
        [(day.strftime("%b %Y"), assessment.score) for day, assessment in history],
        width=width,
        height=height,
    )
    return {
        "points": points,
        "polyline": " ".join(f"{p.x},{p.y}" for p in points),
        "width": width,
        "height": height,
        "watch_y": round((100 - keep_at) / 100 * (height - 4)) + 2,
        "fire_y": round((100 - watch_at) / 100 * (height - 4)) + 2,
    }
