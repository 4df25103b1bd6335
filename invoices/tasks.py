"""Celery tasks for reminders, receipts and digests: thin, id-based, safe to run twice."""

from collections.abc import Sequence
from datetime import date, timedelta
from functools import partial

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from clients.models import Profile
from clientwatch import outbox
from clientwatch.dates import local_now, zone_active, zone_named
from invoices import digest, receipts, reminders
from invoices.models import Digest
from invoices.schedule import REMINDER_HOUR, part_due

DAILY_PARTS = ("reminders", "digest")  # in this order when both are due


@shared_task
def dispatch_daily_runs() -> int:
    """Hourly: start the parts of the day that are due for every freelancer, reminders
    from REMINDER_HOUR and the digest from their digest hour, each once per local day.
    Catches up after downtime; doubles are harmless."""
    now = timezone.now()
    profiles = Profile.objects.values_list(
        "user_id", "time_zone", "digest_hour", "reminders_ran_on"
    )
    digests = dict(
        # A digest that failed for now and whose back-off has passed, or whose sender died,
        # is ready again: it is due again.
        Digest.objects.exclude(outbox.ready(now))
        # A local date is within a day of UTC's, either side (UTC-12 to UTC+14).
        .filter(for_date__gte=now.date() - timedelta(days=1))
        .values_list("owner_id", "for_date")
        .order_by("for_date")  # the latest per owner wins
    )
    started = 0
    for user_id, time_zone, hour, reminders_ran_on in profiles.iterator(chunk_size=2000):
        local = local_now(zone_named(time_zone), now)
        parts = [
            part
            for part, part_hour, done_on in (
                ("reminders", REMINDER_HOUR, reminders_ran_on),
                ("digest", hour, digests.get(user_id)),
            )
            if part_due(local, part_hour, done_on)
        ]
        if parts:
            freelancer_daily_run.delay(user_id, local.date().isoformat(), parts)
            started += 1
    return started


@shared_task
def freelancer_daily_run(
    user_id: int, for_date: str, parts: Sequence[str] = DAILY_PARTS
) -> dict[str, object]:
    """One freelancer's day, or the `parts` of it that are due: reminders, the digest (a
    run queued before the two had hours of their own does both). It does not fail: what
    breaks is noted for the freelancer (settings page, next digest) and named in the
    result; the outbox retries failed sends with its back-off, the hourly dispatch a failed
    digest or reminder run."""
    owner = get_user_model().objects.filter(pk=user_id).first()
    if owner is None:
        return {}
    day = date.fromisoformat(for_date)  # the freelancer's date, worked out by the dispatch
    runs = {
        "reminders": partial(reminders.freelancer_reminders_run, owner=owner, as_of=day),
        "digest": partial(digest.digest_send, owner=owner, for_date=day),
    }
    outcome: dict[str, object] = {}
    with zone_active(owner):
        for part in DAILY_PARTS:
            if part in parts:
                outcome[part] = reminders.freelancer_run_alone(
                    owner=owner, part=part, run=runs[part]
                )
    if outcome.get("reminders") is not None:
        Profile.objects.filter(user=owner).update(reminders_ran_on=day)
    ran = list(outcome)
    outcome["failed"] = [part for part in ran if outcome[part] is None]
    if not outcome["failed"]:
        # Only the parts that ran: a digest that went through says nothing of reminders
        # that failed this morning.
        reminders.daily_run_failure_clear(owner=owner, parts=ran)
    return outcome


@shared_task
def retry_pending_reminders() -> dict[str, int]:
    """Every few minutes: sends whose back-off has passed, and sends abandoned by a dead worker."""
    return reminders.reminders_deliver()


@shared_task
def send_receipt(receipt_id: int) -> str:
    """Queued once a payment with a receipt commits. A receipt that is gone, already sent
    or held by another sender is skipped; a failed try waits for the sweep's retry."""
    return receipts.receipt_deliver(receipt_id=receipt_id)


@shared_task
def send_pending_receipts() -> dict[str, int]:
    """Every few minutes: receipts never queued (broker down), due for a retry, or
    abandoned by a dead worker."""
    return receipts.receipts_deliver()
