"""The outbox under real faults, on PostgreSQL with a real SMTP server: a backend
terminated between a send and its save, a lease running out mid-run, one freelancer's
data breaking their claim while a real Celery worker runs everyone's day."""

import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.mail.backends.smtp import EmailBackend
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clients.services import profile_for
from invoices import reminders
from invoices.models import DailyRunFailure, Reminder
from invoices.tasks import freelancer_daily_run
from tests.backends import killer_connection, terminate
from tests.conftest import skip_or_fail
from tests.test_outbox import broken_claims, overdue  # noqa: F401  (a fixture)
from tests.test_reminders_worker import services, wait_for, worker  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TODAY = timezone.localdate()


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: the failures are real backends and real row locks")


def test_a_backend_terminated_between_a_send_and_its_save_repeats_one_email_with_its_message_id(
    postgres, smtp_server, alice, bob, factories
):
    profile_for(alice)
    profile_for(bob)
    overdue(factories, alice, n=5, email="ap@alices-client.example")
    overdue(factories, bob, email="ap@bobs-client.example")
    killer = killer_connection()
    saves = []

    def terminate_before_the_third_save(execute, sql, params, many, context):
        if sql.startswith('UPDATE "invoices_reminder"') and params and params[0] == "sent":
            saves.append(params)
            if len(saves) == 3:
                terminate(killer, context["connection"].connection.info.backend_pid)
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(terminate_before_the_third_save):
            call_command("send_reminders", stdout=StringIO())
    finally:
        killer.close()
    to = [m["To"] for m in smtp_server.mailbox.messages]
    assert to.count("ap@alices-client.example") == 3  # the third was sent, its save lost
    assert to.count("ap@bobs-client.example") == 1  # the next freelancer's run went on
    assert DailyRunFailure.objects.get().owner == alice
    states = sorted(Reminder.objects.filter(invoice__owner=alice).values_list("state", flat=True))
    assert states == ["pending", "pending", "sending", "sent", "sent"]

    call_command("send_reminders", stdout=StringIO())  # the held one waits for its lease
    with time_machine.travel(timezone.now() + reminders.LEASE + timedelta(seconds=1)):
        call_command("send_reminders", stdout=StringIO())
    ids = [m["Message-ID"] for m in smtp_server.mailbox.messages if m["To"].startswith("ap@alices")]
    assert len(ids) == 6 and len(set(ids)) == 5  # one email repeated, no more
    assert ids.count(ids[2]) == 2  # and it is the one in flight, with the same Message-ID
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
    assert not DailyRunFailure.objects.exists()  # the later run went through


class SlowSMTP(EmailBackend):
    """A real SMTP session that takes its time over each email."""

    def send_messages(self, messages):
        time.sleep(0.4)
        return super().send_messages(messages)


def test_a_lease_running_out_mid_run_sends_no_email_twice(
    postgres, smtp_server, alice, factories, monkeypatch
):
    """Eight emails at 0.4 s each take longer than a one-second lease; a second sender
    starts once the first has held the run for longer than that. Each email is held only
    while it is sent, so the second finds none of the first's to take over."""
    profile_for(alice)
    overdue(factories, alice, n=8)
    reminders.reminders_claim_due(owner=alice, as_of=TODAY)
    monkeypatch.setattr(reminders, "LEASE", timedelta(seconds=1))
    errors = []

    def sender():
        try:
            reminders.reminders_deliver(
                connection=SlowSMTP(host="127.0.0.1", port=smtp_server.port, timeout=5)
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(1.5)
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    ids = [m["Message-ID"] for m in smtp_server.mailbox.messages]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}


def test_a_worker_runs_the_next_freelancers_day_when_one_freelancers_claim_raises(
    worker,  # noqa: F811
    alice,
    bob,
    factories,
    client,
    broken_claims,  # noqa: F811
):
    """PostgreSQL refuses alice's claim (a value out of range): her day fails in
    `reminders_claim_due`, is noted for her, and bob's reminder still goes out."""
    broken_claims(alice, factories)
    profile_for(bob)
    overdue(factories, bob, email="ap@bobs-client.example")
    for user in (alice, bob):
        freelancer_daily_run.delay(user.pk, TODAY.isoformat())
    assert wait_for(lambda: Reminder.objects.filter(state=Reminder.State.SENT).count() == 1)
    assert wait_for(lambda: DailyRunFailure.objects.filter(owner=alice).exists())
    failure = DailyRunFailure.objects.get()
    assert failure.part == "reminders" and "DataError" in failure.error
    assert not Reminder.objects.filter(invoice__owner=alice).exists()  # the claim rolled back
    assert wait_for(lambda: any(m["To"] == "alice@example.com" for m in worker.mailbox.messages)), (
        "alice's digest"
    )
    [digest] = [m for m in worker.mailbox.messages if m["To"] == "alice@example.com"]
    assert "Your daily run stopped with an error" in digest.get_body(("plain",)).get_content()
    client.force_login(alice)
    page = client.get(reverse("profile_settings")).content.decode()
    assert "your payment reminders could not be sent" in page
