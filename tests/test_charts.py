"""The client page's charts: axes with labels, one named, focusable point per value, and
the same figures as a table."""

import re
from datetime import date

from django.utils import translation

from redflags.charts import day_axis_top, lateness_chart_geometry, score_chart_geometry
from redflags.templatetags.charts import days_late_chart, score_history_chart


class Scored:
    def __init__(self, score: int) -> None:
        self.score = score


HISTORY = [(date(2026, month, 28), Scored(score)) for month, score in ((8, 90), (9, 65), (10, 30))]


def points(svg: str) -> list[str]:
    return re.findall(r'<g class="point" tabindex="0" role="img" aria-label="([^"]*)">', svg)


def test_a_days_axis_counts_in_weeks_months_or_years_and_reaches_the_latest():
    assert day_axis_top(0) == (7, 7)
    assert day_axis_top(12) == (14, 7)
    assert day_axis_top(45) == (56, 14)
    assert day_axis_top(100) == (120, 30)
    assert day_axis_top(400) == (540, 180)
    top, step = day_axis_top(5000)
    assert top >= 5000 and top // step <= 4


def test_the_lateness_geometry_has_one_bar_per_invoice_on_a_shared_baseline():
    chart = lateness_chart_geometry([0, 7, 30], ["1", "2", "3"])
    assert [c.value for c in chart.columns] == [0, 7, 30]
    assert {c.y + c.height for c in chart.columns} == {chart.frame.baseline}
    assert chart.columns[2].height > chart.columns[1].height > chart.columns[0].height
    assert [t.value for t in chart.ticks] == [0, 14, 28, 42]


def test_many_invoices_label_only_some_on_the_axis_but_name_every_bar():
    labels = [str(n) for n in range(1, 25)]
    chart = lateness_chart_geometry([3] * 24, labels)
    shown = [c.axis_label for c in chart.columns if c.axis_label]
    assert 2 <= len(shown) <= 4 and shown[-1] == "24"
    assert [c.label for c in chart.columns] == labels


def test_the_score_geometry_puts_100_at_the_top_and_ticks_the_thresholds():
    chart = score_chart_geometry([("Aug", 100), ("Sep", 0)], marks=(70, 40))
    assert [t.value for t in chart.ticks] == [0, 40, 70, 100]
    top, bottom = chart.columns
    assert top.y == chart.frame.top and bottom.y == chart.frame.baseline


def test_the_days_late_chart_has_axes_named_points_and_a_table():
    html = days_late_chart([0, 12, 40])
    assert '<svg class="chart-svg"' in html and 'role="group"' in html
    assert 'aria-label="Days late per invoice, oldest first"' in html
    assert points(html) == [
        "Invoice 1: 0 days late",
        "Invoice 2: 12 days late",
        "Invoice 3: 40 days late",
    ]
    assert html.count("<title>") == 3 and html.count("<rect") == 3
    axes = html.split('<g class="axes" aria-hidden="true">', 1)[1].split("</g>", 1)[0]
    assert ">Days late</text>" in axes and ">Invoices, oldest first</text>" in axes
    assert ">0</text>" in axes and ">42</text>" in axes  # the y axis, in fortnights
    assert '<details class="chart-data">' in html
    rows = re.findall(r'<tr><th scope="row">(\d+)</th><td class="num">(\d+)</td></tr>', html)
    assert rows == [("1", "0"), ("2", "12"), ("3", "40")]
    assert days_late_chart([]) == ""


def test_one_day_late_is_singular():
    assert points(days_late_chart([1])) == ["Invoice 1: 1 day late"]


def test_the_score_chart_names_each_month_and_dashes_the_thresholds():
    html = score_history_chart(HISTORY, 70, 40)
    assert points(html) == ["Aug 2026: score 90", "Sep 2026: score 65", "Oct 2026: score 30"]
    assert html.count("<circle") == 3 and html.count('stroke-dasharray="4 3"') == 2
    assert ">Score</text>" in html and ">End of month</text>" in html
    assert ">70</text>" in html and ">40</text>" in html and ">100</text>" in html
    assert "Dashed lines: keep from 70, watch from 40." in html
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">(\d+)</td></tr>', html)
    assert rows == [("Aug 2026", "90"), ("Sep 2026", "65"), ("Oct 2026", "30")]
    assert score_history_chart([], 70, 40) == ""


def test_the_charts_speak_the_reader_s_language():
    with translation.override("fi"):
        html = score_history_chart(HISTORY, 70, 40) + days_late_chart([3])
    assert "loka 2026" in html
    assert "Days late" not in html and "score 30" not in html
