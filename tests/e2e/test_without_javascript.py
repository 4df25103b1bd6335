"""With JavaScript switched off, the main work still gets done: every form posts on its own."""

import re

import pytest
from django.utils import timezone

from tests.e2e.browser import expect
from tests.e2e.helpers import log_in

pytestmark = pytest.mark.e2e


def test_adding_a_client_an_incident_an_invoice_and_a_payment_without_javascript(
    page_without_js, freelancer
):
    page = page_without_js
    today = timezone.localdate().isoformat()
    log_in(page, "maria")
    page.get_by_role("link", name="Add your first client").click()

    form = page.locator("#client-form")
    form.get_by_label("Name").fill("Olli Oak")
    form.get_by_label("Email").fill("olli@oak.example")
    form.get_by_label(re.compile(r"^Currency:?$")).select_option("EUR")
    form.get_by_label("Rate").fill("90")
    form.get_by_label("Started on").fill(today)
    form.get_by_role("button", name="Add client").click()

    expect(page.locator("#messages")).to_contain_text("Olli Oak added.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Olli Oak")
    client_url = page.url

    page.get_by_text("Log an incident").click()
    form = page.locator("#add-incident form")
    form.get_by_label("Category").select_option(label="Unreasonable demand")
    form.get_by_label("What happened").fill("Wanted the whole site redone by Monday, unpaid.")
    form.get_by_role("button", name="Log incident").click()

    expect(page.locator("#messages")).to_contain_text("Incident logged.")
    assert page.url == client_url
    expect(page.locator("#timeline")).to_contain_text("Wanted the whole site redone")
    expect(page.locator("#assessment")).to_contain_text("Unreasonable demand")

    page.get_by_text("Add an invoice").click()
    form = page.locator("#add-invoice form")
    form.get_by_label("Number").fill("OO-1")
    form.get_by_label("Amount").fill("900.00")
    form.get_by_role("button", name="Add invoice").click()
    expect(page.locator("#timeline")).to_contain_text("OO-1")

    page.get_by_text("Record a payment").click()
    form = page.locator("#add-payment form")
    form.get_by_label("Date paid").fill(today)
    form.get_by_label("Amount").fill("400.00")
    form.get_by_role("button", name="Record payment").click()

    expect(page.locator("#timeline .entry-payment")).to_contain_text("€400.00")
    expect(page.locator("#client-totals")).to_contain_text("€400.00")
    expect(page.locator("#timeline .entry-invoice")).to_contain_text(re.compile(r"Partly paid"))
