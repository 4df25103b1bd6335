"""A freelancer's work in ClientWatch, in a real browser, from sign-up to letting a client go."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from clients import backup
from clients.models import Client
from invoices.models import Invoice
from tests.e2e.browser import expect
from tests.e2e.helpers import (
    WORST_FIRST,
    backup_document,
    backup_file,
    dashboard_rows,
    log_in,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def maria(freelancer):
    """Maria, with the three clients of the small backup already imported."""
    backup.backup_import(owner=freelancer, document=backup_document())
    return freelancer


def client_page(page, name: str) -> None:
    page.goto("/")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def stay_on_the_page(page) -> None:
    """Mark the window: a full page load would lose the mark."""
    page.evaluate("window.__marker = 'no reload'")


def assert_no_reload(page) -> None:
    assert page.evaluate("window.__marker") == "no reload", "the page was reloaded"


def test_a_new_freelancer_signs_up_restores_a_backup_and_sees_the_worst_client_first(page, server):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_role("link", name="Create an account").click()

    page.get_by_label("Username").fill("maria")
    page.get_by_label("Email").fill("maria@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a long and private passphrase")
    page.get_by_label("Password confirmation").fill("a long and private passphrase")
    page.get_by_role("button", name="Sign up").click()

    # Onboarding asks who the clients hear from; it can wait (tests/e2e/test_first_reminder.py).
    expect(page).to_have_url(re.compile(r"/welcome/$"))
    page.get_by_role("button", name="Later").click()
    expect(page.locator("#messages")).to_contain_text("Welcome to ClientWatch")
    expect(page.get_by_role("heading", name="No active clients")).to_be_visible()
    page.get_by_role("link", name="Restore a ClientWatch backup").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Backup and import")
    page.get_by_label("Backup file (JSON)").set_input_files(backup_file())
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.locator("#messages")).to_contain_text("Clients: 3 new")
    expect(page.locator("#client-list caption")).to_contain_text("Worst first")
    assert dashboard_rows(page) == list(zip(WORST_FIRST, ["Fire", "Watch", "Keep"], strict=True))

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/"))

    log_in(page, "maria", "a long and private passphrase")
    assert [name for name, _ in dashboard_rows(page)] == WORST_FIRST


def test_logging_an_incident_rescores_the_client_without_reloading_the_page(page, maria):
    log_in(page, "maria")
    client_page(page, "Nora North")
    assessment = page.locator("#assessment")
    expect(assessment.locator(".verdict-line")).to_contain_text("Keep")
    before = assessment.inner_text()
    url = page.url
    stay_on_the_page(page)

    page.get_by_text("Log an incident").click()
    form = page.locator("#add-incident form")
    form.get_by_label("Category").select_option(label="Verbal abuse")
    form.get_by_label("What happened").fill("Shouted at me on the call about the menu fonts.")
    form.get_by_role("button", name="Log incident").click()

    expect(assessment).not_to_have_text(before)
    expect(assessment.locator(".verdict-line .badge")).to_have_text("Watch")
    expect(assessment.locator(".score")).not_to_have_text("100 / 100")
    expect(assessment).to_contain_text("Verbal abuse")
    expect(page.locator("#timeline")).to_contain_text("Shouted at me on the call")
    expect(page.locator("#messages")).to_contain_text("Incident logged.")
    assert_no_reload(page)
    assert page.url == url


def test_recording_a_payment_and_logging_work_update_the_page_in_place(page, maria):
    log_in(page, "maria")
    client_page(page, "Nora North")
    totals = page.locator("#client-totals")
    expect(totals).to_contain_text("€800.00")  # received so far
    stay_on_the_page(page)
    today = timezone.localdate().isoformat()

    page.get_by_text("Record a payment").click()
    form = page.locator("#add-payment form")
    invoice = form.get_by_label("Invoice")
    invoice.select_option(invoice.locator("option", has_text="NB-2").get_attribute("value"))
    form.get_by_label("Date paid").fill(today)
    form.get_by_label("Amount").fill("1200.00")
    form.get_by_label("Note").fill("Bank transfer")
    form.get_by_role("button", name="Record payment").click()

    expect(page.locator("#messages")).to_contain_text("Payment")
    timeline = page.locator("#timeline")
    expect(timeline.locator(".entry-payment").first).to_contain_text("€1,200.00")
    expect(timeline.locator(".entry-payment").first).to_contain_text("Bank transfer")
    expect(totals).to_contain_text("€2,000.00")
    # NB-2 is paid now: no open invoice is left to pay.
    expect(page.locator("#add-payment")).to_contain_text("No open invoices")

    page.get_by_text("Log work", exact=True).first.click()
    form = page.locator("#add-work form")
    form.get_by_label("Date").fill(today)
    form.get_by_label("Hours").fill("2.5")
    form.get_by_label("What was done").fill("Printed menu proofs")
    form.get_by_role("button", name="Log work").click()

    expect(timeline.locator(".entry-work").first).to_contain_text("Printed menu proofs")
    expect(totals.locator("dd").first).to_have_text("8.50")  # 6 + 2.5 billable hours
    assert_no_reload(page)


def test_previewing_a_payment_reminder_from_the_invoice_page(page, maria):
    log_in(page, "maria")
    client_page(page, "Nora North")
    page.locator("#timeline").get_by_role("link", name="NB-2", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice NB-2")

    # NB-2 is not due yet: the page says when the nudge can go, and offers nothing to send.
    reminders = page.get_by_role("region", name="Payment reminders")
    expect(reminders).to_contain_text("Not due yet: the “Friendly nudge” can go out from")
    expect(reminders.get_by_role("link", name=re.compile(r"^Preview"))).to_have_count(0)

    # Three days after its due date, the nudge can go out: preview, then confirm.
    today = timezone.localdate()
    Invoice.objects.filter(number="NB-2").update(
        issued_on=today - timedelta(days=17), due_on=today - timedelta(days=3)
    )
    page.reload()
    reminders.get_by_role("link", name=re.compile(r"^Preview")).first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Preview:")
    expect(page.locator(".facts")).to_contain_text("nora@north-bakery.example")
    expect(page.locator("pre.email-text")).to_contain_text("NB-2")
    html_version = page.frame_locator("iframe.email-html")
    expect(html_version.locator("body")).to_contain_text("NB-2")
    expect(page.get_by_role("button", name=re.compile(r"^Send .* now$"))).to_be_visible()
    # The paused notice is four more days away: no Send for it yet.
    page.get_by_role("navigation", name="Reminder stages").get_by_role(
        "link", name="Work paused"
    ).click()
    expect(page.locator("#send")).to_contain_text("Not due yet")
    expect(page.get_by_role("button", name=re.compile(r"^Send .* now$"))).to_have_count(0)


def test_a_heavier_weight_for_verbal_abuse_moves_the_client_to_fire(page, maria):
    log_in(page, "maria")
    assert ("Frida Fjord", "Watch") in dashboard_rows(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    rules = page.get_by_role("region", name="How clients are scored")
    rules.locator("summary", has_text="Conduct").click()  # the fine tuning is folded
    rules.get_by_label("Points off for verbal abuse").fill("80")
    rules.get_by_role("button", name="Save rule weights").click()
    expect(page.locator("#messages")).to_contain_text("every client was scored again")
    expect(rules.get_by_label("Points off for verbal abuse")).to_have_value("80")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    rows = dashboard_rows(page)
    assert ("Frida Fjord", "Fire") in rows
    assert rows[-1] == ("Nora North", "Keep")


def test_dropping_a_client_and_downloading_both_exit_reports(page, maria):
    log_in(page, "maria")
    client_page(page, "Frida Fjord")
    page.get_by_role("link", name="Drop this client").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Drop Frida Fjord")
    expect(page.get_by_role("alert")).to_contain_text("1 account is still in your hands")
    expect(page.get_by_label("Verbal abuse")).to_be_checked()  # the reason, from the score
    page.get_by_label("In your own words").fill("Abuse in front of the team.")
    page.get_by_label("Immediately").check()

    letter = page.get_by_label("Farewell letter (edit freely)")
    vague = letter.input_value()
    page.get_by_label("Direct: this crossed a line").check()
    stay_on_the_page(page)
    page.get_by_role("button", name="Draft the letter again").click()
    expect(letter).not_to_have_value(vague)
    assert_no_reload(page)

    page.get_by_label("Google Ads account").check()
    page.get_by_role("button", name="Confirm: drop this client").click()

    expect(page.locator("#messages")).to_contain_text("Frida Fjord is dropped")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dropped")
    assert Client.objects.get(ref="fjord-media").status == Client.Status.DROPPED

    for button in ("Client handover report (PDF)", "Internal record (PDF)"):
        page.get_by_role("region", name="Exit reports").get_by_role("button", name=button).click()
        expect(page.get_by_text("The PDF is ready.")).to_be_visible()
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the PDF").click()
        pdf = download.value.path().read_bytes()
        assert pdf.startswith(b"%PDF-"), f"{button}: not a PDF"
        assert len(pdf) > 1000
        assert download.value.suggested_filename.endswith(".pdf")
        page.get_by_role("link", name="Frida Fjord").click()

    page.goto("/")
    assert "Frida Fjord" not in [name for name, _ in dashboard_rows(page)]
    page.get_by_role("link", name="Show dropped clients").click()
    expect(page.locator("#client-list")).to_contain_text("Frida Fjord")


def test_more_work_for_a_client_at_fire_shows_the_reasons_first(page, maria):
    log_in(page, "maria")
    client_page(page, "Hugo Harbour")  # at fire: lied about an invoice
    page.get_by_text("Add an invoice", exact=True).click()
    warning = page.locator("#add-invoice .more-work-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Think twice before doing more work for this client.")
    expect(warning).to_contain_text("time to let go")
    # The freelancer can still go ahead.
    expect(page.locator("#add-invoice").get_by_role("button", name="Add invoice")).to_be_enabled()

    client_page(page, "Nora North")  # at keep: no warning
    page.get_by_text("Add an invoice", exact=True).click()
    expect(page.locator("#add-invoice .more-work-warning")).to_have_count(0)


def test_the_statement_of_account_from_the_client_page(page, maria):
    log_in(page, "maria")
    client_page(page, "Nora North")
    page.get_by_role("link", name="Statement of account").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Statement of account")
    expect(page.locator("main")).to_contain_text("NB-2")
    expect(page.locator("main")).to_contain_text("€1,200.00")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_importing_a_toggl_export_brings_the_hours_in_and_the_score_follows(page, freelancer):
    document = backup_document()
    document["settings"]["target_hourly_rate"] = "60.00"
    backup.backup_import(owner=freelancer, document=document)
    log_in(page, "maria")
    client_page(page, "Nora North")
    score = page.locator("#assessment .score")
    before = int(score.inner_text().split("/")[0])
    expect(page.locator("#assessment")).not_to_contain_text("Takes more time than they pay for")

    # A fortnight of long days in Toggl Track, the client's name written its own way.
    today = timezone.localdate()
    rows = "".join(
        f'"NORA NORTH",Menu,,Proofs round {n},Yes,{today - timedelta(days=n)},09:00:00,08:00:00\n'
        for n in range(1, 11)
    )
    export = (
        "\ufeffClient,Project,Task,Description,Billable,Start date,Start time,Duration\n" + rows
    )
    page.goto("/backup/import/")
    page.get_by_role("link", name="Import an export file").click()
    page.get_by_label("Export file (CSV)").set_input_files(
        {"name": "toggl.csv", "mimeType": "text/csv", "buffer": export.encode()}
    )
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Preview of toggl.csv (Toggl Track)")
    expect(page.locator("tbody tr", has_text="NORA NORTH")).to_contain_text(
        "same name, ignoring case and punctuation"
    )
    expect(page.get_by_label("Import NORA NORTH as")).to_have_value("north-bakery")
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.locator("#messages")).to_contain_text("Work logs: 10 new")
    client_page(page, "Nora North")
    expect(page.locator("#assessment")).to_contain_text("Takes more time than they pay for")
    assert int(score.inner_text().split("/")[0]) < before
