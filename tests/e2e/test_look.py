"""The phone first: what a freelancer sees first at 390 px, charts read by hover, focus
and table, and forms that take them to their first mistake."""

import pytest
from django.utils import timezone

from clients import backup
from clients.models import Client
from tests.e2e.browser import DESKTOP, PHONE, expect
from tests.e2e.helpers import backup_document, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def maria(freelancer):
    backup.backup_import(owner=freelancer, document=backup_document())
    return freelancer


def top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def focused_name(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.name")


def test_on_a_phone_the_client_page_leads_with_the_verdict_then_actions_then_history(page, maria):
    nora = Client.objects.get(ref="north-bakery")
    page.set_viewport_size(PHONE)
    log_in(page, "maria")
    page.goto(f"/clients/{nora.pk}/")
    assessment = page.locator("#assessment")
    expect(assessment.locator(".verdict-line .badge")).to_have_text("Keep")
    expect(assessment.locator(".verdict-reason")).to_be_visible()
    verdict, actions, history = (
        top(page, "#assessment .verdict-line"),
        top(page, "#add-heading"),
        top(page, "#timeline-heading"),
    )
    assert verdict < actions < history
    assert verdict < PHONE["height"] / 2 and actions < PHONE["height"]  # on the first screen
    for action in ("Log an incident", "Record a payment", "Log work", "Add an invoice"):
        expect(page.locator(".add summary", has_text=action)).to_be_visible()
    # The reasons and charts are folded until asked for.
    charts = assessment.locator(".charts")
    expect(charts).to_be_hidden()
    assessment.locator(".assessment-more > summary").click()
    expect(charts).to_be_visible()


def test_a_chart_s_values_show_on_focus_and_as_a_table(page, maria):
    nora = Client.objects.get(ref="north-bakery")
    log_in(page, "maria")
    page.goto(f"/clients/{nora.pk}/")
    page.locator(".assessment-more > summary").click()
    chart = page.locator(".chart-score")
    point = chart.locator(".point").last
    value = point.locator(".value")
    assert value.evaluate("el => getComputedStyle(el).opacity") == "0"
    point.focus()
    expect(point).to_be_focused()
    assert value.evaluate("el => getComputedStyle(el).opacity") == "1"
    assert point.get_attribute("aria-label").endswith(": score 100")
    # Reached by the keyboard too: Tab goes from one value to the next.
    first = chart.locator(".point").first
    first.focus()
    page.keyboard.press("Tab")
    expect(chart.locator(".point").nth(1)).to_be_focused()
    table = chart.locator(".chart-data table")
    expect(table).to_be_hidden()
    chart.locator(".chart-data summary").click()
    expect(table.locator("tbody tr")).to_have_count(chart.locator(".point").count())
    bars = page.locator(".chart-lateness .point")
    expect(bars).to_have_count(2)  # NB-1 paid a day early, NB-2 not due yet
    assert bars.first.get_attribute("aria-label") == "Invoice 1: 0 days late"


def test_on_a_phone_a_dashboard_row_shows_name_verdict_score_and_money_at_once(page, maria):
    page.set_viewport_size(PHONE)
    log_in(page, "maria")
    row = page.locator("#client-list tbody tr").first
    expect(row.locator("th[scope=row] a")).to_have_text("Hugo Harbour")
    box = row.bounding_box()
    for cell in (".verdict-cell .badge[class*='verdict-']", ".score-cell", ".money-cell"):
        part = row.locator(cell).bounding_box()
        assert part["y"] + part["height"] <= box["y"] + 260, f"{cell} is too far down"
    verdict, score = row.locator(".verdict-cell").bounding_box(), row.locator(".score-cell")
    assert abs(score.bounding_box()["y"] - verdict["y"]) < 4  # side by side
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.set_viewport_size(DESKTOP)
    header = page.locator(".overview")
    expect(header.locator(".figure-verdicts")).to_contain_text("1 Fire")
    expect(header.locator(".figure-today")).to_be_visible()


def test_a_rejected_client_form_takes_the_freelancer_to_the_first_mistake(page, maria):
    log_in(page, "maria")
    page.goto("/clients/new/")
    form = page.locator("#client-form")
    form.get_by_label("Name").fill("Nora North again")
    form.get_by_label("Reference").fill("north-bakery")
    form.get_by_label("Email").fill("nora@north-bakery.example")
    form.get_by_label("Rate").fill("80")
    form.get_by_label("Started on").fill(timezone.localdate().isoformat())
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    form.get_by_role("button", name="Add client").click()
    expect(form).to_contain_text("You already have a client with the reference")
    expect(form.get_by_label("Reference")).to_be_focused()
    assert form.get_by_label("Reference").bounding_box()["y"] < DESKTOP["height"]

    # A mistake in a folded section the freelancer closed again: the browser's own check
    # finds it, and the section opens so it can be shown.
    late_fees = form.locator("details.form-section", has_text="Late fees and interest")
    late_fees.locator("summary").click()
    form.locator("#client-late_fee_percent").fill("150")
    late_fees.locator("summary").click()
    expect(late_fees).not_to_have_attribute("open", "")
    form.get_by_label("Reference").fill("north-bakery-2")
    form.get_by_role("button", name="Add client").click()
    expect(late_fees).to_have_attribute("open", "")
    assert focused_name(page) == "late_fee_percent"
