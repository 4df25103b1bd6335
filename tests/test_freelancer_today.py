"""Every page, form, task and document agrees on the freelancer's own date and clock.

At 12:00 UTC on 1 December it is already 02:00 on 2 December in Kiritimati (UTC+14); at
05:00 UTC on 2 December it is still 18:00 on 1 December in Pago Pago (UTC-11).
"""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clients.models import Profile, Report
from clients.reports import report_request
from clients.services import profile_for
from clientwatch.dates import UTC as UTC_ZONE
from clientwatch.dates import today_for, zone_active, zone_for, zone_named
from invoices.digest import digest_send
from invoices.models import Digest, InvoiceStatus, Receipt, Reminder, Stage
from invoices.tasks import dispatch_daily_runs

pytestmark = pytest.mark.django_db

NOON_UTC_1_DEC = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # Kiritimati: 2 Dec, 02:00
EARLY_UTC_2_DEC = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # Pago Pago: 1 Dec, 18:00
DEC_1, DEC_2 = date(2026, 12, 1), date(2026, 12, 2)


def set_zone(user, zone: str, **fields) -> Profile:
    profile = profile_for(user)
    profile.time_zone = zone
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    return profile


@pytest.fixture
def due_dec_1(acme, factories):
    """Sent on 1 November, due on 1 December: overdue once the freelancer's day is the 2nd."""
    return factories.invoice(
        client=acme, number="INV-1201", issued_on=date(2026, 11, 1), due_on=DEC_1
    )


def timeline_status(response, invoice) -> InvoiceStatus:
    [entry] = [
        e for e in response.context["timeline"].entries if e.kind == "invoice" and e.obj == invoice
    ]
    return entry.status


# --- Kiritimati: a day ahead of UTC ------------------------------------------------------------


def test_in_kiritimati_at_noon_utc_every_page_already_says_2_december(
    client, alice, acme, due_dec_1
):
    set_zone(alice, "Pacific/Kiritimati")
    with time_machine.travel(NOON_UTC_1_DEC, tick=False):
        assert timezone.localdate() == DEC_1  # what the server alone would say
        client.force_login(alice)

        page = client.get(reverse("client_detail", args=[acme.pk]))
        assert timeline_status(page, due_dec_1) == InvoiceStatus.OVERDUE
        # The quick-add forms default to, and cap at, the freelancer's date.
        assert page.context["invoice_form"]["issued_on"].value() == DEC_2
        for form, name in (("incident_form", "occurred_on"), ("payment_form", "paid_on")):
            assert page.context[form].fields[name].widget.attrs["max"] == "2026-12-02"

        dashboard = client.get(reverse("dashboard")).content.decode()
        assert "due since" in dashboard  # counted as overdue there too

        form = client.get(reverse("invoice_create", args=[acme.pk])).context["form"]
        assert form["issued_on"].value() == DEC_2
        assert form["due_on"].value() == DEC_2 + timedelta(days=acme.payment_terms_days)

    assert timezone.get_current_timezone_name() == "UTC"  # the request's zone did not leak


def test_in_kiritimati_a_payment_dated_2_december_is_not_in_the_future(
    client, alice, acme, due_dec_1
):
    set_zone(alice, "Pacific/Kiritimati")
    with time_machine.travel(NOON_UTC_1_DEC, tick=False):
        client.force_login(alice)
        url = reverse("payment_create", args=[due_dec_1.pk])
        client.post(url, {"paid_on": "2026-12-02", "amount": "100.00"})
        assert due_dec_1.payments.get().paid_on == DEC_2
        # The day after is still the future.
        response = client.post(url, {"paid_on": "2026-12-03", "amount": "100.00"})
        assert "cannot be dated in the future" in response.content.decode()
        assert due_dec_1.payments.count() == 1


def test_in_kiritimati_the_daily_run_at_19_utc_sends_the_nudge_for_2_december(
    alice, acme, due_dec_1, celery_eager
):
    set_zone(alice, "Pacific/Kiritimati", digest_hour=0)
    # 19:00 UTC on 1 December is 09:00 on 2 December there: the reminder hour.
    with time_machine.travel(NOON_UTC_1_DEC + timedelta(hours=7), tick=False):
        assert dispatch_daily_runs() == 1
    reminder = Reminder.objects.get(invoice=due_dec_1)
    assert (reminder.stage, reminder.due_on) == (Stage.NUDGE, DEC_2)  # one day overdue
    assert Digest.objects.get(owner=alice).for_date == DEC_2


def test_a_login_with_a_password_brings_the_freelancers_zone_along(client, alice, acme, due_dec_1):
    set_zone(alice, "Pacific/Kiritimati")
    with time_machine.travel(NOON_UTC_1_DEC, tick=False):
        client.post(
            reverse("login"), {"username": "alice", "password": "correct horse battery staple"}
        )
        page = client.get(reverse("client_detail", args=[acme.pk]))
    assert page.status_code == 200
    assert timeline_status(page, due_dec_1) == InvoiceStatus.OVERDUE


