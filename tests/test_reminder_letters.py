"""Reminder letters (PDF) and the statement sent with the final notice, through real SMTP."""

import html
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from clients.services import profile_for
from clients.wording import Kind, wording_save
from clientwatch.money import format_day, format_money
from invoices import reminders
from invoices.letters import reminder_attachments, reminder_letter_html, reminder_letter_pdf
from invoices.models import Reminder, Stage

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\u00a0\u202f]", " ", text)


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def profile(alice):
    profile = profile_for(alice)
    profile.business_name = "Alice Design"
    profile.business_details = "1 Harbour Street\nHelsinki"
    wording_save(
        owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language="en", text="IBAN FI00 1234 5678"
    )
    profile.save()
    return profile


@pytest.fixture
def overdue_invoice(alice, profile, factories):
    """Due 40 days ago, unpaid: the whole ladder lies in the past, so days can be replayed."""
    client = factories.client(
        owner=alice, name="Slow Pay Ltd", company="Slow Pay Group", email="ap@slowpay.example"
    )
    return factories.invoice(
        client=client,
        number="INV-7",
        issued_on=TODAY - timedelta(days=54),
        due_on=TODAY - timedelta(days=40),
        amount=Decimal("1200.00"),
    )


def switch(profile, **flags):
    for name, value in flags.items():
        setattr(profile, name, value)
    profile.save()


def run_day(alice, invoice, day: int) -> dict[str, int]:
    return reminders.freelancer_reminders_run(
        owner=alice, as_of=invoice.due_on + timedelta(days=day)
    )


def pdf_parts(message) -> list:
    return [
        part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"
    ]


# --- The letter ---------------------------------------------------------------------


@pytest.mark.parametrize("stage", list(Stage))
def test_a_letter_says_what_the_email_of_its_stage_says(overdue_invoice, profile, stage):
    letter = words(html.unescape(re.sub(r"<[^>]+>", " ", reminder_letter_html(
        overdue_invoice, stage, profile, as_of=TODAY
    ))))  # fmt: skip
    email = reminders.reminder_render(overdue_invoice, stage, profile)
    paragraphs = [words(p) for p in email.text.split("\n\n") if p.strip()]
    assert paragraphs[0] == "Dear Slow Pay Ltd,"
    for paragraph in paragraphs[:2]:  # the greeting, and the stage's own wording
        assert paragraph in letter
    assert email.subject in letter


def test_the_letter_pdf_has_letterhead_addressee_subject_details_and_how_to_pay(
    overdue_invoice, profile
):
    text = pdf_text(reminder_letter_pdf(overdue_invoice, Stage.FINAL, profile, as_of=TODAY))
    for expected in (
        "Alice Design",
        "1 Harbour Street",
        "Slow Pay Ltd",
        "Slow Pay Group",
        format_day(TODAY, "en"),
        "Final notice: invoice INV-7",
        "INV-7",
        "€1,200.00",
        format_day(overdue_invoice.due_on, "en"),
        "IBAN FI00 1234 5678",
        "Kind regards,",
    ):
        assert expected in text, expected


def test_own_words_replace_the_default_wording_in_the_letter_too(overdue_invoice, profile):
    wording_save(
        owner=profile.user,
        kind=Kind.REMINDER_NUDGE,
        language="en",
        text="Could you look into this invoice for me?",
    )
    text = pdf_text(reminder_letter_pdf(overdue_invoice, Stage.NUDGE, profile, as_of=TODAY))
    assert "Could you look into this invoice for me?" in text
    assert "slipped through" not in text


def test_a_finnish_clients_letter_has_finnish_amounts_and_dates(alice, profile, factories):
    client = factories.client(owner=alice, name="Hidas Oy", language="fi", currency="EUR")
    invoice = factories.invoice(
        client=client,
        number="FI-9",
        amount=Decimal("1234.50"),
        issued_on=TODAY - timedelta(days=30),
        due_on=TODAY - timedelta(days=16),
    )
    text = pdf_text(reminder_letter_pdf(invoice, Stage.NUDGE, profile, as_of=TODAY))
    assert format_money(Decimal("1234.50"), "EUR", "fi").replace("\u00a0", " ") in text
    assert format_day(invoice.due_on, "fi") in text
    assert format_day(TODAY, "fi") in text
    assert "FI-9" in text


