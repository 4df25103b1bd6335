"""Clients on autopay: no reminders until a failed payment is recorded, then the usual ladder."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients.services import profile_for
from invoices import reminders
from invoices.models import Invoice, Reminder
from invoices.services import (
    invoice_autopay_failed,
    invoice_autopay_failed_cleared,
    payment_record,
)
from tests.test_client_pages import HTMX, page

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def autopay_invoice(alice, factories):
    """An autopay client's invoice, due 40 days ago and unpaid."""
    profile_for(alice)
    client = factories.client(
        owner=alice, name="Standing Order Oy", email="ap@standing.example", autopay=True
    )
    return factories.invoice(
        client=client,
        number="INV-9",
        issued_on=TODAY - timedelta(days=54),
        due_on=TODAY - timedelta(days=40),
        amount=Decimal("900.00"),
    )


def day(invoice, n: int):
    return invoice.due_on + timedelta(days=n)


def test_an_autopay_clients_overdue_invoice_gets_no_reminder_on_day_1_7_or_21(
    smtp_server, alice, autopay_invoice
):
    for n in (1, 7, 21):
        with time_machine.travel(day(autopay_invoice, n)):
            as_of = timezone.localdate()
            assert reminders.reminders_due(owner=alice, as_of=as_of) == []
            reminders.freelancer_reminders_run(owner=alice, as_of=as_of)
    assert smtp_server.mailbox.messages == []
    assert not Reminder.objects.exists()


def test_once_a_failure_is_recorded_the_nudge_goes_out_and_the_ladder_climbs(
    smtp_server, alice, autopay_invoice
):
    reminders.freelancer_reminders_run(owner=alice, as_of=day(autopay_invoice, 3))
    with time_machine.travel(day(autopay_invoice, 3)):
        invoice_autopay_failed(invoice=autopay_invoice, failed_on=day(autopay_invoice, 2))
    autopay_invoice.refresh_from_db()
    assert autopay_invoice.autopay_failed_on == day(autopay_invoice, 2)
    reminders.freelancer_reminders_run(owner=alice, as_of=day(autopay_invoice, 4))
    [nudge] = smtp_server.mailbox.messages
    assert nudge["To"] == "ap@standing.example"
    assert "friendly reminder" in nudge["Subject"].lower()
    for n in range(5, 30):
        reminders.freelancer_reminders_run(owner=alice, as_of=day(autopay_invoice, n))
    sent = Reminder.objects.filter(invoice=autopay_invoice, state=Reminder.State.SENT)
    assert sorted(sent.values_list("stage", flat=True)) == ["final", "nudge", "paused"]


def test_clearing_a_failure_recorded_by_mistake_holds_the_reminders_again(
    smtp_server, alice, autopay_invoice
):
    invoice_autopay_failed(invoice=autopay_invoice, failed_on=TODAY)
    invoice_autopay_failed_cleared(invoice=autopay_invoice)
    assert Invoice.objects.get(pk=autopay_invoice.pk).autopay_failed_on is None
    reminders.freelancer_reminders_run(owner=alice, as_of=day(autopay_invoice, 1))
    assert smtp_server.mailbox.messages == []


# Validation


def test_a_failure_cannot_be_recorded_for_a_client_not_on_autopay(autopay_invoice):
    autopay_invoice.client.autopay = False
    autopay_invoice.client.save()
    with pytest.raises(ValidationError, match="does not pay by autopay"):
        invoice_autopay_failed(invoice=autopay_invoice, failed_on=TODAY)


def test_a_failure_cannot_be_dated_in_the_future_or_before_the_invoice(autopay_invoice):
    with pytest.raises(ValidationError) as future:
        invoice_autopay_failed(invoice=autopay_invoice, failed_on=TODAY + timedelta(days=1))
    assert future.value.message_dict == {
        "failed_on": ["The failure cannot be dated in the future."]
    }
    with pytest.raises(ValidationError) as early:
        invoice_autopay_failed(
            invoice=autopay_invoice, failed_on=autopay_invoice.issued_on - timedelta(days=1)
        )
    assert "before the invoice was issued" in str(early.value)
    assert Invoice.objects.get(pk=autopay_invoice.pk).autopay_failed_on is None


@pytest.mark.parametrize("state", ["draft", "written_off"])
def test_a_failure_is_only_for_a_sent_invoice(autopay_invoice, state):
    autopay_invoice.state = state
    autopay_invoice.save()
    with pytest.raises(ValidationError, match="Only a sent invoice"):
        invoice_autopay_failed(invoice=autopay_invoice, failed_on=TODAY)


