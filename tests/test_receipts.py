"""Receipts for payments, through a real SMTP server: sent once, in the client's language,
never lost when the broker or the mail server is down."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients.services import profile_for
from clientwatch.money import format_day, format_money
from invoices import receipts, reminders
from invoices.models import LateFee, Payment, Receipt, Reminder
from invoices.services import payment_record
from invoices.tasks import send_pending_receipts, send_receipt
from tests.conftest import skip_or_fail
from tests.test_client_pages import HTMX, page

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def receipts_on(alice):
    profile = profile_for(alice)
    profile.receipts_enabled = True
    profile.business_name = "Alice Design"
    profile.business_details = "Y-tunnus 1234567-8"
    profile.save()
    return profile


@pytest.fixture
def invoice(alice, factories):
    """Due 40 days ago, unpaid: the reminder ladder can be replayed over it."""
    client = factories.client(owner=alice, name="Slow Pay Ltd", email="ap@slowpay.example")
    return factories.invoice(
        client=client,
        number="INV-7",
        issued_on=TODAY - timedelta(days=54),
        due_on=TODAY - timedelta(days=40),
        amount=Decimal("1200.00"),
    )


@pytest.fixture
def record(celery_eager, django_capture_on_commit_callbacks):
    """Record a payment and run what is queued after commit (the receipt's sending)."""

    def record(invoice, amount: str, **kwargs) -> Payment:
        with django_capture_on_commit_callbacks(execute=True):
            return payment_record(
                invoice=invoice,
                paid_on=kwargs.pop("paid_on", TODAY),
                amount=Decimal(amount),
                **kwargs,
            )

    return record


def bodies(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


# What is sent


def test_a_receipt_is_multipart_to_the_client_with_the_freelancer_in_reply_to(
    smtp_server, receipts_on, invoice, record
):
    payment = record(invoice, "500.00")
    [message] = smtp_server.mailbox.messages
    assert message["To"] == "ap@slowpay.example"
    assert message["Reply-To"] == "alice@example.com"
    assert message["From"] == "Alice Design <noreply@localhost>"
    assert message["Message-ID"] == f"<receipt-{payment.pk}@localhost>"
    assert message["Subject"] == "Receipt for your payment: invoice INV-7"
    assert message.get_content_type() == "multipart/alternative"
    text, html = bodies(message)
    for body in (text, html):
        assert "Thank you for your payment of €500.00 for invoice INV-7" in body
        assert format_day(TODAY) in body
        assert "€700.00" in body  # still owed after this payment
        assert "Alice Design" in body and "Y-tunnus 1234567-8" in body
        assert "paid in full" not in body
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.state == Receipt.State.SENT
    assert receipt.attempts == 1
    assert receipt.recipient == "ap@slowpay.example"
    assert receipt.message_id == message["Message-ID"]
    assert receipt.subject == message["Subject"]
    assert receipt.body_text == text.replace("\r\n", "\n")
    assert "<table" in receipt.body_html
    assert receipt.sent_at is not None


def test_the_payment_that_clears_the_invoice_says_paid_in_full_and_no_more_reminders(
    smtp_server, receipts_on, invoice, record
):
    record(invoice, "200.00")
    record(invoice, "1000.00")
    first, second = smtp_server.mailbox.messages
    assert "€1,000.00" in bodies(first)[0]  # still owed after the first
    for body in bodies(second):
        assert "Invoice INV-7 is now paid in full. No further reminders will be sent for it." in (
            " ".join(body.split())
        )
        assert "Still to pay" not in body


def test_the_balance_is_the_one_this_payment_left_even_when_sent_after_a_later_one(
    smtp_server, receipts_on, invoice, celery_eager
):
    # Both recorded before any sending (the broker was slow): each receipt tells its own.
    first = payment_record(invoice=invoice, paid_on=TODAY, amount=Decimal("200.00"))
    second = payment_record(invoice=invoice, paid_on=TODAY, amount=Decimal("1000.00"))
    receipts.receipt_deliver(receipt_id=second.receipt.pk)
    receipts.receipt_deliver(receipt_id=first.receipt.pk)
    cleared, partial = (bodies(m)[0] for m in smtp_server.mailbox.messages)
    assert "paid in full" in cleared
    assert "€1,000.00" in partial and "paid in full" not in partial


def test_a_finnish_client_gets_amounts_and_dates_the_finnish_way(
    smtp_server, receipts_on, invoice, record
):
    client = invoice.client
    client.language = "fi"
    client.save()
    record(invoice, "500.00", paid_on=TODAY - timedelta(days=2))
    [message] = smtp_server.mailbox.messages
    assert message["Content-Language"] == "fi"
    amount = format_money(Decimal("500.00"), "EUR", "fi")
    owed = format_money(Decimal("700.00"), "EUR", "fi")
    day = format_day(TODAY - timedelta(days=2), "fi")
    assert amount == "500,00\xa0€" and "kuuta" in day  # e.g. "17. marraskuuta 2026"
    for body in bodies(message):
        assert amount in body and owed in body and day in body
        assert "€500.00" not in body


# When one is sent


def test_no_receipt_while_the_freelancer_has_receipts_off(smtp_server, alice, invoice, record):
    assert profile_for(alice).receipts_enabled is False  # the default
    record(invoice, "500.00")
    assert not Receipt.objects.exists()
    assert smtp_server.mailbox.messages == []


def test_no_receipt_for_a_client_with_receipts_off(smtp_server, receipts_on, invoice, record):
    invoice.client.receipts_enabled = False
    invoice.client.save()
    record(invoice, "500.00")
    assert not Receipt.objects.exists()
    assert smtp_server.mailbox.messages == []


def test_no_receipt_when_the_freelancer_unticks_it_for_one_payment(
    smtp_server, receipts_on, invoice, record
):
    record(invoice, "500.00", send_receipt=False)
    assert not Receipt.objects.exists()
    assert smtp_server.mailbox.messages == []


# Once, and never lost


def test_the_task_run_twice_and_the_sweep_send_one_receipt(
    smtp_server, receipts_on, invoice, record
):
    payment = record(invoice, "500.00")
    receipt_id = payment.receipt.pk
    assert send_receipt(receipt_id) == "skipped"  # a duplicate delivery of the task
    assert send_pending_receipts() == {}
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert send_pending_receipts() == {}
    assert len(smtp_server.mailbox.messages) == 1


def test_recording_the_same_payment_twice_quickly_sends_one_receipt(
    smtp_server,
    receipts_on,
    invoice,
    alice_client,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    """A double click on "Record payment": the second is refused (more than is owed), and
    a double click on "Send receipt" claims nothing new."""
    post = {"paid_on": TODAY.isoformat(), "amount": "1200.00", "send_receipt": "on"}
    url = reverse("payment_create", args=[invoice.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_client.post(url, post).status_code == 302
        assert alice_client.post(url, post).status_code == 200  # the form, with the error
    payment = Payment.objects.get(invoice=invoice)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("payment_receipt_send", args=[payment.pk]))
    assert Receipt.objects.count() == 1
    assert len(smtp_server.mailbox.messages) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_racing_for_one_receipt_send_it_once(smtp_server, receipts_on, invoice):
    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: two connections racing for one row")
    smtp_server.mailbox.stall_first_mail = 0.5  # the first sender is slow at the SMTP server
    payment = payment_record(invoice=invoice, paid_on=TODAY, amount=Decimal("500.00"))
    receipt_id = payment.receipt.pk
    start = threading.Barrier(4)
    outcomes = []

    def sender() -> None:
        from django.db import connection

        try:
            start.wait()
            outcomes.append(receipts.receipt_deliver(receipt_id=receipt_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert len(smtp_server.mailbox.messages) == 1


def test_a_refusal_is_retried_after_its_back_off_and_sent_once(
    smtp_server, receipts_on, invoice, record
):
    smtp_server.mailbox.refusals = 1
    payment = record(invoice, "500.00")
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.state == Receipt.State.PENDING
    assert receipt.attempts == 1
    assert "421" in receipt.last_error
    assert send_pending_receipts() == {}  # not before its back-off
    assert smtp_server.mailbox.messages == []
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert send_pending_receipts() == {"sent": 1}
        assert send_pending_receipts() == {}
    receipt.refresh_from_db()
    assert receipt.state == Receipt.State.SENT
    assert receipt.attempts == 2
    assert receipt.last_error == ""
    assert len(smtp_server.mailbox.messages) == 1


def test_a_permanent_refusal_fails_and_the_freelancer_can_send_it_again(
    smtp_server, receipts_on, invoice, record, alice_client, django_capture_on_commit_callbacks
):
    smtp_server.mailbox.refusals = 1
    smtp_server.mailbox.refuse_with = "550 5.1.1 Mailbox unavailable"
    payment = record(invoice, "500.00")
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.state == Receipt.State.FAILED
    with time_machine.travel(timezone.now() + timedelta(hours=7)):
        assert send_pending_receipts() == {}
    html = page(alice_client.get(reverse("invoice_detail", args=[invoice.pk])))
    assert "5.1.1 Mailbox unavailable" in html and "Send again" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("payment_receipt_send", args=[payment.pk]))
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.state == Receipt.State.SENT
    assert len(smtp_server.mailbox.messages) == 1


def test_with_the_broker_down_the_payment_is_saved_and_the_sweep_sends_the_receipt(
    smtp_server, receipts_on, invoice, alice_client, dead_broker, django_capture_on_commit_callbacks
):
    post = {"paid_on": TODAY.isoformat(), "amount": "500.00", "send_receipt": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("payment_create", args=[invoice.pk]), post)
    assert response.status_code == 302  # not a 500
    receipt = Receipt.objects.get(payment__invoice=invoice)
    assert receipt.state == Receipt.State.PENDING
    assert smtp_server.mailbox.messages == []
    # The beat's sweep runs in a worker, whatever happened to the request's queueing.
    assert send_pending_receipts() == {"sent": 1}
    assert len(smtp_server.mailbox.messages) == 1


def late_fee(invoice, amount: str, **kwargs):
    return LateFee.objects.create(
        invoice=invoice,
        kind=kwargs.pop("kind", LateFee.Kind.FLAT),
        stage=kwargs.pop("stage", "paused"),
        amount=Decimal(amount),
        currency=invoice.currency,
        charged_on=TODAY - timedelta(days=3),
        **kwargs,
    )


def test_clearing_the_invoice_with_a_fee_still_open_is_not_paid_in_full(
    smtp_server, receipts_on, invoice, record
):
    late_fee(invoice, "40.00")
    late_fee(invoice, "99.00", stage="final", waived_on=TODAY, waive_note="Goodwill")
    record(invoice, "1200.00")
    [message] = smtp_server.mailbox.messages
    for body in bodies(message):
        flat = " ".join(body.split())
        assert "paid in full" not in flat
        assert "The invoice amount is now paid; late fees are still owed: €40.00." in flat
        assert "€99.00" not in flat  # waived: not owed


def test_a_part_payment_counts_the_open_fees_in_what_is_still_to_pay(
    smtp_server, receipts_on, invoice, record
):
    late_fee(invoice, "40.00")
    record(invoice, "500.00")
    text, html = bodies(smtp_server.mailbox.messages[0])
    assert "Still to pay on this invoice: €740.00" in text
    assert "Late fees included in this: €40.00" in text
    assert "€740.00" in html and "€40.00" in html


def test_paid_in_full_once_the_fees_are_settled_too(smtp_server, receipts_on, invoice, record):
    late_fee(invoice, "40.00", paid_on=TODAY)
    record(invoice, "1200.00")
    text, _html = bodies(smtp_server.mailbox.messages[0])
    assert "Invoice INV-7 is now paid in full." in " ".join(text.split())
    assert "late fees" not in text.lower()


# A clearing payment and the reminder ladder


def test_a_clearing_payment_stops_the_ladder_and_its_receipt_says_so(
    smtp_server, alice, receipts_on, invoice, record
):
    reminders.freelancer_reminders_run(owner=alice, as_of=invoice.due_on + timedelta(days=1))
    # "Work paused" is claimed the morning of day 7, the payment arrives before it is sent.
    reminders.reminders_claim_due(owner=alice, as_of=invoice.due_on + timedelta(days=7))
    record(invoice, "1200.00")
    for day in range(7, 40):
        as_of = invoice.due_on + timedelta(days=day)
        assert reminders.reminders_due(owner=alice, as_of=as_of) == []
        reminders.freelancer_reminders_run(owner=alice, as_of=as_of)
    nudge, receipt = smtp_server.mailbox.messages
    assert "friendly reminder" in nudge["Subject"].lower()
    assert "No further reminders will be sent for it." in " ".join(bodies(receipt)[0].split())
    states = dict(Reminder.objects.filter(invoice=invoice).values_list("stage", "state"))
    assert states == {"nudge": "sent", "paused": "cancelled"}


# Pages


def test_the_payment_form_offers_a_ticked_receipt_box_only_with_both_switches_on(
    alice_client, alice, invoice
):
    url = reverse("invoice_detail", args=[invoice.pk])
    assert 'name="send_receipt"' not in page(alice_client.get(url))
    profile = profile_for(alice)
    profile.receipts_enabled = True
    profile.save()
    html = page(alice_client.get(url))
    assert '<input type="checkbox" name="send_receipt" id="payment-send_receipt" checked>' in html
    assert "Send a receipt to the client" in html
    client_page = page(alice_client.get(reverse("client_detail", args=[invoice.client_id])))
    assert 'name="send_receipt"' in client_page
    invoice.client.receipts_enabled = False
    invoice.client.save()
    assert 'name="send_receipt"' not in page(alice_client.get(url))
    client_page = page(alice_client.get(reverse("client_detail", args=[invoice.client_id])))
    assert 'name="send_receipt"' not in client_page


def test_a_payment_with_the_box_ticked_sends_a_receipt_without_javascript(
    smtp_server,
    receipts_on,
    invoice,
    alice_client,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    post = {"paid_on": TODAY.isoformat(), "amount": "500.00", "send_receipt": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("payment_create", args=[invoice.pk]), post)
    assert response.status_code == 302
    assert len(smtp_server.mailbox.messages) == 1
    html = page(alice_client.get(response.url))
    assert "Payment recorded." in html
    assert "Sent, <time" in html


def test_a_payment_with_htmx_shows_the_receipt_waiting_then_sent(
    smtp_server,
    receipts_on,
    invoice,
    alice_client,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    post = {"paid_on": TODAY.isoformat(), "amount": "500.00", "send_receipt": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("payment_create", args=[invoice.pk]), post, **HTMX)
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<div id="invoice-body"')
    assert "Waiting to be sent" in html  # queued after the commit, sent since
    assert len(smtp_server.mailbox.messages) == 1
    html = page(alice_client.get(reverse("invoice_detail", args=[invoice.pk])))
    assert "Sent, <time" in html


def test_the_client_page_payment_form_with_the_box_unticked_sends_nothing(
    smtp_server,
    receipts_on,
    invoice,
    alice_client,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    post = {"invoice": invoice.pk, "paid_on": TODAY.isoformat(), "amount": "500.00"}
    url = reverse("client_payment_create", args=[invoice.client_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(url, post, **HTMX)
    assert response.status_code == 200
    assert Payment.objects.filter(invoice=invoice).exists()
    assert not Receipt.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(url, post | {"send_receipt": "on"}, **HTMX)
    assert Receipt.objects.count() == 1
    assert len(smtp_server.mailbox.messages) == 1


def test_sending_a_receipt_by_hand_for_a_payment_without_one_with_htmx(
    smtp_server,
    alice,
    invoice,
    alice_client,
    factories,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    payment = factories.payment(invoice=invoice, amount=Decimal("300.00"))
    html = page(alice_client.get(reverse("invoice_detail", args=[invoice.pk])))
    assert "Send receipt" in html
    url = reverse("payment_receipt_send", args=[payment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(url, **HTMX)
    assert "A receipt is on its way to ap@slowpay.example." in page(response, fragment=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(url, **HTMX)
    assert "already sent or on its way" in page(response, fragment=True)
    assert len(smtp_server.mailbox.messages) == 1
    assert alice_client.get(url).status_code == 405


def test_another_freelancer_cannot_send_a_receipt_for_alices_payment(
    client, bob, invoice, factories
):
    payment = factories.payment(invoice=invoice)
    client.force_login(bob)
    assert client.post(reverse("payment_receipt_send", args=[payment.pk])).status_code == 404
    assert not Receipt.objects.exists()


def test_a_receipt_waiting_or_sent_is_not_sent_again_by_hand(receipts_on, invoice):
    payment = payment_record(invoice=invoice, paid_on=TODAY, amount=Decimal("500.00"))
    with pytest.raises(ValidationError, match="already sent or on its way"):
        receipts.receipt_send_by_hand(payment=payment)
