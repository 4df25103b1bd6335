"""Dropping a client in the browser, and downloading both reports."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import AccountItem, Client, Report
from clients.reports import RENDER_INLINE_MAX_ROWS

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def haggler(alice, factories):
    client = factories.client(owner=alice, name="Haggle & Co", ref="haggle")
    factories.invoice(
        client=client,
        number="H-1",
        amount=Decimal("900.00"),
        issued_on=TODAY - timedelta(days=50),
        due_on=TODAY - timedelta(days=36),
    )
    factories.incident(
        client=client, category="invoice_dispute", description="Wants 30% off after delivery."
    )
    factories.account_item(client=client, name="Google Ads")
    return client


def drop_form(client, **changes):
    data = {
        "when": "now",
        "tone": "vague",
        "letter": "Dear Haggle & Co,\n\nWe part ways.",
        "keep_reminders_for_owed": "on",
        "handed_over": [a.pk for a in client.account_items.all()],
    }
    data.update(changes)
    return data


def test_the_drop_page_preselects_reasons_and_warns_about_money_and_accounts(alice_client, haggler):
    html = alice_client.get(reverse("client_drop", args=[haggler.pk])).content.decode()
    assert "Disputes" in html or "dispute" in html.lower()
    assert "checked" in html  # the assessment's reasons come pre-ticked
    assert "The client still owes €900.00." in html  # the amount as the reader writes it
    assert "still in your hands" in html
    assert "can no longer keep up with the demands of your account" in html


def test_redrafting_the_letter_with_htmx_returns_only_the_letter(alice_client, haggler):
    response = alice_client.post(
        reverse("client_drop", args=[haggler.pk]),
        drop_form(haggler, tone="direct", redraft="1"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert 'id="letter"' in html and "crossed a line" in html
    assert "<html" not in html
    haggler.refresh_from_db()
    assert haggler.status == Client.Status.ACTIVE


def test_confirming_the_drop_then_downloading_both_reports(alice_client, haggler, media):
    response = alice_client.post(reverse("client_drop", args=[haggler.pk]), drop_form(haggler))
    assert response.status_code == 302
    haggler.refresh_from_db()
    assert haggler.status == Client.Status.DROPPED
    assert AccountItem.objects.get(client=haggler).handed_over
    for kind in ("handover", "internal"):
        response = alice_client.post(reverse("report_create", args=[haggler.pk, kind]))
        report = Report.objects.get(client=haggler, kind=kind)
        assert response["Location"] == reverse("report_detail", args=[report.pk])
        assert report.state == Report.State.READY
        download = alice_client.get(reverse("report_download", args=[report.pk]))
        assert download["Content-Type"] == "application/pdf"
        assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_drop_with_a_bad_date_shows_the_error_and_changes_nothing(alice_client, haggler):
    response = alice_client.post(
        reverse("client_drop", args=[haggler.pk]),
        drop_form(haggler, when="date", end_on=(TODAY - timedelta(days=900)).isoformat()),
    )
    assert response.status_code == 422
    assert response.context["form"].errors["end_on"]
    haggler.refresh_from_db()
    assert haggler.status == Client.Status.ACTIVE
    assert not AccountItem.objects.get(client=haggler).handed_over


def test_a_dropped_client_cannot_be_dropped_again(alice_client, haggler):
    alice_client.post(reverse("client_drop", args=[haggler.pk]), drop_form(haggler))
    response = alice_client.get(reverse("client_drop", args=[haggler.pk]))
    assert response.status_code == 302


def test_a_long_history_renders_in_the_background_and_the_page_polls(
    alice_client, alice, factories, media, celery_eager, django_capture_on_commit_callbacks
):
    client = factories.client(owner=alice, started_on=TODAY - timedelta(days=800))
    WorkLog = client.work_logs.model
    WorkLog.objects.bulk_create(
        WorkLog(
            client=client,
            worked_on=TODAY - timedelta(days=n),
            hours=Decimal("1.5"),
            description=f"Week {n // 7}",
        )
        for n in range(RENDER_INLINE_MAX_ROWS + 1)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alice_client.post(reverse("report_create", args=[client.pk, "handover"]))
    report = Report.objects.get(client=client)
    assert report.state == Report.State.RENDERING
    polling = alice_client.get(
        reverse("report_detail", args=[report.pk]), headers={"HX-Request": "true"}
    )
    assert 'hx-trigger="every 1s"' in polling.content.decode()
    for callback in callbacks:
        callback()
    report.refresh_from_db()
    assert report.state == Report.State.READY
    done = alice_client.get(
        reverse("report_detail", args=[report.pk]), headers={"HX-Request": "true"}
    )
    assert reverse("report_download", args=[report.pk]) in done.content.decode()
