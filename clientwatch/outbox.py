"""The outbox: one way to send an email exactly once, whatever fails in between.

Every outgoing message (a reminder, a receipt, a digest) is a row that goes
pending -> sending -> sent (or failed), one message at a time:
- `claim` moves one ready row to sending with a conditional UPDATE: among racing senders
  exactly one changes the row, and it holds it for one message's lease only;
- the sender sends, then writes the outcome at once (`mark_sent`, `mark_failed`, `mark`),
  in its own short transaction, before it claims the next. A lost database connection or a
  lease that ran out can repeat at most the one message in flight, and that message carries
  the same Message-ID as the first try, so the client's mail program shows it once;
- a failed send goes back to pending with a later `next_attempt_at` (one back-off scheme),
  until `MAX_ATTEMPTS` or a permanent (5xx) refusal marks it failed;
- a row is `ready` when pending and due, or when its sender held it past its lease (the
  sender died mid-send and the row is taken over).

Imports no app: the models that use it bring their own states beyond these four.
"""

import smtplib
import socket
from datetime import datetime, timedelta
from uuid import uuid4

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_ATTEMPTS = 6


class OutgoingMail(models.Model):
    """The fields every outgoing email needs, from waiting to sent."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Not before then: the back-off after a failed try.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A sender holds the row until then; past it, a crashed send may be taken over.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    recipient = models.EmailField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


PENDING = OutgoingMail.State.PENDING
SENDING = OutgoingMail.State.SENDING
SENT = OutgoingMail.State.SENT
FAILED = OutgoingMail.State.FAILED


def ready(now: datetime) -> Q:
    """Pending and due, or abandoned by a sender past its lease."""
    due = Q(state=PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(state=SENDING, claimed_until__lt=now)
    return due | abandoned


def backoff(attempts: int) -> timedelta:
    """1, 4, 16, 64 ... minutes after each failed try, capped at six hours."""
    return timedelta(minutes=min(4 ** (attempts - 1), 360))


def is_transient(exc: Exception) -> bool:
    """4xx answers and connection trouble pass; a 5xx answer will not get better."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPException, socket.error, TimeoutError))


def retry_at(exc: Exception, attempts: int, now: datetime) -> datetime | None:
    """When to try a failed send again, or None to give up (a 5xx, or too many tries)."""
    if not is_transient(exc) or attempts >= MAX_ATTEMPTS:
        return None
    return now + backoff(attempts)


def claim(row: OutgoingMail, *, lease: timedelta) -> bool:
    """Take `row` for one send: one query, one winner. The try counts from the claim, so a
    sender that dies mid-send still uses one of the row's attempts. `row` must be as read
    (the UPDATE also checks its attempts), so a row another sender moved meanwhile is left."""
    now = timezone.now()
    token = uuid4().hex
    taken = (
        type(row)
        ._default_manager.filter(ready(now), pk=row.pk, attempts=row.attempts)
        .update(
            state=SENDING,
            attempts=F("attempts") + 1,
            claimed_until=now + lease,
            claim_token=token,
        )
    )
    if not taken:
        return False
    row.state = SENDING
    row.attempts += 1
    row.claimed_until = now + lease
    row.claim_token = token
    return True


def mark(row: OutgoingMail, state: str, **fields) -> bool:
    """Write the outcome of the send we hold, releasing it: one UPDATE, only while the row
    is still ours (a sender that took it over after our lease writes its own)."""
    values = {"state": state, "claimed_until": None, "claim_token": "", **fields}
    written = (
        type(row)
        ._default_manager.filter(pk=row.pk, state=SENDING, claim_token=row.claim_token)
        .update(**values)
    )
    for name, value in values.items():
        setattr(row, name, value)
    return bool(written)


def mark_sent(row: OutgoingMail, *, message_id: str, **fields) -> bool:
    return mark(
        row,
        SENT,
        sent_at=timezone.now(),
        last_error="",
        next_attempt_at=None,
        message_id=message_id,
        **fields,
    )


def mark_failed(row: OutgoingMail, exc: Exception, **fields) -> bool:
    """Back to pending, not before the back-off has passed; failed for good after a
    permanent refusal or the last attempt."""
    when = retry_at(exc, row.attempts, timezone.now())
    return mark(
        row,
        PENDING if when else FAILED,
        next_attempt_at=when,
        last_error=str(exc)[:500],
        **fields,
    )
