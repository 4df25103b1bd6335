"""A bank statement in a real browser: upload, check the proposed matches, confirm, and
see the invoice paid, the money overdue gone and the client's score change.

The client had paid on time; the freelancer had not recorded it. The statement's date
makes the payment on time, not 56 days late."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clients import backup
from clients.models import Client
from invoices.models import Invoice
from invoices.services import invoice_create
from tests.e2e.browser import expect
from tests.e2e.helpers import backup_document, log_in

pytestmark = pytest.mark.e2e


def camt(day, amount: str, reference: str, payer: str) -> bytes:
    """A one-credit CAMT.053 statement, in the layout of camt.053.001.02."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>{day}</Dt></BookgDt>
<AcctSvcrRef>E2E-1</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr>
</RltdPties><RmtInf><Ustrd>{reference}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>""".encode()


def score_of(page, name: str) -> str:
    row = page.locator("#client-list tbody tr", has=page.get_by_role("link", name=name, exact=True))
    return row.locator("td[data-label=Score]").inner_text().strip()


def test_a_bank_payment_matched_in_the_preview_pays_the_overdue_invoice(page, freelancer):
    backup.backup_import(owner=freelancer, document=backup_document())
    today = timezone.localdate()
    nora = Client.objects.get(ref="north-bakery")
    invoice_create(
        owner=freelancer,
        client=nora,
        fields={
            "number": "NB-0",
            "issued_on": today - timedelta(days=70),
            "due_on": today - timedelta(days=56),
            "amount": Decimal("900.00"),
        },
    )
    log_in(page, "maria")
    expect(page.locator("main")).to_contain_text("overdue across all your clients")
    before = score_of(page, "Nora North")

    page.get_by_role("link", name="Import and backup").click()
    page.get_by_role("link", name="Match a bank statement").click()
    page.get_by_label("Bank statement or payout export").set_input_files(
        {
            "name": "statement.xml",
            "mimeType": "application/xml",
            "buffer": camt(today - timedelta(days=58), "900.00", "Invoice NB-0", "North Bakery"),
        }
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("1 payment came in")).to_be_visible()
    expect(page.get_by_label("Invoice 1")).to_have_value("NB-0")
    expect(page.get_by_label("Amount 1")).to_have_value("900.00")
    page.get_by_role("button", name="Record these payments").click()
    expect(page.locator("#messages")).to_contain_text("Recorded 1 payment from the statement.")

    invoice = Invoice.objects.get(number="NB-0")
    assert invoice.payments.get().paid_on == today - timedelta(days=58)
    page.get_by_role("link", name="Go to your clients").click()
    expect(page.locator("main")).not_to_contain_text("overdue across all your clients")
    assert score_of(page, "Nora North") != before