def test_a_failure_is_not_for_an_invoice_paid_in_full(autopay_invoice):
    payment_record(invoice=autopay_invoice, paid_on=TODAY, amount=Decimal("900.00"))
    with pytest.raises(ValidationError, match="already paid in full"):
        invoice_autopay_failed(invoice=autopay_invoice, failed_on=TODAY)


# Pages


def test_the_invoice_page_shows_the_autopay_badge_and_the_failure_form(
    alice_client, autopay_invoice
):
    html = page(alice_client.get(reverse("invoice_detail", args=[autopay_invoice.pk])))
    assert '<span class="badge" title="The client pays by standing order or autopay">' in html
    assert "held: the client pays by autopay" in html
    assert (
        'action="{}"'.format(reverse("invoice_autopay_failed", args=[autopay_invoice.pk])) in html
    )
    assert "Record a failed autopay payment" in html


def test_an_ordinary_clients_invoice_page_has_no_autopay_badge_or_form(
    alice_client, factories, acme
):
    invoice = factories.invoice(client=acme)
    html = page(alice_client.get(reverse("invoice_detail", args=[invoice.pk])))
    assert "Autopay" not in html
    assert "Record a failed autopay payment" not in html


def test_recording_a_failure_without_javascript_redirects_to_the_invoice(
    alice_client, autopay_invoice
):
    url = reverse("invoice_autopay_failed", args=[autopay_invoice.pk])
    response = alice_client.post(url, {"failed_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert response.url == reverse("invoice_detail", args=[autopay_invoice.pk])
    assert Invoice.objects.get(pk=autopay_invoice.pk).autopay_failed_on == TODAY
    html = page(alice_client.get(response.url))
    assert "Failed autopay payment recorded: reminders for INV-9 run as usual." in html
    assert "reminders run as usual for this invoice" in html
    assert "Undo: hold reminders again" in html


def test_recording_a_failure_with_htmx_swaps_the_invoice_body(alice_client, autopay_invoice):
    url = reverse("invoice_autopay_failed", args=[autopay_invoice.pk])
    response = alice_client.post(url, {"failed_on": TODAY.isoformat()}, **HTMX)
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<div id="invoice-body"')
    assert "reminders run as usual for this invoice" in html
    response = alice_client.post(
        reverse("invoice_autopay_failed_cleared", args=[autopay_invoice.pk]), **HTMX
    )
    assert "Reminders for INV-9 are held again." in page(response, fragment=True)
    assert Invoice.objects.get(pk=autopay_invoice.pk).autopay_failed_on is None


def test_a_future_date_is_refused_with_and_without_htmx(alice_client, autopay_invoice):
    url = reverse("invoice_autopay_failed", args=[autopay_invoice.pk])
    post = {"failed_on": (TODAY + timedelta(days=3)).isoformat()}
    response = alice_client.post(url, post, **HTMX)
    assert response.status_code == 422
    assert "The failure cannot be dated in the future." in response.content.decode()
    response = alice_client.post(url, post)
    assert response.status_code == 422
    html = response.content.decode()
    assert "The failure cannot be dated in the future." in html
    assert "<h1>Invoice INV-9</h1>" in html  # the whole page, the form with its error
    assert Invoice.objects.get(pk=autopay_invoice.pk).autopay_failed_on is None


def test_a_client_not_on_autopay_is_refused_on_the_page(alice_client, factories, acme):
    invoice = factories.invoice(client=acme)
    url = reverse("invoice_autopay_failed", args=[invoice.pk])
    response = alice_client.post(url, {"failed_on": TODAY.isoformat()}, **HTMX)
    assert response.status_code == 422
    assert "This client does not pay by autopay." in response.content.decode()


def test_another_freelancer_gets_404_on_the_autopay_actions(client, bob, autopay_invoice):
    client.force_login(bob)
    for name in ("invoice_autopay_failed", "invoice_autopay_failed_cleared"):
        response = client.post(reverse(name, args=[autopay_invoice.pk]), {"failed_on": TODAY})
        assert response.status_code == 404
    assert Invoice.objects.get(pk=autopay_invoice.pk).autopay_failed_on is None


def test_the_reminder_preview_says_reminders_are_held_for_autopay(alice_client, autopay_invoice):
    url = reverse("reminder_preview", args=[autopay_invoice.pk, "nudge"])
    assert "Reminders are held for this invoice" in page(alice_client.get(url))
    invoice_autopay_failed(invoice=autopay_invoice, failed_on=TODAY)
    assert "Reminders are held for this invoice" not in page(alice_client.get(url))