def test_attachments_follow_the_profile_switches(overdue_invoice, profile):
    assert reminder_attachments(overdue_invoice, Stage.FINAL, profile, as_of=TODAY) == []
    switch(profile, letter_with_nudge=True, statement_with_final=True)
    [(name, content, mimetype)] = reminder_attachments(
        overdue_invoice, Stage.NUDGE, profile, as_of=TODAY
    )
    assert (name, mimetype) == ("letter-INV-7-nudge.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    # The statement goes with the final notice only.
    assert reminder_attachments(overdue_invoice, Stage.PAUSED, profile, as_of=TODAY) == []
    names = [
        n for n, _, _ in reminder_attachments(overdue_invoice, Stage.FINAL, profile, as_of=TODAY)
    ]
    assert names == [f"statement-{overdue_invoice.client.ref}-{TODAY.isoformat()}.pdf"]


# --- Sent with the final notice -----------------------------------------------------


def test_the_final_notice_arrives_with_the_letter_and_the_statement_as_pdfs(
    smtp_server, alice, profile, overdue_invoice
):
    switch(profile, letter_with_final=True, statement_with_final=True)
    for day in (1, 7, 21):
        run_day(alice, overdue_invoice, day)
    nudge, paused, final = smtp_server.mailbox.messages
    assert pdf_parts(nudge) == [] and pdf_parts(paused) == []
    parts = pdf_parts(final)
    names = [part.get_filename() for part in parts]
    assert names == [
        "letter-INV-7-final.pdf",
        f"statement-{overdue_invoice.client.ref}-{TODAY.isoformat()}.pdf",
    ]
    letter, statement = (pdf_text(part.get_content()) for part in parts)
    assert "INV-7" in letter and "Final notice: invoice INV-7" in letter
    assert "INV-7" in statement and "Statement of account" in statement
    assert "€1,200.00" in statement
    # The email itself still has its text and HTML versions.
    assert "INV-7" in final.get_body(("plain",)).get_content()
    assert final.get_body(("html",)) is not None
    sent = Reminder.objects.get(invoice=overdue_invoice, stage=Stage.FINAL)
    assert sent.attachments == names
    assert Reminder.objects.get(invoice=overdue_invoice, stage=Stage.NUDGE).attachments == []


def test_with_the_switches_off_no_reminder_has_an_attachment(
    smtp_server, alice, profile, overdue_invoice
):
    for day in (1, 7, 21):
        run_day(alice, overdue_invoice, day)
    assert len(smtp_server.mailbox.messages) == 3
    assert all(pdf_parts(m) == [] for m in smtp_server.mailbox.messages)
    assert all(
        m.get_content_type() == "multipart/alternative" for m in smtp_server.mailbox.messages
    )
    assert list(Reminder.objects.values_list("attachments", flat=True)) == [[], [], []]


def test_a_letter_that_will_not_render_fails_the_reminder_instead_of_sending_without(
    smtp_server, alice, profile, overdue_invoice, monkeypatch
):
    switch(profile, letter_with_nudge=True)

    def broken(*args, **kwargs):
        raise RuntimeError("no fonts")

    monkeypatch.setattr("invoices.letters.html_to_pdf", broken)
    run_day(alice, overdue_invoice, 1)
    assert smtp_server.mailbox.messages == []
    reminder = Reminder.objects.get(invoice=overdue_invoice)
    assert reminder.state == Reminder.State.FAILED
    assert "no fonts" in reminder.last_error


def test_the_reminder_page_names_the_files_sent(
    smtp_server, alice_client, alice, profile, overdue_invoice
):
    switch(profile, letter_with_nudge=True)
    run_day(alice, overdue_invoice, 1)
    reminder = Reminder.objects.get(invoice=overdue_invoice)
    page = alice_client.get(reverse("reminder_detail", args=[reminder.pk])).content.decode()
    assert "letter-INV-7-nudge.pdf" in page


# --- The letter as a download -------------------------------------------------------


def test_the_freelancer_downloads_a_stages_letter(alice_client, overdue_invoice):
    url = reverse("reminder_letter_pdf", args=[overdue_invoice.pk, "paused"])
    response = alice_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "letter-INV-7-paused.pdf" in response["Content-Disposition"]
    text = pdf_text(b"".join(response.streaming_content))
    assert "Work paused until invoice INV-7 is settled" in text


def test_another_freelancer_gets_404_for_the_letter_and_an_unknown_stage_is_404(
    client, alice_client, bob, overdue_invoice
):
    assert (
        alice_client.get(f"/invoices/{overdue_invoice.pk}/reminders/later/letter.pdf").status_code
        == 404
    )
    client.force_login(bob)
    url = reverse("reminder_letter_pdf", args=[overdue_invoice.pk, "final"])
    assert client.get(url).status_code == 404


def test_the_preview_links_to_the_letter_version(alice_client, alice, factories):
    client = factories.client(owner=alice)
    # Overdue long enough for a final notice: the preview shows only what can go out.
    invoice = factories.invoice(client=client, issued_on=TODAY - timedelta(days=54))
    page = alice_client.get(f"/invoices/{invoice.pk}/reminders/final/")
    assert f"/invoices/{invoice.pk}/reminders/final/letter.pdf" in page.text
