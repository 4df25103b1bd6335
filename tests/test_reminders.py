"""The reminder ladder against a real SMTP server: each stage once, none lost."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from clients.models import Client
from clients.services import profile_for
from clients.wording import Kind, wording_save
from invoices import reminders
from invoices.models import Reminder, Stage
from invoices.services import invoice_update, payment_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def overdue_invoice(alice, factories):
    """Due 40 days ago, unpaid: the whole ladder lies in the past, so days can be replayed."""
    profile = profile_for(alice)
    profile.business_name = "Alice Design"
    wording_save(
        owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language="en", text="IBAN FI00 1234 5678"
    )
    profile.save()
    client = factories.client(owner=alice, name="Slow Pay Ltd", email="ap@slowpay.example")
    return factories.invoice(
        client=client,
        number="INV-7",
        issued_on=TODAY - timedelta(days=54),
        due_on=TODAY - timedelta(days=40),
        amount=Decimal("1200.00"),
    )


def run_day(alice, invoice, day: int) -> dict[str, int]:
    return reminders.freelancer_reminders_run(
        owner=alice, as_of=invoice.due_on + timedelta(days=day)
    )


def stages_sent(invoice) -> list[str]:
    return list(
        Reminder.objects.filter(invoice=invoice, state=Reminder.State.SENT)
        .order_by("sent_at")
        .values_list("stage", flat=True)
    )


def test_days_1_7_and_21_send_the_three_stages_once_each(smtp_server, alice, overdue_invoice):
    for day in range(0, 30):
        run_day(alice, overdue_invoice, day)
        sent = len(smtp_server.mailbox.messages)
        expected = (day >= 1) + (day >= 7) + (day >= 21)
        assert sent == expected, f"day {day}: {sent} emails"
    assert stages_sent(overdue_invoice) == ["nudge", "paused", "final"]
    subjects = [m["subject"] for m in smtp_server.mailbox.messages]
    assert "friendly reminder" in subjects[0].lower()
    assert "paused" in subjects[1].lower()
    assert "final notice" in subjects[2].lower()


def test_a_reminder_is_multipart_to_the_client_with_the_freelancer_in_reply_to(
    smtp_server, alice, overdue_invoice
):
    run_day(alice, overdue_invoice, 1)
    [message] = smtp_server.mailbox.messages
    assert message["To"] == "ap@slowpay.example"
    assert message["Reply-To"] == "alice@example.com"
    assert message["Message-ID"] == f"<reminder-{overdue_invoice.pk}-nudge@localhost>"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "INV-7" in body
        assert "€1,200.00" in body
        assert "IBAN FI00 1234 5678" in body
        assert "slipped through" in body
    reminder = Reminder.objects.get(invoice=overdue_invoice)
    assert reminder.body_text == text.replace("\r\n", "\n")
    assert reminder.recipient == "ap@slowpay.example"


def test_bcc_copy_to_the_freelancer_when_asked(smtp_server, alice, overdue_invoice):
    profile = profile_for(alice)
    profile.reminder_bcc_me = True
    profile.save()
    run_day(alice, overdue_invoice, 1)
    [(_, recipients)] = smtp_server.mailbox.envelopes
    assert sorted(recipients) == ["alice@example.com", "ap@slowpay.example"]


def test_work_paused_stage_pauses_the_client_and_payment_resumes_it(
    smtp_server, alice, overdue_invoice
):
    run_day(alice, overdue_invoice, 1)
    run_day(alice, overdue_invoice, 7)
    client = Client.objects.get(pk=overdue_invoice.client_id)
    assert client.status == Client.Status.PAUSED
    payment_record(invoice=overdue_invoice, paid_on=TODAY, amount=Decimal("1200.00"))
    client.refresh_from_db()
    assert client.status == Client.Status.ACTIVE


def test_a_payment_on_day_5_stops_the_rest_of_the_ladder(smtp_server, alice, overdue_invoice):
    for day in range(0, 5):
        run_day(alice, overdue_invoice, day)
    payment_record(
        invoice=overdue_invoice,
        paid_on=overdue_invoice.due_on + timedelta(days=5),
        amount=Decimal("1200.00"),
    )
    for day in range(5, 30):
        run_day(alice, overdue_invoice, day)
    assert stages_sent(overdue_invoice) == ["nudge"]
    assert len(smtp_server.mailbox.messages) == 1


def test_a_partial_payment_keeps_the_ladder_going_for_the_balance(
    smtp_server, alice, overdue_invoice
):
    payment_record(invoice=overdue_invoice, paid_on=TODAY, amount=Decimal("200.00"))
    run_day(alice, overdue_invoice, 1)
    body = smtp_server.mailbox.messages[0].get_body(("plain",)).get_content()
    assert "€1,000.00" in body


def test_marking_the_invoice_disputed_stops_the_ladder(smtp_server, alice, overdue_invoice):
    run_day(alice, overdue_invoice, 1)
    invoice_update(
        invoice=overdue_invoice, fields={"disputed": True, "dispute_reason": "Says logo was late"}
    )
    for day in range(2, 30):
        run_day(alice, overdue_invoice, day)
    assert stages_sent(overdue_invoice) == ["nudge"]


@pytest.mark.parametrize("switch", ["client", "invoice"])
def test_reminders_switched_off_send_nothing(smtp_server, alice, overdue_invoice, switch):
    target = overdue_invoice.client if switch == "client" else overdue_invoice
    target.reminders_enabled = False
    target.save()
    for day in (1, 7, 21):
        run_day(alice, overdue_invoice, day)
    assert smtp_server.mailbox.messages == []


def test_written_off_and_draft_invoices_get_no_reminders(
    smtp_server, alice, overdue_invoice, factories
):
    overdue_invoice.state = "written_off"
    overdue_invoice.save()
    factories.invoice(
        client=overdue_invoice.client,
        state="draft",
        issued_on=TODAY - timedelta(days=60),
        due_on=TODAY - timedelta(days=40),
    )
    run_day(alice, overdue_invoice, 21)
    assert smtp_server.mailbox.messages == []


def test_running_the_same_day_twice_sends_one_email(smtp_server, alice, overdue_invoice):
    run_day(alice, overdue_invoice, 1)
    run_day(alice, overdue_invoice, 1)
    assert len(smtp_server.mailbox.messages) == 1


def test_a_job_that_missed_days_climbs_one_stage_per_run_without_skipping_the_nudge(
    smtp_server, alice, overdue_invoice
):
    run_day(alice, overdue_invoice, 25)
    assert stages_sent(overdue_invoice) == ["nudge"]
    run_day(alice, overdue_invoice, 26)
    run_day(alice, overdue_invoice, 27)
    assert stages_sent(overdue_invoice) == ["nudge", "paused", "final"]


def test_an_smtp_server_that_refuses_at_first_still_gets_the_email_once(
    smtp_server, alice, overdue_invoice
):
    smtp_server.mailbox.refusals = 2
    run_day(alice, overdue_invoice, 1)
    reminder = Reminder.objects.get(invoice=overdue_invoice)
    assert reminder.state == Reminder.State.PENDING
    assert reminder.attempts == 1
    assert "421" in reminder.last_error
    # Not before its back-off: the next sweep leaves it alone.
    reminders.reminders_deliver()
    assert smtp_server.mailbox.messages == []
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        reminders.reminders_deliver()  # refused again
    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        reminders.reminders_deliver()
        reminders.reminders_deliver()
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT
    assert reminder.attempts == 3
    assert len(smtp_server.mailbox.messages) == 1


def test_a_permanent_refusal_marks_the_reminder_failed(smtp_server, alice, overdue_invoice):
    smtp_server.mailbox.refusals = 1
    smtp_server.mailbox.refuse_with = "550 5.1.1 Mailbox unavailable"
    run_day(alice, overdue_invoice, 1)
    reminder = Reminder.objects.get(invoice=overdue_invoice)
    assert reminder.state == Reminder.State.FAILED
    assert "550" in reminder.last_error
    with time_machine.travel(timezone.now() + timedelta(hours=7)):
        reminders.reminders_deliver()
    assert smtp_server.mailbox.messages == []


def test_a_send_abandoned_by_a_dead_worker_is_taken_over_after_its_lease(
    smtp_server, alice, overdue_invoice
):
    reminders.reminders_claim_due(owner=alice, as_of=overdue_invoice.due_on + timedelta(days=1))
    reminder = Reminder.objects.get(invoice=overdue_invoice)
    # A worker took it and died before finishing.
    Reminder.objects.filter(pk=reminder.pk).update(
        state=Reminder.State.SENDING, claimed_until=timezone.now() + reminders.LEASE
    )
    reminders.reminders_deliver()
    assert smtp_server.mailbox.messages == []
    with time_machine.travel(timezone.now() + reminders.LEASE + timedelta(minutes=1)):
        reminders.reminders_deliver()
    assert len(smtp_server.mailbox.messages) == 1


def test_a_client_in_malay_gets_a_malay_formatted_reminder(smtp_server, alice, overdue_invoice):
    client = overdue_invoice.client
    client.language = "ms"
    client.currency = "MYR"
    client.save()
    overdue_invoice.currency = "MYR"
    overdue_invoice.save()
    run_day(alice, overdue_invoice, 1)
    [message] = smtp_server.mailbox.messages
    assert message["Content-Language"] == "ms"
    assert "RM1,200.00" in message.get_body(("plain",)).get_content()


def test_sending_a_stage_by_hand(smtp_server, alice, overdue_invoice):
    preview = reminders.reminder_send_preview(
        invoice=reminders.remindable_invoices().get(pk=overdue_invoice.pk),
        stage=Stage.NUDGE,
        profile=profile_for(alice),
    )
    send = {"invoice": overdue_invoice, "stage": Stage.NUDGE, "confirmation": preview.confirmation}
    reminder = reminders.reminder_send_now(**send)
    assert reminder.state == Reminder.State.SENT
    assert reminder.trigger == Reminder.Trigger.MANUAL
    with pytest.raises(Exception, match="already sent"):
        reminders.reminder_send_now(**send)
    assert len(smtp_server.mailbox.messages) == 1


def test_send_reminders_command_dry_run_sends_and_writes_nothing(
    smtp_server, alice, overdue_invoice, capsys
):
    as_of = (overdue_invoice.due_on + timedelta(days=1)).isoformat()
    call_command("send_reminders", "--dry-run", "--as-of", as_of, "--user", "alice")
    out = capsys.readouterr().out
    assert "INV-7" in out and "Friendly nudge" in out
    assert not Reminder.objects.exists()
    call_command("send_reminders", "--as-of", as_of, "--user", "alice")
    assert len(smtp_server.mailbox.messages) == 1


def test_send_reminders_command_rejects_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No freelancer"):
        call_command("send_reminders", "--user", "nobody")


def test_reminders_of_one_freelancer_never_touch_another(
    smtp_server, alice, bob, overdue_invoice, factories
):
    profile_for(bob)
    bobs = factories.invoice(
        client=factories.client(owner=bob),
        issued_on=TODAY - timedelta(days=60),
        due_on=TODAY - timedelta(days=40),
    )
    run_day(alice, overdue_invoice, 1)
    assert not Reminder.objects.filter(invoice=bobs).exists()


def _queries_for_a_day_with(n_invoices, factories, settings, username):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = factories.user(username=username)
    profile_for(owner)
    for n in range(n_invoices):
        factories.invoice(
            client=factories.client(owner=owner),
            issued_on=TODAY - timedelta(days=30),
            due_on=TODAY - timedelta(days=2 + n % 5),
        )
    with CaptureQueriesContext(connection) as queries:
        counts = reminders.freelancer_reminders_run(owner=owner, as_of=TODAY)
    assert counts["sent"] == n_invoices
    return len(queries)


# Per reminder: its claim and its outcome, written in one transaction with the next claim,
# and the savepoint that transaction is here (the test runs inside a transaction).
QUERIES_PER_REMINDER = 4


def test_a_day_of_reminders_costs_a_fixed_number_of_queries_per_reminder(factories, settings, db):
    one = _queries_for_a_day_with(1, factories, settings, "one")
    few = _queries_for_a_day_with(3, factories, settings, "few")
    many = _queries_for_a_day_with(30, factories, settings, "many")
    assert few - one == 2 * QUERIES_PER_REMINDER
    assert many - few == 27 * QUERIES_PER_REMINDER
