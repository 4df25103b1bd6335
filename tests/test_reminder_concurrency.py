"""Sending by hand, five clicks at once, on PostgreSQL: one email."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from clients.services import profile_for
from invoices import reminders
from invoices.models import Invoice, LateFee, Reminder, Stage
from redflags.assess import today_for
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: SQLite lets one writer in at a time")


def at_once(count: int, send) -> list[object]:
    """Run `send` in `count` threads released together, each on its own connection."""
    from django.db import connections

    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(n: int) -> None:
        try:
            start.wait()
            results[n] = send()
        except Exception as exc:  # kept to be counted
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def overdue_invoice(factories, owner, days: int) -> Invoice:
    today = today_for(owner)
    client = factories.client(owner=owner, email="ap@slowpay.example")
    return factories.invoice(
        client=client,
        issued_on=today - timedelta(days=days + 14),
        due_on=today - timedelta(days=days),
        amount=Decimal("1200.00"),
    )


def confirmation(invoice: Invoice, stage: Stage) -> str:
    return reminders.reminder_send_preview(
        invoice=reminders.remindable_invoices().get(pk=invoice.pk),
        stage=stage,
        profile=profile_for(invoice.owner),
    ).confirmation


def test_five_sends_by_hand_at_once_send_one_email(postgres, smtp_server, alice, factories):
    profile = profile_for(alice)
    profile.late_fee_flat_amounts = {"EUR": "40.00"}
    profile.late_fees_with_nudge = True  # the nudge charges nothing unless chosen
    profile.save()
    invoice = overdue_invoice(factories, alice, days=3)
    confirmed = confirmation(invoice, Stage.NUDGE)

    results = at_once(
        5,
        lambda: reminders.reminder_send_now(
            invoice=invoice, stage=Stage.NUDGE, confirmation=confirmed
        ),
    )

    sent = [r for r in results if isinstance(r, Reminder)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(sent) == 1 and len(refused) == 4, results
    assert len(smtp_server.mailbox.messages) == 1
    assert Reminder.objects.get().state == Reminder.State.SENT
    assert LateFee.objects.filter(invoice=invoice).count() == 1


def test_sends_by_hand_racing_the_daily_run_send_one_email(postgres, smtp_server, alice, factories):
    invoice = overdue_invoice(factories, alice, days=3)
    confirmed = confirmation(invoice, Stage.NUDGE)
    today = today_for(alice)

    turns = iter(range(4))  # two threads run the day, two click "send now"

    def daily_or_by_hand():
        if next(turns) % 2:
            return reminders.freelancer_reminders_run(owner=alice, as_of=today)
        return reminders.reminder_send_now(
            invoice=invoice, stage=Stage.NUDGE, confirmation=confirmed
        )

    results = at_once(4, daily_or_by_hand)
    assert not [
        r for r in results if isinstance(r, Exception) and not isinstance(r, ValidationError)
    ]
    assert len(smtp_server.mailbox.messages) == 1
    assert list(Reminder.objects.values_list("stage", "state")) == [("nudge", "sent")]
