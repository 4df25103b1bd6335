"""When automatic mail goes out: reminders from 09:00 on the freelancer's clock, the digest
at their digest hour, each once a day and independent of the other; and the settings page
says when each goes next, in the freelancer's zone."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from clients.services import profile_for
from invoices.models import Digest
from invoices.reminders import daily_run_failure_for
from invoices.schedule import REMINDER_HOUR, next_run, part_due
from invoices.tasks import dispatch_daily_runs, freelancer_daily_run

HELSINKI = ZoneInfo("Europe/Helsinki")  # UTC+2 in winter
# 05:30 UTC on 2 December 2026: 07:30 in Helsinki.
EARLY = datetime(2026, 12, 2, 5, 30, tzinfo=UTC)
DEC_2 = date(2026, 12, 2)


def test_a_part_is_due_from_its_hour_once_a_day():
    at_nine = datetime(2026, 12, 2, 9, 0, tzinfo=HELSINKI)
    assert part_due(at_nine, 9, done_on=None)
    assert part_due(at_nine, 9, done_on=date(2026, 12, 1))
    assert not part_due(at_nine, 9, done_on=DEC_2)
    assert not part_due(at_nine - timedelta(minutes=1), 9, done_on=None)


def test_the_next_run_is_the_first_top_of_the_hour_after_the_local_hour():
    # 07:30 in Helsinki: reminders at 09:00 there, 07:00 UTC.
    assert next_run(EARLY, HELSINKI, 9, None) == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    # Already done today: tomorrow's 09:00.
    assert next_run(EARLY, HELSINKI, 9, DEC_2) == datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    # Due and not done (beat was down): the next dispatch, at 06:00 UTC.
    assert next_run(EARLY, HELSINKI, 6, None) == datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    # A half-hour zone: the first top of a UTC hour at or after 09:00 there is 09:30.
    kolkata = next_run(EARLY, ZoneInfo("Asia/Kolkata"), 9, DEC_2)
    assert kolkata.astimezone(ZoneInfo("Asia/Kolkata")).time().isoformat() == "09:30:00"


@pytest.fixture
def alice_in_helsinki(alice):
    profile = profile_for(alice)
    profile.time_zone = "Europe/Helsinki"
    profile.save()
    return profile


@pytest.mark.parametrize("digest_hour", [6, 20])
def test_reminders_go_at_nine_whatever_the_digest_hour(alice_in_helsinki, digest_hour):
    alice_in_helsinki.digest_hour = digest_hour
    alice_in_helsinki.save()
    started: dict[int, list[str]] = {}

    def run_now(user_id, for_date, parts):
        started[hour] = list(parts)
        return freelancer_daily_run(user_id, for_date, parts)

    with mock.patch.object(freelancer_daily_run, "delay", side_effect=run_now):
        for hour in range(24):  # every dispatch of 2 December, on Helsinki's clock
            with time_machine.travel(datetime(2026, 12, 2, hour, tzinfo=HELSINKI), tick=False):
                dispatch_daily_runs()

    assert started == {REMINDER_HOUR: ["reminders"], digest_hour: ["digest"]}
    alice_in_helsinki.refresh_from_db()
    assert alice_in_helsinki.reminders_ran_on == DEC_2
    assert Digest.objects.get().for_date == DEC_2


def test_a_run_queued_before_the_parts_had_their_own_hours_still_does_both(alice_in_helsinki):
    outcome = freelancer_daily_run(alice_in_helsinki.user_id, DEC_2.isoformat())
    assert set(outcome) == {"reminders", "digest", "failed"}
    assert outcome["failed"] == []
    alice_in_helsinki.refresh_from_db()
    assert alice_in_helsinki.reminders_ran_on == DEC_2


def test_the_settings_page_says_when_reminders_and_the_digest_go_next(
    alice_client, alice_in_helsinki
):
    alice_in_helsinki.digest_hour = 18
    alice_in_helsinki.save()
    with time_machine.travel(EARLY, tick=False):
        html = alice_client.get(reverse("profile_settings")).content.decode()
    # On Helsinki's clock: 09:00 and 18:00, not UTC's 07:00 and 16:00.
    assert "Next automatic payment reminders: Dec 2, 2026, 9:00\u202fAM" in html
    assert "Next daily digest: Dec 2, 2026, 6:00\u202fPM." in html


def test_with_the_digest_switched_off_the_page_says_so(alice_client, alice_in_helsinki):
    alice_in_helsinki.digest_enabled = False
    alice_in_helsinki.save()
    html = alice_client.get(reverse("profile_settings")).content.decode()
    assert "The daily digest is switched off." in html
    assert "Next daily digest" not in html


def test_a_digest_that_goes_through_keeps_the_notice_of_failed_reminders(alice_in_helsinki):
    with mock.patch(
        "invoices.reminders.freelancer_reminders_run", side_effect=RuntimeError("SMTP down")
    ):
        outcome = freelancer_daily_run(alice_in_helsinki.user_id, DEC_2.isoformat(), ["reminders"])
    assert outcome["failed"] == ["reminders"]
    alice_in_helsinki.refresh_from_db()
    assert alice_in_helsinki.reminders_ran_on is None  # the next dispatch tries again

    assert (
        freelancer_daily_run(alice_in_helsinki.user_id, DEC_2.isoformat(), ["digest"])["failed"]
        == []
    )
    assert daily_run_failure_for(alice_in_helsinki.user).part == "reminders"
