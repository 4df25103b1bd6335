"""Reads for the invoice pages."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from clients.models import Profile
from clientwatch import outbox
from clientwatch.dates import zone_for
from invoices.models import Digest, Invoice, Payment
from invoices.schedule import REMINDER_HOUR, next_run


def invoices_for_page(*, owner: AbstractBaseUser) -> QuerySet[Invoice]:
    """The owner's invoices with `paid_total` (so `status()` and `balance` cost nothing)
    and their client."""
    return Invoice.objects.for_owner(owner).with_paid().select_related("client")


def payments_for(*, invoice: Invoice) -> QuerySet[Payment]:
    return Payment.objects.filter(invoice=invoice).order_by("-paid_on", "-created_at", "-pk")


@dataclass(frozen=True, slots=True)
class NextMail:
    """When the automatic mail next goes out for a freelancer (UTC moments)."""

    reminders: datetime
    digest: datetime | None  # None: the digest is switched off


def next_mail_for(profile: Profile, *, now: datetime | None = None) -> NextMail:
    """The next reminder run and the next digest, as the hourly dispatch will start them:
    one query (the latest digest that counts as done)."""
    now = now or timezone.now()
    zone = zone_for(profile)
    digest_done = (
        Digest.objects.filter(owner_id=profile.user_id)
        .exclude(outbox.ready(now))
        .order_by("-for_date")
        .values_list("for_date", flat=True)
        .first()
    )
    return NextMail(
        reminders=next_run(now, zone, REMINDER_HOUR, profile.reminders_ran_on),
        digest=next_run(now, zone, profile.digest_hour, digest_done)
        if profile.digest_enabled
        else None,
    )
