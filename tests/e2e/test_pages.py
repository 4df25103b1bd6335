"""Every page a freelancer can reach, checked as the browser has it.

Each page is saved as the browser sees it after loading (artifacts/pages/) and checked by
the Nu HTML Checker, in one run for all pages; axe-core checks it against WCAG 2.1 A and AA
at 1280 and at 390 px; at 1280, 390 and 320 px nothing may scroll sideways. Screenshots of
every page at 1280 and 390 px go to artifacts/screenshots/.
"""

import json
import subprocess
from dataclasses import asdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clients import backup
from clients.models import Client, ImportJob
from clients.reports import report_request
from clients.services import exchange_rate_add, profile_for, profile_update
from invoices.models import Invoice, Payment
from invoices.services import invoice_create
from redflags.models import Incident, Step
from tests.e2e.browser import DESKTOP, NARROW, PAGES, PHONE, ROOT, SCREENSHOTS, expect
from tests.e2e.helpers import backup_document, log_in

pytestmark = pytest.mark.e2e

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# htmx's attributes (hx-get, hx-post, hx-target, ...) are not in the HTML standard, so the
# checker reports each as "not allowed". They are the app's, on purpose; only those messages
# are dropped, every other error fails the test.
HTMX_ATTRIBUTES = r"Attribute “hx-[a-z-]+” not allowed on element “[a-z0-9]+” at this point\."
# Nothing when the page fits its window, else its width and the elements sticking out.
OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.classList.length ? "." + [...el.classList].join(".") : "");
  // How far an element reaches: its box, or its content spilling out of the box.
  const reach = (el, box) => getComputedStyle(el).overflowX === "visible"
    ? Math.max(box.right, box.left + el.scrollWidth) : box.right;
  const wide = [...document.querySelectorAll("body *")]
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([, box]) => box.width > 0)
    .map(([el, box]) => [el, reach(el, box)])
    .filter(([, right]) => right > width + 1)
    .map(([el, right]) => `${name(el)} (reaches ${Math.round(right)} px)`);
  return [`page is ${document.documentElement.scrollWidth} px wide`, ...wide.slice(0, 8)];
}"""


class PageChecks:
    """Visits pages and collects every problem, so one run lists them all."""

    def __init__(self, page, axe_source: str) -> None:
        self.page = page
        self.axe_source = axe_source
        self.saved: list[Path] = []
        self.problems: list[str] = []
        PAGES.mkdir(parents=True, exist_ok=True)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in PAGES.glob("*.html"):
            old.unlink()

    def visit(self, name: str, url: str | None = None) -> None:
        """Check the page now shown (after going to `url`, when given)."""
        page = self.page
        if url is not None:
            response = page.goto(url)
            assert response is not None and response.ok, f"{name}: {url} answered {response}"
        page.wait_for_load_state("load")
        path = PAGES / f"{name}.html"
        path.write_text(page.content(), encoding="utf-8")
        self.saved.append(path)

        self.axe(name, "1280 px")
        self.fits(name, "1280 px")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-1280.png"), full_page=True)

        page.set_viewport_size(PHONE)
        self.fits(name, "390 px")
        self.axe(name, "390 px")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
        page.set_viewport_size(NARROW)
        self.fits(name, "320 px")
        page.set_viewport_size(DESKTOP)

    def fits(self, name: str, width: str) -> None:
        """document.documentElement.scrollWidth <= innerWidth, or what sticks out."""
        overflow = self.page.evaluate(OVERFLOW)
        if overflow:
            self.problems.append(f"{name}: scrolls sideways at {width}: " + "; ".join(overflow))

    def axe(self, name: str, width: str) -> None:
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(self.axe_source)
        results = self.page.evaluate(
            """async (tags) => {
                const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
                return {
                    passes: results.passes.length,
                    violations: results.violations.map(v => ({
                        id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary),
                    })),
                };
            }""",
            AXE_TAGS,
        )
        assert results["passes"], f"{name}: axe checked nothing"  # it did run
        for violation in results["violations"]:
            nodes = "\n      ".join(violation["nodes"][:5])
            self.problems.append(
                f"{name} at {width}: axe {violation['id']} ({violation['impact']}): "
                f"{violation['help']}\n      {nodes}"
            )

    def validate(self, vnu: list[str]) -> None:
        """The Nu HTML Checker over every saved page, in one run."""
        command = [*vnu, "--format", "json", "--stdout", "--filterpattern", HTMX_ATTRIBUTES]
        result = subprocess.run(
            [*command, *map(str, self.saved)], capture_output=True, text=True, timeout=240
        )
        try:
            messages = json.loads(result.stdout)["messages"]
        except (ValueError, KeyError):
            self.problems.append(f"vnu did not run ({result.returncode}): {result.stderr[-2000:]}")
            return
        for message in messages:
            if message["type"] in ("error", "non-document-error"):
                where = Path(message.get("url", "?")).stem
                line = message.get("lastLine", "?")
                extract = message.get("extract", "").strip().replace("\n", " ")
                self.problems.append(
                    f"{where}.html line {line}: vnu: {message['message']}\n      {extract}"
                )


# Amounts as long as a money table meets: billions of rupiah, ringgit beside them.
LONG_AMOUNTS = {
    "ref": "indra-studio",
    "name": "Indra Studio",
    "email": "indra@studio.example",
    "language": "en",
    "currency": "IDR",
    "billing": "fixed",
    "rate": "1234567890.00",
    "payment_terms_days": 14,
    "started_on": "2025-01-06",
    "invoices": [
        {
            "number": "IS-1",
            "issued_on": "2025-02-03",
            "due_on": "2025-02-17",
            "amount": "1234567890.00",
            "payments": [{"paid_on": "2025-02-20", "amount": "1234567890.00"}],
        },
        {
            "number": "IS-2",
            "issued_on": "2025-03-03",
            "due_on": "2025-03-17",
            "currency": "MYR",
            "amount": "98765432.10",
        },
    ],
    "work_logs": [{"date": "2025-02-01", "hours": "12.00", "description": "Brand book"}],
}


@pytest.fixture
def site(freelancer):
    """Maria's account with one of everything: clients, an invoice with a payment, an
    incident, work, a managed account, an exit report, a finished import."""
    document = backup_document()
    document["clients"].append(LONG_AMOUNTS)
    backup.backup_import(owner=freelancer, document=document)
    nora = Client.objects.get(ref="north-bakery")
    invoice = Invoice.objects.get(number="NB-1")
    return {
        "nora": nora,
        "frida": Client.objects.get(ref="fjord-media"),
        "indra": Client.objects.get(ref="indra-studio"),
        "invoice": invoice,
        "open_invoice": Invoice.objects.get(number="NB-2"),
        "payment": Payment.objects.get(invoice=invoice),
        "incident": Incident.objects.get(client__ref="fjord-media"),
        "step": Step.objects.get(client__ref="fjord-media"),
        "work": nora.work_logs.get(),
        "account": nora.account_items.get(),
        "report": report_request(client=nora, kind="handover"),
        "job": ImportJob.objects.create(
            owner=freelancer,
            payload="{}",
            filename="old-backup.json",
            state=ImportJob.State.DONE,
            total=3,
            done=3,
            result=asdict(backup.backup_import(owner=freelancer, document=backup_document())),
        ),
    }


def test_every_page_is_valid_accessible_and_fits_a_phone(vnu, axe_source, page, site):
    checks = PageChecks(page, axe_source)
    visit_logged_out_pages(checks, site["nora"].owner)
    visit_logged_in_pages(checks, site)
    checks.validate(vnu)
    assert not checks.problems, (
        f"{len(checks.problems)} problems on {len(checks.saved)} pages "
        f"(pages in {PAGES.relative_to(ROOT)}, screenshots in {SCREENSHOTS.relative_to(ROOT)}):\n"
        + "\n".join(checks.problems)
    )


def visit_logged_out_pages(checks: PageChecks, user) -> None:
    page = checks.page
    checks.visit("login", "/accounts/login/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("form")).to_contain_text("Please enter a correct username")
    checks.visit("login-refused")
    for _ in range(5):  # the throttle's limit: then logging in as mallory from here pauses
        page.get_by_label("Username").fill("mallory")
        page.get_by_label("Password").fill("guess")
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        if page.get_by_role("heading", name="Logging in is paused").is_visible():
            break
    expect(page.get_by_role("heading", level=1)).to_have_text("Logging in is paused")
    checks.visit("login-paused")
    checks.visit("signup", "/accounts/signup/")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("form .errorlist").first).to_be_visible()
    checks.visit("signup-errors")
    checks.visit("password-reset", "/accounts/password_reset/")
    page.get_by_label("Email").fill("maria@example.com")
    page.get_by_role("button", name="Send the link").click()
    checks.visit("password-reset-sent")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    checks.visit("password-reset-confirm", f"/accounts/reset/{uid}/{token}/")
    checks.visit("password-reset-complete", "/accounts/reset/done/")


def visit_logged_in_pages(checks: PageChecks, site: dict) -> None:
    page = checks.page
    nora, frida, invoice = site["nora"], site["frida"], site["invoice"]
    log_in(page, "maria")
    checks.visit("dashboard", "/")
    checks.visit("dashboard-dropped-shown", "/?dropped=1&sort=name")
    checks.visit("dashboard-search", "/?q=north")
    checks.visit("dashboard-search-no-match", "/?q=nobody-by-this-name")
    checks.visit("client", f"/clients/{nora.pk}/")
    page.get_by_text("Log an incident").click()
    form = page.locator("#add-incident form")
    form.get_by_label("Category").select_option(label="Other")
    form.get_by_label("What happened").fill("Sent a file that is not evidence.")
    form.get_by_label("Evidence file").set_input_files(
        {"name": "proof.pdf", "mimeType": "application/pdf", "buffer": b"\x00\x01\x02"}
    )
    form.get_by_role("button", name="Log incident").click()
    expect(page.locator("#add-incident")).to_contain_text("Upload a PDF, PNG, JPEG")
    checks.visit("client-incident-errors")
    # A fresh page: the incident form's error above would keep its autofocus beside the
    # step form's, which no single submit shows.
    page.reload()
    page.get_by_text("Log a step you took").click()
    form = page.locator("#add-step form")
    date = form.get_by_label("Date")
    date.evaluate("input => input.removeAttribute('max')")  # what the server says, then
    date.fill((timezone.localdate() + timedelta(days=2)).isoformat())
    form.get_by_label("What you did").select_option(label="Warned them, firmly and kindly")
    form.get_by_role("button", name="Log step").click()
    expect(page.locator("#add-step")).to_contain_text("A step cannot be in the future.")
    checks.visit("client-step-errors")
    checks.visit("client-watch", f"/clients/{frida.pk}/")
    checks.visit("client-long-amounts", f"/clients/{site['indra'].pk}/")

    checks.visit("client-new", "/clients/new/")
    form = page.locator("#client-form")
    form.get_by_label("Name").fill("Nora North again")
    form.get_by_label("Reference").fill("north-bakery")
    form.get_by_label("Email").fill("nora@north-bakery.example")
    form.get_by_label("Rate").fill("80")
    form.get_by_label("Started on").fill(timezone.localdate().isoformat())
    form.get_by_role("button", name="Add client").click()
    expect(form).to_contain_text("You already have a client with the reference")
    checks.visit("client-new-errors")
    checks.visit("client-edit", f"/clients/{nora.pk}/edit/")
    checks.visit("client-delete", f"/clients/{nora.pk}/delete/")

    checks.visit("incident-new", f"/clients/{nora.pk}/incidents/new/")
    checks.visit("incident-edit", f"/incidents/{site['incident'].pk}/edit/")
    checks.visit("incident-delete", f"/incidents/{site['incident'].pk}/delete/")
    checks.visit("step-new", f"/clients/{nora.pk}/steps/new/")
    checks.visit("step-edit", f"/steps/{site['step'].pk}/edit/")
    checks.visit("step-delete", f"/steps/{site['step'].pk}/delete/")
    checks.visit("work-new", f"/clients/{nora.pk}/work/new/")
    checks.visit("work-edit", f"/work/{site['work'].pk}/edit/")
    checks.visit("work-delete", f"/work/{site['work'].pk}/delete/")
    checks.visit("account-new", f"/clients/{nora.pk}/accounts/new/")
    checks.visit("account-edit", f"/managed-accounts/{site['account'].pk}/edit/")
    checks.visit("account-delete", f"/managed-accounts/{site['account'].pk}/delete/")

    checks.visit("invoice", f"/invoices/{invoice.pk}/")
    checks.visit("invoice-new", f"/clients/{nora.pk}/invoices/new/")
    checks.visit("invoice-edit", f"/invoices/{invoice.pk}/edit/")
    checks.visit("invoice-delete", f"/invoices/{invoice.pk}/delete/")
    checks.visit("payment-new", f"/invoices/{site['open_invoice'].pk}/payments/new/")
    checks.visit("client-payment-new", f"/clients/{nora.pk}/payments/new/")
    checks.visit("payment-edit", f"/payments/{site['payment'].pk}/edit/")
    checks.visit("payment-delete", f"/payments/{site['payment'].pk}/delete/")

    open_invoice = site["open_invoice"]
    # Not due yet: the preview says when the nudge can go. Three days overdue, it can.
    checks.visit("reminder-not-due", f"/invoices/{open_invoice.pk}/reminders/nudge/")
    expect(page.locator("#send")).to_contain_text("Not due yet")
    today = timezone.localdate()
    Invoice.objects.filter(pk=open_invoice.pk).update(
        issued_on=today - timedelta(days=17), due_on=today - timedelta(days=3)
    )
    checks.visit("reminder-preview", f"/invoices/{open_invoice.pk}/reminders/nudge/")
    page.get_by_role("button", name="Send “Friendly nudge” now").click()
    expect(page.locator("#messages")).to_contain_text("sent to")
    checks.visit("reminder-sent")
    page.goto(f"/invoices/{open_invoice.pk}/")
    page.get_by_role("link", name="What was sent").click()
    checks.visit("reminder-detail")

    checks.visit("statement", f"/clients/{nora.pk}/statement/")
    # Late-fee terms set after an invoice fell overdue: add the fees from the preview.
    today = timezone.localdate()
    late = invoice_create(
        owner=nora.owner,
        client=nora,
        fields={
            "number": "NB-3",
            "issued_on": today - timedelta(days=54),
            "due_on": today - timedelta(days=40),
            "amount": Decimal("500.00"),
        },
    )
    profile_update(
        profile=profile_for(nora.owner),
        fields={
            "late_fee_flat_amounts": {nora.currency: "25.00"},
            "late_interest_percent": Decimal("8"),
        },
    )
    checks.visit("fees-overdue", "/fees/overdue/")
    page.get_by_role("button", name="Add the ticked fees").click()
    checks.visit("fees-added")
    checks.visit("invoice-with-fees", f"/invoices/{late.pk}/")

    checks.visit("invoices", "/invoices/")
    checks.visit("invoices-overdue-by-days-late", "/invoices/?status=overdue&sort=late")
    checks.visit("invoices-bad-filters", "/invoices/?status=bogus&client=abc&sort=nonsense")
    checks.visit("invoices-no-match", "/invoices/?q=nothing-like-this")
    checks.visit("receivables-report", "/invoices/report/")
    checks.visit("receivables-report-errors", "/invoices/report/?start=2026-13&end=9999-01")

    checks.visit("settings", "/settings/")
    # Exchange rates kept, and a rate file refused with every problem listed.
    for quote, rate in (("USD", "1.0953"), ("IDR", "16998.42")):
        exchange_rate_add(
            owner=nora.owner,
            fields={"base": "EUR", "quote": quote, "on": today, "rate": Decimal(rate)},
        )
    page.goto("/settings/")
    page.locator("#rate-import").get_by_label("Reference-rate file (CSV)").set_input_files(
        {"name": "eurofxref.csv", "mimeType": "text/csv", "buffer": b"Date,USD\nsoon,abc\n"}
    )
    page.get_by_role("button", name="Import rates").click()
    expect(page.locator("#rate-problems")).to_contain_text("Nothing was imported")
    checks.visit("settings-rates")
    checks.visit("ninja-settings", "/settings/invoice-ninja/")
    page.get_by_label("Invoice Ninja address").fill("http://ninja.example")
    page.get_by_role("button", name="Connect").click()
    expect(page.locator("form .errorlist").first).to_be_visible()
    checks.visit("ninja-settings-errors")
    checks.visit("onboarding", "/welcome/")
    page.get_by_label("Reply-to address").fill("not an address")
    page.get_by_role("button", name="Save and start").click()
    expect(page.locator("form .errorlist").first).to_be_visible()
    checks.visit("onboarding-errors")
    checks.visit("security", "/settings/security/")
    checks.visit("second-factor-setup", "/settings/security/authenticator/")
    checks.visit("password-change", "/accounts/password_change/")
    checks.visit("password-change-done", "/accounts/password_change/done/")

    checks.visit("backup", "/backup/import/")
    checks.visit("import-job", f"/backup/import/{site['job'].pk}/")
    checks.visit("csv-import", "/backup/csv/")
    csv = (
        "client_ref,client_name,client_email,currency,invoice_number,issued_on,due_on,amount\n"
        f"oak,Olli Oak,olli@oak.example,EUR,OO-1,{today - timedelta(days=20)},{today},450.00\n"
    )
    page.get_by_label("Spreadsheet (CSV, UTF-8)").set_input_files(
        {"name": "clients.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("button", name="Import these rows")).to_be_visible()
    checks.visit("csv-preview")
    checks.visit("tool-import", "/backup/tools/")
    page.get_by_label("Export file (CSV)").set_input_files(
        str(ROOT / "tests" / "data" / "imports" / "invoiceninja_de.csv")
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("button", name="Update the preview")).to_be_visible()
    checks.visit("tool-preview")

    checks.visit("bank-upload", "/bank/")
    statement = (
        "Date;Amount;Description;Name\n"
        f"{today - timedelta(days=1)};1200,00;Invoice NB-2;Nora North\n"
        f"{today - timedelta(days=1)};-40,00;Printer paper;Paper Shop\n"
    )
    page.get_by_label("Bank statement or payout export").set_input_files(
        {"name": "bank.csv", "mimeType": "text/csv", "buffer": statement.encode()}
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("button", name="Preview the matches")).to_be_visible()
    checks.visit("bank-columns")
    page.get_by_role("button", name="Preview the matches").click()
    expect(page.get_by_label("Invoice 1")).to_have_value("NB-2")
    checks.visit("bank-preview")
    page.get_by_label("Amount 1").fill("5000")
    page.get_by_role("button", name="Record these payments").click()
    expect(page.get_by_text("Nothing was recorded: 2 problems")).to_be_visible()
    checks.visit("bank-preview-errors")
    page.get_by_label("Amount 1").fill("1200,00")
    page.get_by_role("button", name="Record these payments").click()
    expect(page.get_by_text("Recorded 1 payment from the statement.").first).to_be_visible()
    checks.visit("bank-done")

    checks.visit("drop", f"/clients/{frida.pk}/drop/")
    checks.visit("report", f"/reports/{site['report'].pk}/")
