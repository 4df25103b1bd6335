"""The freelancer's daily digest: one email when there is something to act on, else none."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from clients.services import profile_for
from invoices import reminders
from invoices.digest import digest_send
from invoices.models import Digest
from invoices.tasks import dispatch_daily_runs
from redflags.assess import scores_refresh

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def late_client(alice, factories):
    client = factories.client(owner=alice, name="Slow Pay Ltd")
    factories.invoice(
        client=client,
        number="INV-9",
        amount=Decimal("800.00"),
        issued_on=TODAY - timedelta(days=40),
        due_on=TODAY - timedelta(days=10),
    )
    return client


def test_nothing_to_act_on_sends_no_email(alice, factories):
    factories.client(owner=alice)
    assert digest_send(owner=alice, for_date=TODAY) == Digest.State.EMPTY
    assert mail.outbox == []


def test_the_digest_lists_overdue_invoices_with_their_stage_and_the_reminders_sent(
    alice, late_client
):
    reminders.freelancer_reminders_run(owner=alice, as_of=TODAY)
    mail.outbox.clear()
    assert digest_send(owner=alice, for_date=TODAY) == Digest.State.SENT
    [digest] = mail.outbox
    assert digest.to == ["alice@example.com"]
    assert "1 overdue invoice" in digest.subject
    assert (
        "Slow Pay Ltd, INV-9: €800.00, 10 days overdue; last reminder: Friendly nudge"
        in digest.body
    )
    assert "Reminders sent since the last digest" in digest.body
    assert digest.alternatives[0][1] == "text/html"


def test_clients_at_fire_and_changed_verdicts_come_with_a_suggestion(alice, factories):
    client = factories.client(owner=alice, name="Fibber Inc")
    scores_refresh(alice, as_of=TODAY - timedelta(days=1))
    factories.incident(client=client, category="lying", occurred_on=TODAY)
    digest_send(owner=alice, for_date=TODAY)
    [digest] = mail.outbox
    assert "Verdicts that changed" in digest.body
    assert "Fibber Inc: Keep → Fire" in digest.body  # the words, not the slugs
    assert "Fibber Inc is at fire" in digest.body  # what to do today


def test_the_digest_goes_once_a_day_however_often_it_runs(alice, late_client):
    for _ in range(3):
        digest_send(owner=alice, for_date=TODAY)
    assert len(mail.outbox) == 1


def test_opting_out_in_settings_stops_the_digest(alice, late_client):
    profile = profile_for(alice)
    profile.digest_enabled = False
    profile.save()
    assert digest_send(owner=alice, for_date=TODAY) == Digest.State.EMPTY
    assert mail.outbox == []


def test_the_hourly_dispatch_starts_a_freelancers_day_once_their_local_hour_has_come(
    alice, bob, late_client, celery_eager
):
    import time_machine

    for user, zone in ((alice, "Europe/Helsinki"), (bob, "America/New_York")):
        profile = profile_for(user)
        profile.time_zone, profile.digest_hour = zone, 8
        profile.save()
    # 07:00 UTC is 09:00 in Helsinki but 02:00 or 03:00 in New York.
    morning = timezone.now().replace(hour=7, minute=0, second=0, microsecond=0)
    with time_machine.travel(morning, tick=False):
        assert dispatch_daily_runs() == 1
        assert Digest.objects.filter(owner=alice).exists()
        assert not Digest.objects.filter(owner=bob).exists()
        assert dispatch_daily_runs() == 0  # alice's day is done


def test_the_digest_is_in_the_freelancers_own_language(alice, late_client):
    from django.utils import translation

    profile = profile_for(alice)
    profile.language = "fi"
    profile.save()
    assert digest_send(owner=alice, for_date=TODAY) == Digest.State.SENT
    [digest] = mail.outbox
    with translation.override("fi"):
        subject = translation.ngettext(
            "ClientWatch: %(n)s overdue invoice today",
            "ClientWatch: %(n)s overdue invoices today",
            1,
        ) % {"n": 1}
    assert subject != "ClientWatch: 1 overdue invoice today"
    assert digest.subject.startswith(subject)
    assert "800,00" in digest.body  # Finnish amounts
