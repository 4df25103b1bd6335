"""The exit reports, read back with a real PDF reader."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from clients.reports import report_pdf
from clientwatch.money import format_day

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def ending_client(alice, factories):
    client = factories.client(
        owner=alice,
        name="Brightline Fitness",
        company="Brightline LLC",
        language="en",
        started_on=TODAY - timedelta(days=400),
        farewell_letter="Dear Brightline,\n\nI will not renew our contract.",
    )
    paid = factories.invoice(
        client=client,
        number="B-1",
        amount=Decimal("1000.00"),
        issued_on=TODAY - timedelta(days=90),
        due_on=TODAY - timedelta(days=76),
    )
    factories.payment(invoice=paid, paid_on=TODAY - timedelta(days=60), amount=Decimal("1000.00"))
    factories.invoice(
        client=client,
        number="B-2",
        amount=Decimal("750.50"),
        issued_on=TODAY - timedelta(days=40),
        due_on=TODAY - timedelta(days=26),
    )
    for week in range(10):
        factories.work_log(
            client=client,
            worked_on=TODAY - timedelta(days=7 * week),
            hours=Decimal("3.5"),
            description="Campaign design",
            billable=week % 3 != 0,
        )
    factories.account_item(
        client=client, name="Instagram business account", handed_over=True, handed_over_on=TODAY
    )
    factories.account_item(client=client, name="Google Ads")
    factories.incident(
        client=client, category="lying", description="Claimed the brief was approved; it was not."
    )
    factories.step(
        client=client,
        kind="restated_terms",
        addresses="scope_change",
        note="Sent the signed brief back to them.",
    )
    return client


def test_client_handover_report_has_every_section_and_the_right_balance(ending_client):
    reader, text = pdf_text(report_pdf(ending_client, internal=False))
    assert "HANDOVER REPORT" in text  # the cover sets it in capitals
    for heading in (
        "Letter",
        "Work accomplished",
        "Accounts handed back",
        "Statement of account",
        "Main deliverables",
        "Month by month",
    ):
        assert heading in text, heading
    assert "B-1" in text and "B-2" in text
    assert "€750.50" in text  # the balance due
    assert "35.0" in text or "35.00" in text  # total hours
    assert "Not yet handed back" in text
    # Professional: nothing of the incident log.
    assert "Claimed the brief" not in text
    assert "Incident log" not in text
    assert "Steps tried" not in text
    assert "Sent the signed brief back" not in text
    assert reader.metadata.title == "Handover report for Brightline Fitness"
    assert reader.metadata.author == "alice"
    assert 2 <= len(reader.pages) <= 8


def test_internal_record_adds_incidents_reminders_chart_and_history(ending_client):
    reader, text = pdf_text(report_pdf(ending_client, internal=True))
    for heading in (
        "Incident log",
        "Steps tried",
        "Reminders sent",
        "Payment lateness",
        "Assessment history",
        "Statement of account",
    ):
        assert heading in text, heading
    assert "Claimed the brief was approved" in text
    flowing = " ".join(text.split())  # table cells wrap their lines
    assert "Restated terms or boundaries in writing" in flowing
    assert "Sent the signed brief back to them." in flowing
    assert reader.metadata.title.startswith("Internal record")


def test_two_years_of_weekly_work_and_100_invoices_break_across_pages_with_headers(
    alice, factories
):
    from clients.models import WorkLog
    from invoices.models import Invoice

    client = factories.client(
        owner=alice, name="Long Haul Oy", started_on=TODAY - timedelta(days=760)
    )
    WorkLog.objects.bulk_create(
        WorkLog(
            client=client,
            worked_on=TODAY - timedelta(days=7 * week),
            hours=Decimal("6.0"),
            description=f"Sprint {week % 12}",
            billable=True,
        )
        for week in range(104)
    )
    Invoice.objects.bulk_create(
        Invoice(
            owner=alice,
            client=client,
            number=f"LH-{n:03d}",
            currency="EUR",
            issued_on=TODAY - timedelta(days=7 * n + 14),
            due_on=TODAY - timedelta(days=7 * n),
            amount=Decimal("480.00"),
        )
        for n in range(100)
    )
    reader, _ = pdf_text(report_pdf(client, internal=False))
    pages = [page.extract_text() for page in reader.pages]
    statement_pages = [text for text in pages if "LH-0" in text]
    assert len(statement_pages) >= 2
    # The table's header row is repeated on every page the statement runs over.
    assert all("Issued" in text and "Amount" in text for text in statement_pages)
    assert "€48,000.00" in "\n".join(pages)  # 100 invoices of 480, all unpaid


def test_internal_record_lists_each_piece_of_evidence_with_its_date(ending_client, factories):
    factories.incident(
        client=ending_client,
        category="verbal_abuse",
        occurred_on=TODAY - timedelta(days=5),
        description="Shouted on a call.",
        evidence="Call recording 14:05",
        evidence_file="evidence/1/2/call-notes.pdf",
    )
    _, text = pdf_text(report_pdf(ending_client, internal=True))
    assert "Evidence kept" in text
    assert "Call recording 14:05" in text
    assert "call-notes.pdf" in text
    assert format_day(TODAY - timedelta(days=5), "en", "medium") in text
    # Not for the client's eyes.
    _, handover = pdf_text(report_pdf(ending_client, internal=False))
    assert "Evidence kept" not in handover
    assert "call-notes.pdf" not in handover
