"""Faults: the broker going away must not fail a request or lose the work."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Report, WorkLog
from clients.reports import RENDER_INLINE_MAX_ROWS
from clients.tasks import requeue_stalled_work
from clientwatch.celery import app
from tests.backends import killer_connection, terminate

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def long_history(alice, factories, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = factories.client(owner=alice, started_on=TODAY - timedelta(days=800))
    WorkLog.objects.bulk_create(
        WorkLog(
            client=client,
            worked_on=TODAY - timedelta(days=n),
            hours=Decimal("1"),
            description="Support",
        )
        for n in range(RENDER_INLINE_MAX_ROWS + 1)
    )
    return client


def test_with_the_broker_down_a_long_report_is_still_recorded_and_the_sweep_renders_it(
    alice_client, long_history, dead_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("report_create", args=[long_history.pk, "handover"]))
    assert response.status_code == 302  # not a 500
    report = Report.objects.get(client=long_history)
    assert report.state == Report.State.RENDERING

    # The broker is back; a few minutes later the sweep queues what was left behind.
    app.conf.task_always_eager = True
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert requeue_stalled_work() == 1
    report.refresh_from_db()
    assert report.state == Report.State.READY
    assert report.pdf.read(4) == b"%PDF"


def test_the_sweep_leaves_fresh_work_alone(long_history, celery_eager):
    Report.objects.create(client=long_history, kind="internal")
    assert requeue_stalled_work() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_going_away_mid_request_gives_an_error_page_and_writes_nothing(
    alice, factories
):
    """A real PostgreSQL backend is terminated right after the drop's first write: the
    request answers with the error page and the half-done change is rolled back."""
    from django.db import connection
    from django.test import Client as Browser

    from clients.models import AccountItem, Client
    from tests.conftest import skip_or_fail

    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: the failure is a real backend being terminated")
    client = factories.client(owner=alice)
    account = factories.account_item(client=client)
    killer = killer_connection()

    def kill_after_first_write(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith('UPDATE "clients_accountitem"'):
            pid = context["connection"].connection.info.backend_pid
            killer.execute("SELECT pg_terminate_backend(%s)", [pid])
        return result

    browser = Browser(raise_request_exception=False)
    browser.force_login(alice)
    form = {"when": "now", "tone": "vague", "letter": "Goodbye.", "handed_over": [account.pk]}
    with connection.execute_wrapper(kill_after_first_write):
        response = browser.post(reverse("client_drop", args=[client.pk]), form)
    killer.close()
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    connection.close()  # the test's own connection was the one terminated
    assert Client.objects.get(pk=client.pk).status == Client.Status.ACTIVE
    assert not AccountItem.objects.get(pk=account.pk).handed_over


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_the_server_dropped_is_replaced_at_the_next_request(alice):
    """PostgreSQL restarted or a failover dropped idle connections: the next request starts
    on a fresh connection (CONN_HEALTH_CHECKS) instead of failing on the dead one."""
    from django.db import close_old_connections, connection

    from tests.conftest import skip_or_fail

    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: the failure is a real backend being terminated")
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    connection.ensure_connection()
    backend_pid = connection.connection.info.backend_pid
    with killer_connection() as killer:
        terminate(killer, backend_pid)

    close_old_connections()  # what Django does as each request starts
    assert Client.objects.filter(owner=alice).count() == 0
    assert connection.connection.info.backend_pid != backend_pid
