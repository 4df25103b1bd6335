"""Dropping a client: dates, letter, handover, and refusals that change nothing."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from clients.exit import Tone, When, client_drop, exit_date, farewell_draft
from clients.models import AccountItem, Client
from clients.services import profile_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_exit_dates():
    today = date(2026, 1, 15)
    assert exit_date(When.NOW, today=today) == today
    assert exit_date(When.END_OF_MONTH, today=today) == date(2026, 1, 31)
    assert exit_date(When.END_OF_NEXT_MONTH, today=today) == date(2026, 2, 28)
    assert exit_date(When.END_OF_NEXT_MONTH, today=date(2026, 12, 31)) == date(2027, 1, 31)
    assert exit_date(When.DATE, today=today, on=date(2026, 3, 1)) == date(2026, 3, 1)
    with pytest.raises(ValidationError):
        exit_date(When.DATE, today=today)


def test_the_vague_and_direct_drafts(acme, alice):
    profile = profile_for(alice)
    vague = farewell_draft(
        client=acme,
        profile=profile,
        tone=Tone.VAGUE,
        reasons=["later_every_cycle"],
        end_on=date(2026, 2, 28),
    )
    direct = farewell_draft(
        client=acme,
        profile=profile,
        tone=Tone.DIRECT,
        reasons=["repeated_verbal_abuse", "pattern:verbal_abuse", "verbal_abuse", "no_such_rule"],
        end_on=date(2026, 2, 28),
    )
    assert "can no longer keep up with the demands of your account" in vague
    assert "later" not in vague  # vague means vague
    assert "crossed a line" in direct
    # Told to the client in the first person, never in the dashboard's words about them.
    assert "- You used abusive language again after I asked you not to.\n" in direct
    assert "Abusive again after a warning" not in direct
    # The pattern is said as the kind itself, once; a reason with no words is left out.
    assert direct.count("- You used abusive language towards me.") == 1
    assert direct.count("\n- ") == 2
    assert "February 28, 2026" in direct


def test_dropping_a_client_records_everything(acme, factories):
    account = factories.account_item(client=acme, name="DNS at registrar")
    kept = factories.account_item(client=acme, name="Google Ads")
    client_drop(
        client=acme,
        reason="Repeated abuse",
        end_on=TODAY,
        letter="Goodbye.",
        handed_over=[account.pk],
        keep_reminders_for_owed=False,
        today=TODAY,
    )
    acme.refresh_from_db()
    assert acme.status == Client.Status.DROPPED
    assert acme.ended_on == TODAY and acme.dropped_on == TODAY
    assert acme.drop_reason == "Repeated abuse" and acme.farewell_letter == "Goodbye."
    assert acme.reminders_enabled is False
    assert AccountItem.objects.get(pk=account.pk).handed_over
    assert not AccountItem.objects.get(pk=kept.pk).handed_over


def test_dropping_keeps_reminders_for_money_still_owed_when_asked(acme):
    client_drop(client=acme, reason="", end_on=TODAY, letter="Goodbye.", today=TODAY)
    acme.refresh_from_db()
    assert acme.reminders_enabled is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"letter": "x" * 10_001}, "letter"),
        ({"letter": "   "}, "letter"),
        ({"end_on": TODAY - timedelta(days=20)}, "end_on"),  # past, before the last invoice
        ({"end_on": TODAY - timedelta(days=800)}, "end_on"),  # before the start
    ],
)
def test_bad_drops_are_refused_and_change_nothing(acme, factories, change, field):
    factories.invoice(
        client=acme, issued_on=TODAY - timedelta(days=5), due_on=TODAY + timedelta(days=9)
    )
    account = factories.account_item(client=acme)
    args = {
        "reason": "r",
        "end_on": TODAY,
        "letter": "Goodbye.",
        "handed_over": [account.pk],
        "today": TODAY,
    } | change
    with pytest.raises(ValidationError) as error:
        client_drop(client=acme, **args)
    assert field in error.value.message_dict
    acme.refresh_from_db()
    assert acme.status == Client.Status.ACTIVE
    assert not AccountItem.objects.get(pk=account.pk).handed_over


def test_dropping_an_already_dropped_client_is_refused(acme):
    client_drop(client=acme, reason="", end_on=TODAY, letter="Goodbye.", today=TODAY)
    with pytest.raises(ValidationError, match="already dropped"):
        client_drop(client=acme, reason="again", end_on=TODAY, letter="Bye.", today=TODAY)
    acme.refresh_from_db()
    assert acme.drop_reason == ""


def test_exit_report_command_writes_a_pdf(acme, tmp_path, factories):
    factories.work_log(client=acme)
    out = tmp_path / "acme.pdf"
    call_command("exit_report", "acme", "--user", "alice", "--out", str(out), "--internal")
    assert out.read_bytes().startswith(b"%PDF")


def test_exit_report_command_refuses_another_freelancers_client(acme, bob, tmp_path):
    with pytest.raises(CommandError, match="no client"):
        call_command("exit_report", "acme", "--user", "bob", "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
