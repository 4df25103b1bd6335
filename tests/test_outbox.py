"""The outbox: reminders, receipts and digests claimed, sent and saved one at a time, and
one freelancer's failure kept to that freelancer."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from clients.services import profile_for
from clientwatch import outbox
from invoices import reminders
from invoices.digest import digest_send
from invoices.models import DailyRunFailure, Digest, Reminder
from invoices.tasks import dispatch_daily_runs, freelancer_daily_run, retry_pending_reminders

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def overdue(factories, owner, n=1, amount=Decimal("500.00"), email="ap@late.example"):
    client = factories.client(owner=owner, email=email)
    return [
        factories.invoice(
            client=client,
            issued_on=TODAY - timedelta(days=30),
            due_on=TODAY - timedelta(days=2),
            amount=amount,
        )
        for _ in range(n)
    ]


TRIGGER = "refuse_reminders_for_one_invoice"


def _drop_trigger() -> None:
    with connection.cursor() as cursor:
        on = " ON invoices_reminder" if connection.vendor == "postgresql" else ""
        cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}{on}")


@pytest.fixture
def broken_claims():
    """Makes one freelancer's daily claim fail in the database, as a value out of range
    for its column would (PostgreSQL: a DataError): a trigger refuses the reminder rows of
    one of their invoices. Returns the function that breaks it for an owner; the trigger
    is dropped afterwards, also after tests that commit."""

    def break_for(owner, factories):
        profile_for(owner)
        [invoice] = overdue(factories, owner, email="big@late.example")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE FUNCTION {TRIGGER}() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.invoice_id = {invoice.pk} THEN RAISE EXCEPTION "
                    "'value out of range' USING ERRCODE = '22003'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON invoices_reminder "
                    f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
                )
            else:
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON invoices_reminder "
                    f"WHEN NEW.invoice_id = {invoice.pk} "
                    "BEGIN SELECT RAISE(ABORT, 'value out of range'); END"
                )
        return invoice

    yield break_for
    _drop_trigger()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")


def test_claim_has_one_winner_and_a_copy_read_before_another_try_loses(alice, factories):
    overdue(factories, alice)
    reminders.reminders_claim_due(owner=alice, as_of=TODAY)
    first = Reminder.objects.get()
    second = Reminder.objects.get()
    assert outbox.claim(first, lease=reminders.LEASE)
    assert not outbox.claim(second, lease=reminders.LEASE)
    assert outbox.mark_failed(first, TimeoutError("timed out"))
    # Pending again, but not before its back-off; and `second` was read before that try.
    assert first.state == Reminder.State.PENDING and first.next_attempt_at > timezone.now()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert not outbox.claim(second, lease=reminders.LEASE)
        second.refresh_from_db()
        assert outbox.claim(second, lease=reminders.LEASE)
    assert second.attempts == 2


def test_an_outcome_is_written_only_by_the_sender_that_holds_the_row(alice, factories):
    overdue(factories, alice)
    reminders.reminders_claim_due(owner=alice, as_of=TODAY)
    late = Reminder.objects.get()
    assert outbox.claim(late, lease=timedelta(seconds=1))
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        heir = Reminder.objects.get()
        assert outbox.claim(heir, lease=reminders.LEASE)  # the lease ran out: taken over
        assert not outbox.mark_sent(late, message_id="<late@x>")
        assert outbox.mark_sent(heir, message_id="<heir@x>")
    assert Reminder.objects.get().message_id == "<heir@x>"


def test_each_reminder_is_saved_before_the_next_is_sent(smtp_server, alice, factories):
    """The database goes away right after the second send: the first is saved as sent,
    the second stays held by the dead run, the rest are untouched. After the lease only
    the second goes out again, under the same Message-ID."""
    overdue(factories, alice, n=4)
    reminders.reminders_claim_due(owner=alice, as_of=TODAY)
    saves = []

    def lose_the_second_save(execute, sql, params, many, context):
        if sql.startswith('UPDATE "invoices_reminder"') and params and params[0] == "sent":
            saves.append(sql)
            if len(saves) == 2:
                raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(lose_the_second_save), pytest.raises(OperationalError):
        reminders.reminders_deliver(owner=alice)
    states = list(Reminder.objects.order_by("id").values_list("state", flat=True))
    assert states == ["sent", "sending", "pending", "pending"]
    assert len(smtp_server.mailbox.messages) == 2

    reminders.reminders_deliver(owner=alice)  # the held one waits for its lease
    assert len(smtp_server.mailbox.messages) == 4
    with time_machine.travel(timezone.now() + reminders.LEASE + timedelta(seconds=1)):
        reminders.reminders_deliver(owner=alice)
    ids = [m["Message-ID"] for m in smtp_server.mailbox.messages]
    assert len(ids) == 5 and len(set(ids)) == 4
    assert ids[1] == ids[4]  # the one repeated carries the same Message-ID
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}


def test_one_freelancers_broken_data_stops_only_their_run_and_shows_on_their_settings_page(
    smtp_server, alice, bob, factories, client, broken_claims
):
    broken_claims(alice, factories)
    profile_for(bob)
    overdue(factories, bob, email="ap@bobs-client.example")
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert "Stopped by an error, noted for them: alice" in out.getvalue()
    assert [m["To"] for m in smtp_server.mailbox.messages] == ["ap@bobs-client.example"]
    failure = DailyRunFailure.objects.get()
    assert failure.owner == alice and failure.part == "reminders"

    client.force_login(alice)
    page = client.get(reverse("profile_settings")).content.decode()
    assert "Your daily run stopped with an error" in page
    assert "your payment reminders could not be sent" in page
    client.force_login(bob)
    assert "daily-run-failure" not in client.get(reverse("profile_settings")).content.decode()


def test_a_failing_day_finishes_the_task_names_the_failure_and_the_digest_says_so(
    alice, factories, mailoutbox, broken_claims
):
    broken_claims(alice, factories)
    for day in range(2):  # the same failure twice does not make the task fail
        outcome = freelancer_daily_run(alice.pk, (TODAY + timedelta(days=day)).isoformat())
        assert outcome["failed"] == ["reminders"]
        assert outcome["digest"] == Digest.State.SENT
    digest = mailoutbox[-1]
    assert "Your daily run stopped with an error" in digest.body
    assert "your payment reminders could not be sent" in digest.alternatives[0][0]

    # The fault is put right: the next day's run goes through and the notice goes.
    _drop_trigger()
    outcome = freelancer_daily_run(alice.pk, (TODAY + timedelta(days=2)).isoformat())
    assert outcome["failed"] == []
    assert not DailyRunFailure.objects.exists()


@pytest.fixture
def smtp_digest(smtp_server, alice, factories):
    profile_for(alice)
    overdue(factories, alice)
    return smtp_server


def test_a_refused_digest_is_retried_after_its_back_off_with_the_same_message_id(
    smtp_digest, alice
):
    smtp_digest.mailbox.refusals = 1
    assert digest_send(owner=alice, for_date=TODAY) == Digest.State.PENDING
    digest = Digest.objects.get()
    assert digest.attempts == 1 and "421" in digest.last_error
    assert digest.next_attempt_at > timezone.now() and digest.subject  # kept for the retry
    assert digest_send(owner=alice, for_date=TODAY) == "skipped"  # not before its back-off
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert digest_send(owner=alice, for_date=TODAY) == Digest.State.SENT
        assert digest_send(owner=alice, for_date=TODAY) == "skipped"
    [message] = smtp_digest.mailbox.messages
    digest.refresh_from_db()
    assert (
        message["Message-ID"]
        == digest.message_id
        == f"<digest-{alice.pk}-{TODAY}@" + (reminders.mail_domain() + ">")
    )
    assert digest.attempts == 2 and digest.last_error == ""


def test_a_digest_refused_for_good_is_not_tried_again(smtp_digest, alice):
    smtp_digest.mailbox.refusals = 1
    smtp_digest.mailbox.refuse_with = "550 5.1.1 Mailbox unavailable"
    assert digest_send(owner=alice, for_date=TODAY) == Digest.State.FAILED
    with time_machine.travel(timezone.now() + timedelta(hours=7)):
        assert digest_send(owner=alice, for_date=TODAY) == "skipped"
    assert smtp_digest.mailbox.messages == []


def test_a_reminder_held_by_a_sender_past_its_last_attempt_is_given_up(
    smtp_server, alice, factories
):
    """Attempts count from the claim: a sender that keeps dying mid-send uses them up."""
    overdue(factories, alice)
    reminders.reminders_claim_due(owner=alice, as_of=TODAY)
    Reminder.objects.update(attempts=outbox.MAX_ATTEMPTS - 1)
    smtp_server.mailbox.refusals = 1
    reminders.reminders_deliver(owner=alice)
    reminder = Reminder.objects.get()
    assert reminder.state == Reminder.State.FAILED
    assert reminder.attempts == outbox.MAX_ATTEMPTS


def test_the_hourly_dispatch_runs_a_day_again_once_its_refused_digest_is_due(
    smtp_digest, alice, celery_eager
):
    profile = profile_for(alice)
    profile.time_zone, profile.digest_hour = "UTC", 0
    profile.save()
    smtp_digest.mailbox.refusals = 2  # the day's reminder, then the digest
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(noon, tick=False):
        assert dispatch_daily_runs() == 1
        assert Digest.objects.get().state == Digest.State.PENDING
        assert dispatch_daily_runs() == 0  # waiting for its back-off
    with time_machine.travel(noon + timedelta(minutes=2), tick=False):
        # The refused reminder is the outbox sweep's to send again; the day's reminder run
        # went through (it claimed and tried), so the dispatch runs the digest alone.
        assert retry_pending_reminders()["sent"] == 1
        assert dispatch_daily_runs() == 1
        assert dispatch_daily_runs() == 0
    assert Digest.objects.get().state == Digest.State.SENT
    assert [m["To"] for m in smtp_digest.mailbox.messages] == [
        "ap@late.example",
        "alice@example.com",
    ]


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_a_waiting_receipts_back_off_to_next_attempt_at():
    from django.db.migrations.executor import MigrationExecutor

    from invoices.models import Receipt
    from tests.factories import ClientFactory, UserFactory

    executor = MigrationExecutor(connection)
    old = [("invoices", "0004_reminder_skipped")]
    new = executor.loader.graph.leaf_nodes("invoices")
    later = timezone.now() + timedelta(minutes=16)
    try:
        executor.migrate(old)
        apps = executor.loader.project_state(old).apps
        # Only invoices went back: the client comes from today's models.
        client = ClientFactory(owner=UserFactory(username="carol"))
        invoice = apps.get_model("invoices", "Invoice").objects.create(
            owner_id=client.owner_id,
            client_id=client.pk,
            number="INV-1",
            due_on=TODAY,
            amount=1,
            currency="EUR",
        )
        OldPayment = apps.get_model("invoices", "Payment")
        OldReceipt = apps.get_model("invoices", "Receipt")
        waiting = OldReceipt.objects.create(
            payment=OldPayment.objects.create(invoice=invoice, amount=1),
            state="pending",
            attempts=2,
            claimed_until=later,
        )
        held = OldReceipt.objects.create(
            payment=OldPayment.objects.create(invoice=invoice, amount=1),
            state="sending",
            claimed_until=later,
        )
        MigrationExecutor(connection).migrate(new)
        waiting = Receipt.objects.get(pk=waiting.pk)
        assert (waiting.next_attempt_at, waiting.claimed_until) == (later, None)
        held = Receipt.objects.get(pk=held.pk)
        assert (held.next_attempt_at, held.claimed_until) == (None, later)
    finally:
        MigrationExecutor(connection).migrate(new)


def test_a_receipt_left_mid_send_is_taken_over_after_its_lease_under_its_message_id(
    smtp_server, alice, factories
):
    from invoices.models import Receipt
    from invoices.receipts import receipts_deliver

    profile = profile_for(alice)
    profile.receipts_enabled = True
    profile.save()
    [invoice] = overdue(factories, alice)
    payment = factories.payment(invoice=invoice, amount=Decimal("100.00"))
    # A sender claimed it and died before saving what happened.
    receipt = Receipt.objects.create(
        payment=payment,
        state=Receipt.State.SENDING,
        attempts=1,
        claimed_until=timezone.now() + reminders.LEASE,
    )
    assert receipts_deliver() == {}
    with time_machine.travel(timezone.now() + reminders.LEASE + timedelta(seconds=1)):
        assert receipts_deliver() == {"sent": 1}
        assert receipts_deliver() == {}
    [message] = smtp_server.mailbox.messages
    receipt.refresh_from_db()
    assert (
        message["Message-ID"]
        == receipt.message_id
        == f"<receipt-{payment.pk}@" + (reminders.mail_domain() + ">")
    )
    assert receipt.attempts == 2 and receipt.claim_token == ""
