"""Celery tasks for reminders, receipts and digests: thin, id-based, safe to run twice."""

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


@shared_task
def dispatch_daily_runs() -> int:
    """Hourly: start the day's run for every freelancer whose local run hour has come and
    whose day is not done yet. Catches up after downtime; doubles are harmless."""
    now = timezone.now()
    profiles = Profile.objects.values_list("user_id", "time_zone", "digest_hour")
    done = set(
        # A digest that failed for now and whose back-off has passed, or whose sender died,
        # is ready again: that day runs again (the reminders in it are not sent twice).
        Digest.objects.exclude(outbox.ready(now))
        # A local date is within a day of UTC's, either side (UTC-12 to UTC+14).
        .filter(for_date__gte=now.date() - timedelta(days=1))
        .values_list("owner_id", "for_date")
    )
    started = 0
    for user_id, time_zone, hour in profiles.iterator(chunk_size=2000):
        local = local_now(zone_named(time_zone), now)
        if local.hour >= hour and (user_id, local.date()) not in done:
            freelancer_daily_run.delay(user_id, local.date().isoformat())
            started += 1
    return started


@shared_task
def freelancer_daily_run(user_id: int, for_date: str) -> dict[str, object]:
    """One freelancer's day: reminders, then the digest. It does not fail: what breaks is
    noted for the freelancer (settings page, next digest) and named in the result; the
    outbox retries failed sends with its back-off, the hourly dispatch a failed digest."""
    owner = get_user_model().objects.filter(pk=user_id).first()
    if owner is None:
        return {}
    day = date.fromisoformat(for_date)  # the freelancer's date, worked out by the dispatch
    with zone_active(owner):
        sent = reminders.freelancer_run_alone(
            owner=owner,
            part="reminders",
            run=partial(reminders.freelancer_reminders_run, owner=owner, as_of=day),
        )
        digest_state = reminders.freelancer_run_alone(
            owner=owner, part="digest", run=partial(digest.digest_send, owner=owner, for_date=day)
        )
    outcome: dict[str, object] = {"reminders": sent, "digest": digest_state}
    outcome["failed"] = [part for part, done in outcome.items() if done is None]
    if not outcome["failed"]:
        reminders.daily_run_failure_clear(owner=owner)
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
