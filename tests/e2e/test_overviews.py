"""The overviews in a real browser: the invoices page and the receivables report update in
place with htmx, keep their state in the URL, and work with JavaScript off; the dashboard's
client search does the same."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from clients import backup
from clients.models import Client
from invoices.services import invoice_create
from tests.e2e.browser import PHONE, expect
from tests.e2e.helpers import backup_document, log_in
from tests.e2e.test_journeys import assert_no_reload, stay_on_the_page

pytestmark = pytest.mark.e2e


@pytest.fixture
def maria(freelancer):
    """Maria's clients from the small backup, and one invoice long overdue."""
    backup.backup_import(owner=freelancer, document=backup_document())
    nora = Client.objects.get(ref="north-bakery")
    today = timezone.localdate()
    invoice_create(
        owner=freelancer,
        client=nora,
        fields={
            "number": "NB-LATE",
            "issued_on": today - timedelta(days=60),
            "due_on": today - timedelta(days=46),
            "amount": Decimal("640.00"),
        },
    )
    return freelancer


def invoice_numbers(page) -> list[str]:
    return [
        link.inner_text().strip()
        for link in page.locator("#invoice-results tbody th[scope=row] a").all()
    ]


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1280", "390"])
def test_filtering_and_sorting_invoices_updates_the_table_in_place(page, maria, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    log_in(page, "maria")
    page.get_by_role("link", name="Invoices", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoices")
    everything = invoice_numbers(page)
    assert "NB-LATE" in everything

    stay_on_the_page(page)
    page.get_by_label("Status").select_option(label="Overdue")
    expect(page).to_have_url(re.compile(r"status=overdue"))
    expect(page.locator("#invoice-results caption")).to_contain_text("these filters")
    assert "NB-LATE" in invoice_numbers(page)
    assert len(invoice_numbers(page)) < len(everything)
    if viewport:  # on a phone the table's headings are hidden: the form sorts
        page.get_by_label("Sort").select_option(label="Most days late first")
    else:
        page.locator("#invoice-results thead").get_by_role("link", name="Days late").click()
    expect(page).to_have_url(re.compile(r"sort=late"))
    expect(page.locator("#invoice-results tbody tr").first).to_contain_text("NB-LATE")
    expect(page.get_by_label("Status")).to_have_value("overdue")  # the filter stays

    page.get_by_label("Invoice number or client").fill("no such invoice")
    page.get_by_label("Invoice number or client").press("Enter")
    expect(page.get_by_role("heading", name="No invoices match these filters")).to_be_visible()
    assert_no_reload(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_the_report_changes_months_in_place_and_downloads_the_same_figures(page, maria):
    log_in(page, "maria")
    page.goto("/invoices/")
    page.get_by_role("link", name="Receivables and income").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Receivables and income")
    expect(page.locator("#report-results tbody tr")).to_have_count(12)

    stay_on_the_page(page)
    this_month = timezone.localdate().replace(day=1)
    start = (this_month - timedelta(days=1)).replace(day=1)
    page.get_by_label("From month").fill(f"{start:%Y-%m}")
    page.get_by_label("From month").dispatch_event("change")
    expect(page).to_have_url(re.compile(rf"start={start:%Y-%m}"))
    expect(page.locator("#report-results tbody tr")).to_have_count(2)
    assert_no_reload(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["Month", "Currency"]
    assert [row[0] for row in rows[1:]] == [f"{start:%Y-%m}", f"{this_month:%Y-%m}"]


def test_the_dashboard_search_narrows_the_list_in_place(page, maria):
    log_in(page, "maria")
    stay_on_the_page(page)
    page.get_by_label("Search clients").fill("fjord")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"q=fjord"))
    expect(page.locator("#client-list tbody tr")).to_have_count(1)
    expect(page.locator("#client-list tbody")).to_contain_text("Frida Fjord")
    page.get_by_role("link", name="Clear the search").click()
    expect(page.locator("#client-list tbody tr")).to_have_count(3)
    assert_no_reload(page)


def test_the_overviews_work_without_javascript(page_without_js, maria):
    page = page_without_js
    log_in(page, "maria")
    page.get_by_label("Search clients").fill("north")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#client-list tbody tr")).to_have_count(1)

    page.goto("/invoices/")
    page.get_by_label("Status").select_option(label="Overdue")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"status=overdue"))
    assert "NB-LATE" in invoice_numbers(page)

    page.goto("/invoices/report/?start=2020-01&end=2019-01")
    expect(page.locator("#report-results")).to_contain_text("The first month comes after")
    expect(page.locator("#report-results tbody tr")).to_have_count(12)
