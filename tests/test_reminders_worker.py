"""Reminders through a real Celery worker on a real Redis broker and PostgreSQL."""

import os
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
from invoices.tasks import freelancer_daily_run
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


@pytest.fixture
def worker(services, settings):
    """A real `celery worker` process on the test database, mailing to a real SMTP server."""
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    with SMTPServer() as smtp:
        app.control.purge()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "EMAIL_URL": smtp.url,
            "DEBUG": "1",
        }
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
                f"test-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            deadline = time.monotonic() + 30
            while not app.control.ping(timeout=0.5):
                assert process.poll() is None, "the worker exited"
                assert time.monotonic() < deadline, "the worker did not start"
            yield smtp
        finally:
            process.terminate()
            process.wait(timeout=30)


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
