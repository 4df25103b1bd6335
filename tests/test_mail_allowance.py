"""With sign-up open, an account mails clients only once its address is verified, and at
most CLIENT_MAIL_DAILY_LIMIT a day: reminders and receipts over that wait, with the reason,
for a later run (clientwatch/sending.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from clients.models import VerifiedEmail
from clients.services import profile_for
from invoices import receipts, reminders
from invoices.models import Reminder
from invoices.services import payment_record
from tests.test_outbox import overdue

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def signup_open(settings):
    settings.SIGNUP_OPEN = True
    settings.CLIENT_MAIL_DAILY_LIMIT = 2


def run(owner, as_of=TODAY):
    reminders.reminders_claim_due(owner=owner, as_of=as_of)
    return reminders.reminders_deliver(owner=owner)


def test_an_unverified_account_mails_no_client_until_it_is_verified(smtp_server, alice, factories):
    VerifiedEmail.objects.filter(user=alice).delete()
    overdue(factories, alice)
    run(alice)
    reminder = Reminder.objects.get()
    assert reminder.state == Reminder.State.PENDING
    assert "verify your email address" in reminder.last_error
    assert smtp_server.mailbox.messages == []

    VerifiedEmail.objects.create(user=alice, email=alice.email)
    reminders.reminders_deliver(owner=alice)
    assert Reminder.objects.get().state == Reminder.State.SENT
    assert len(smtp_server.mailbox.messages) == 1


def test_past_the_daily_limit_reminders_wait_for_the_next_day(smtp_server, alice, bob, factories):
    overdue(factories, alice, n=3)
    overdue(factories, bob, email="ap@bobs-client.example")
    run(alice)
    run(bob)
    states = sorted(Reminder.objects.filter(invoice__owner=alice).values_list("state", flat=True))
    assert states == ["pending", "sent", "sent"]
    held = Reminder.objects.get(invoice__owner=alice, state=Reminder.State.PENDING)
    assert "limit of 2 client emails" in held.last_error
    # Bob's allowance is his own.
    assert Reminder.objects.get(invoice__owner=bob).state == Reminder.State.SENT
    assert len(smtp_server.mailbox.messages) == 3

    with time_machine.travel(timezone.now() + timedelta(days=1)):
        reminders.reminders_deliver(owner=alice)
    held.refresh_from_db()
    assert held.state == Reminder.State.SENT
    assert len(smtp_server.mailbox.messages) == 4


def test_a_receipt_waits_while_the_account_is_unverified(smtp_server, alice, factories):
    profile = profile_for(alice)
    profile.receipts_enabled = True
    profile.save()
    VerifiedEmail.objects.filter(user=alice).delete()
    [invoice] = overdue(factories, alice)
    payment = payment_record(invoice=invoice, paid_on=TODAY, amount=Decimal("100.00"))
    assert receipts.receipt_deliver(receipt_id=payment.receipt.pk) == "held"
    payment.receipt.refresh_from_db()
    assert "verify your email address" in payment.receipt.last_error
    assert smtp_server.mailbox.messages == []
    VerifiedEmail.objects.create(user=alice, email=alice.email)
    assert receipts.receipt_deliver(receipt_id=payment.receipt.pk) == "sent"
    assert len(smtp_server.mailbox.messages) == 1
