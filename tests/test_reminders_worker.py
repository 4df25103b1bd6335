"""Reminders through a real Celery worker on a real Redis broker and PostgreSQL."""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from clients.services import profile_for
from clientwatch.celery import app
from invoices.models import Reminder
from invoices.tasks import freelancer_daily_run, retry_pending_reminders
from tests.conftest import skip_or_fail
from tests.mailserver import SMTPServer

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def services():
    if not os.environ.get("REDIS_URL"):
        skip_or_fail("needs REDIS_URL (a real Redis) for a real Celery worker")
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL so a worker process sees the test database")


def start_worker(smtp: SMTPServer, name: str, **extra_env: str) -> subprocess.Popen:
    """A real `celery worker` process (in its own process group) on the test database,
    mailing to a real SMTP server; returns once it answers a ping."""
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": database_url, "EMAIL_URL": smtp.url, "DEBUG": "1"}
    node = f"{name}-{os.getpid()}@{socket.gethostname()}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "clientwatch",
            "worker",
            "--concurrency=2",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-n",
            node,
        ],
        cwd=ROOT,
        env=env | extra_env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while not app.control.ping(destination=[node], timeout=0.5):
        assert process.poll() is None, "the worker exited"
        assert time.monotonic() < deadline, "the worker did not start"
    return process


def stop_worker(process: subprocess.Popen) -> None:
    """A warm shutdown; a worker that has not gone after it is killed, so a slow stop on a
    loaded machine never leaves it consuming the next test's tasks."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def worker(services):
    with SMTPServer() as smtp:
        app.control.purge()
        process = start_worker(smtp, "test")
        try:
            yield smtp
        finally:
            stop_worker(process)


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_the_daily_job_enqueued_twice_at_once_sends_each_due_stage_once(worker, alice, factories):
    profile_for(alice)
    today = timezone.localdate()
    client = factories.client(owner=alice, email="ap@late.example")
    invoices = [
        factories.invoice(
            client=client,
            issued_on=today - timedelta(days=30 + n),
            due_on=today - timedelta(days=days),
            amount=Decimal("500.00"),
        )
        for n, days in enumerate((1, 8, 22))
    ]
    for _ in range(2):
        freelancer_daily_run.delay(alice.pk, today.isoformat())
        freelancer_daily_run.delay(alice.pk, today.isoformat())

    assert wait_for(lambda: Reminder.objects.filter(state=Reminder.State.SENT).count() == 3), list(
        Reminder.objects.values_list("stage", "state", "last_error")
    )
    time.sleep(2)  # give a duplicate every chance to arrive
    to_client = [m for m in worker.mailbox.messages if m["To"] == "ap@late.example"]
    assert len(to_client) == 3
    assert len({m["Message-ID"] for m in to_client}) == 3
    # And the freelancer's digest, once, listing the three overdue invoices.
    [digest] = [m for m in worker.mailbox.messages if m["To"] == "alice@example.com"]
    assert "3 overdue invoices" in digest["Subject"]
    # One nudge per invoice on its first run: the ladder is climbed a rung a day.
    assert set(Reminder.objects.values_list("invoice_id", "stage")) == {
        (invoice.pk, "nudge") for invoice in invoices
    }


def test_a_worker_killed_mid_send_loses_no_reminder_and_sends_it_once(services, alice, factories):
    """The worker is killed while its SMTP session waits at MAIL FROM. The reminder stays
    claimed until its lease runs out, then the retry sweep, on a second worker, sends it:
    one email, none lost."""
    profile_for(alice)
    today = timezone.localdate()
    client = factories.client(owner=alice, email="ap@late.example")
    factories.invoice(
        client=client,
        issued_on=today - timedelta(days=30),
        due_on=today - timedelta(days=2),
        amount=Decimal("500.00"),
    )
    with SMTPServer() as smtp:
        app.control.purge()
        smtp.mailbox.stall_first_mail = 20
        first = start_worker(smtp, "doomed", REMINDER_LEASE_SECONDS="3")
        try:
            freelancer_daily_run.delay(alice.pk, today.isoformat())
            assert smtp.mailbox.stalled.wait(timeout=30), "the worker never reached the server"
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        reminder = Reminder.objects.get()
        assert reminder.state == Reminder.State.SENDING  # claimed by the dead worker

        second = start_worker(smtp, "heir", REMINDER_LEASE_SECONDS="3")
        try:
            time.sleep(3.5)  # the dead worker's lease runs out
            retry_pending_reminders.delay()
            assert wait_for(lambda: Reminder.objects.get().state == Reminder.State.SENT)
            time.sleep(2)
        finally:
            stop_worker(second)
        to_client = [m for m in smtp.mailbox.messages if m["To"] == "ap@late.example"]
        assert len(to_client) == 1