def test_a_report_and_a_statement_made_the_same_moment_carry_the_same_date(
    client, alice, acme, due_dec_1, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # the stored PDF keeps its plain name
    set_zone(alice, "Pacific/Kiritimati")
    with time_machine.travel(NOON_UTC_1_DEC, tick=False):
        report = report_request(client=acme, kind=Report.Kind.HANDOVER)  # as a worker would
        client.force_login(alice)
        statement = client.get(reverse("client_statement_pdf", args=[acme.pk]))
    assert report.state == Report.State.READY
    assert report.pdf.name.endswith("acme-handover-2026-12-02.pdf"), report.pdf.name
    assert "statement-acme-2026-12-02.pdf" in statement["Content-Disposition"]


# --- Pago Pago: a day behind UTC ---------------------------------------------------------------


def test_in_pago_pago_early_on_2_december_utc_it_is_still_1_december(
    client, alice, acme, due_dec_1, celery_eager
):
    set_zone(alice, "Pacific/Pago_Pago", digest_hour=0)
    with time_machine.travel(EARLY_UTC_2_DEC, tick=False):
        assert timezone.localdate() == DEC_2  # UTC would call the invoice a day overdue
        client.force_login(alice)
        page = client.get(reverse("client_detail", args=[acme.pk]))
        assert timeline_status(page, due_dec_1) == InvoiceStatus.SENT  # due today: not late
        assert page.context["invoice_form"]["issued_on"].value() == DEC_1
        assert "due since" not in client.get(reverse("dashboard")).content.decode()
        assert dispatch_daily_runs() == 1
    assert not Reminder.objects.filter(invoice=due_dec_1).exists()
    assert Digest.objects.get(owner=alice).for_date == DEC_1


# --- Times on the freelancer's clock ---------------------------------------------------------

SENT_AT = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)  # 13:30 in Amsterdam in winter


def shows_half_past_one(text: str) -> bool:
    """13:30 however the time is written (1:30 PM, 1:30 p.m., 13:30), and not 12:30."""
    return ("1:30" in text or "13:30" in text) and "12:30" not in text


@pytest.fixture
def sent_from_amsterdam(alice, acme, due_dec_1):
    """A nudge and a receipt that went out at 12:30 UTC, for a freelancer in Amsterdam."""
    set_zone(alice, "Europe/Amsterdam")
    Reminder.objects.create(
        invoice=due_dec_1,
        stage=Stage.NUDGE,
        due_on=DEC_2,
        state=Reminder.State.SENT,
        sent_at=SENT_AT,
        recipient=acme.email,
    )
    payment = due_dec_1.payments.create(paid_on=DEC_1, amount=Decimal("100.00"))
    Receipt.objects.create(payment=payment, state=Receipt.State.SENT, sent_at=SENT_AT)
    return due_dec_1


def test_sent_times_show_in_amsterdam_on_the_invoice_page(alice_client, sent_from_amsterdam):
    page = alice_client.get(reverse("invoice_detail", args=[sent_from_amsterdam.pk]))
    html = page.content.decode()
    assert 'datetime="2026-12-01T13:30:00+01:00"' in html  # the receipt's
    assert shows_half_past_one(html)  # and the nudge's, as written for people


def test_the_digest_lists_sent_times_on_the_freelancers_clock(alice, sent_from_amsterdam):
    with time_machine.travel(SENT_AT + timedelta(hours=6), tick=False):
        assert digest_send(owner=alice, for_date=DEC_1) == Digest.State.SENT
    [email] = mail.outbox
    [line] = [line for line in email.body.splitlines() if sent_from_amsterdam.number in line]
    assert "Friendly nudge" in line
    assert shows_half_past_one(line)


# --- The one place ---------------------------------------------------------------------------


def test_an_unknown_stored_zone_falls_back_to_utc(alice_client, alice, acme):
    Profile.objects.filter(user=alice).update(time_zone="Mars/Olympus")  # past validation
    assert zone_named("Mars/Olympus") == UTC_ZONE
    assert zone_named("") == UTC_ZONE
    assert zone_for(Profile.objects.get(user=alice)) == UTC_ZONE
    with time_machine.travel(NOON_UTC_1_DEC, tick=False):
        assert today_for(alice) == DEC_1
        assert alice_client.get(reverse("client_detail", args=[acme.pk])).status_code == 200


def test_today_for_takes_a_profile_or_its_user_and_zone_active_sets_the_clock(alice, bob):
    set_zone(alice, "Pacific/Kiritimati")
    with time_machine.travel(NOON_UTC_1_DEC, tick=False):
        assert today_for(profile_for(alice)) == DEC_2
        assert today_for(type(alice).objects.get(pk=alice.pk)) == DEC_2
        assert today_for(bob) == DEC_1  # bob keeps the default, UTC
        with zone_active(alice):
            assert timezone.localdate() == DEC_2
        assert timezone.localdate() == DEC_1


def test_the_zone_costs_no_query_beyond_loading_the_user(
    alice_client, alice, due_dec_1, django_assert_num_queries
):
    set_zone(alice, "Europe/Amsterdam")
    due_dec_1.payments.create(paid_on=DEC_1, amount=Decimal("1.00"))
    # session, user with profile, invoice with client, payments, reminders, late fees
    with django_assert_num_queries(6):
        response = alice_client.get(reverse("invoice_detail", args=[due_dec_1.pk]))
    assert response.status_code == 200


# Code that runs for a freelancer outside a request (workers, cron, commands): there no
# zone is active, so the server's bare "today" would be UTC's.
ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_A_REQUEST = [
    "clients/backup.py",
    "clients/demo.py",
    "clients/reports.py",
    "clients/tasks.py",
    "invoices/digest.py",
    "invoices/letters.py",
    "invoices/receipts.py",
    "invoices/reminders.py",
    "invoices/statement.py",
    "invoices/tasks.py",
    "redflags/assess.py",
    *(str(path.relative_to(ROOT)) for path in sorted(ROOT.glob("*/management/commands/*.py"))),
]


@pytest.mark.parametrize("module", OUTSIDE_A_REQUEST)
def test_work_outside_a_request_never_asks_the_server_for_today(module):
    source = (ROOT / module).read_text()
    assert not re.search(r"localdate\(\)|date\.today\(\)", source), (
        f"{module}: take the freelancer's date from clientwatch.dates.today_for"
    )
