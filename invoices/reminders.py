"""The payment-reminder ladder: which stage is due, claiming it once, sending it once.

Safety against doubles and losses rests on the database, not on Celery:
- a stage is *claimed* by inserting the unique (invoice, stage) Reminder row;
- it is *sent* by whoever moves that row from pending to sending with a conditional
  UPDATE (one winner), holding it until `claimed_until`;
- a failed send goes back to pending with a later `next_attempt_at`, so the next
  sweep retries it; a worker that died mid-send leaves a lease that runs out, and the
  row is taken over (the fixed Message-ID makes such a rare resend recognisable).
"""

import logging
import smtplib
import socket
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clients.mail import client_mail_sender
from clients.models import Client, Profile
from clients.services import profile_for
from clientwatch.money import format_day, format_money
from invoices.late_fees import fee_label, fees_charge_with_reminders, fees_with_stage
from invoices.models import LADDER, Invoice, LateFee, Reminder, Stage, stage_days

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# How long a sender holds a reminder: longer than one batch of SMTP sends can take.
LEASE = timedelta(seconds=settings.REMINDER_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    """1, 4, 16, 64 ... minutes after each failed try, capped at six hours."""
    return timedelta(minutes=min(4 ** (attempts - 1), 360))


def next_stage(*, days_overdue: int, already: set[str], days: dict[Stage, int]) -> Stage | None:
    """The lowest stage that is due and not yet claimed: the ladder is climbed one rung a
    day at most, so a job that missed days catches up without skipping the nudge."""
    for stage in LADDER:
        if stage in already:
            continue
        return stage if days_overdue >= days[stage] else None
    return None


def mail_domain() -> str:
    """The sender's domain, for Message-IDs that stay the same for the same email."""
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "clientwatch.local"


def message_id(reminder: Reminder) -> str:
    return f"<reminder-{reminder.invoice_id}-{reminder.stage}@{mail_domain()}>"


def remindable_invoices(owner: AbstractBaseUser | None = None):
    """Invoices the ladder may act on: sent, unpaid, not disputed, reminders on for the
    invoice and the client, and for a client on autopay only once a failure is recorded."""
    invoices = Invoice.objects.all() if owner is None else Invoice.objects.for_owner(owner)
    return (
        invoices.with_paid()
        .open()
        .filter(disputed=False, reminders_enabled=True, client__reminders_enabled=True)
        .filter(Q(client__autopay=False) | Q(autopay_failed_on__isnull=False))
    )


def still_remindable(invoice: Invoice) -> bool:
    return remindable_invoices(invoice.owner).filter(pk=invoice.pk).exists()


# --- Claiming -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueReminder:
    invoice: Invoice
    stage: Stage
    days_overdue: int


def reminders_due(
    *, owner: AbstractBaseUser, as_of: date, profile: Profile | None = None
) -> list[DueReminder]:
    """What the ladder says should go out on `as_of`; two queries whatever the count."""
    days = stage_days(profile or profile_for(owner))
    invoices = list(
        remindable_invoices(owner)
        .filter(due_on__lt=as_of - timedelta(days=min(days.values()) - 1))
        .select_related("client")
        .order_by("due_on", "id")
    )
    claimed: dict[int, set[str]] = {}
    climbed_today: set[int] = set()
    for invoice_id, stage, claimed_on in Reminder.objects.filter(
        invoice__in=[i.pk for i in invoices]
    ).values_list("invoice_id", "stage", "due_on"):
        claimed.setdefault(invoice_id, set()).add(stage)
        if claimed_on >= as_of:
            climbed_today.add(invoice_id)
    due = []
    for invoice in invoices:
        if invoice.pk in climbed_today:
            continue  # one rung a day, however often the job runs
        overdue = (as_of - invoice.due_on).days
        stage = next_stage(days_overdue=overdue, already=claimed.get(invoice.pk, set()), days=days)
        if stage:
            due.append(DueReminder(invoice, stage, overdue))
    return due


@transaction.atomic
def reminders_claim_due(*, owner: AbstractBaseUser, as_of: date) -> int:
    """Insert the pending rows for today's due stages, with the late fees they bring;
    rows already there are left alone, so two runs at once or one run twice claim each
    stage (and charge each fee) once."""
    profile = profile_for(owner)
    due = reminders_due(owner=owner, as_of=as_of, profile=profile)
    rows = [Reminder(invoice=d.invoice, stage=d.stage, due_on=as_of) for d in due]
    before = Reminder.objects.for_owner(owner).count()
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    fees_charge_with_reminders(
        profile=profile, claims=[(d.invoice, d.stage) for d in due], as_of=as_of
    )
    return Reminder.objects.for_owner(owner).count() - before


# --- Rendering ----------------------------------------------------------------------


def reminder_context(
    invoice: Invoice, stage: Stage, profile: Profile, fees: list[LateFee] | None = None
) -> dict[str, object]:
    """`fees`: the lines still owed on the invoice. When not given they are read from the
    database, with the lines this stage would add if not charged yet (a preview shows
    what the email will say)."""
    client: Client = invoice.client
    language = client.language
    paid = getattr(invoice, "paid_total", None)
    if paid is None:
        paid = sum((p.amount for p in invoice.payments.all()), Decimal("0"))
    own_words = {
        Stage.NUDGE: profile.reminder_nudge_message,
        Stage.PAUSED: profile.reminder_pause_message,
        Stage.FINAL: profile.reminder_final_message,
    }[stage]
    if fees is None:
        fees = fees_with_stage(invoice, stage, profile, balance=invoice.amount - paid)
    fees_total = sum((fee.amount for fee in fees), Decimal("0"))
    balance = max(invoice.amount - paid, Decimal("0"))
    return {
        "stage": stage,
        "client": client,
        "invoice": invoice,
        "fees": [
            {
                "label": fee_label(fee, language),
                "amount": format_money(fee.amount, fee.currency, language),
            }
            for fee in fees
        ],
        "total_due": format_money(balance + fees_total, invoice.currency, language),
        "attach_letter": getattr(profile, f"letter_with_{stage}"),
        "attach_statement": stage == Stage.FINAL and profile.statement_with_final,
        "freelancer_name": profile.signature,
        "payment_instructions": profile.payment_instructions,
        "own_words": own_words,
        "amount": format_money(invoice.amount, invoice.currency, language),
        "balance": format_money(balance, invoice.currency, language),
        "partly_paid": paid > 0,
        "due_on": format_day(invoice.due_on, language),
        "issued_on": format_day(invoice.issued_on, language),
    }


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    language: str


def reminder_render(invoice: Invoice, stage: Stage, profile: Profile) -> RenderedEmail:
    """The email for one stage, in the client's language where a translation exists."""
    language = invoice.client.language
    # A batch prefetches the fees still owed (`charged_fees`); a single preview reads them.
    context = reminder_context(invoice, stage, profile, getattr(invoice, "charged_fees", None))
    with translation.override(language):
        subject = render_to_string(f"invoices/email/reminder_{stage}_subject.txt", context)
        text = render_to_string(f"invoices/email/reminder_{stage}_body.txt", context)
        html = render_to_string(f"invoices/email/reminder_{stage}_body.html", context)
    return RenderedEmail(" ".join(subject.split()), text.strip() + "\n", html, language)


def build_message(
    reminder: Reminder,
    rendered: RenderedEmail,
    profile: Profile,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> EmailMultiAlternatives:
    owner = profile.user
    sender = client_mail_sender(profile)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender.from_email,
        to=[reminder.invoice.client.email],
        bcc=[owner.email] if profile.reminder_bcc_me and owner.email else [],
        reply_to=sender.reply_to,
        headers={"Message-ID": message_id(reminder), "Content-Language": rendered.language},
    )
    message.attach_alternative(rendered.html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    return message


# --- Sending ------------------------------------------------------------------------


def is_transient(exc: Exception) -> bool:
    """4xx answers and connection trouble pass; a 5xx answer will not get better."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPException, socket.error, TimeoutError))


BATCH = 200  # reminders taken at once: small enough to send well within the lease


def _ready(now: datetime) -> Q:
    free = Q(state=Reminder.State.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(state=Reminder.State.SENDING, claimed_until__lt=now)
    return free | abandoned


def _take_batch(owner: AbstractBaseUser | None, reminder_ids: list[int] | None) -> list[Reminder]:
    """Mark up to BATCH ready reminders as ours with one conditional UPDATE: among racing
    workers each row goes to exactly one, the others' UPDATE no longer matches it."""
    now = timezone.now()
    ready = Reminder.objects.filter(_ready(now))
    if owner is not None:
        ready = ready.for_owner(owner)
    if reminder_ids is not None:
        ready = ready.filter(pk__in=reminder_ids)
    token = uuid4().hex
    ids = list(ready.order_by("id").values_list("id", flat=True)[:BATCH])
    if not ids or not Reminder.objects.filter(_ready(now), pk__in=ids).update(
        state=Reminder.State.SENDING, claimed_until=now + LEASE, claim_token=token
    ):
        return []
    return list(
        Reminder.objects.filter(claim_token=token, state=Reminder.State.SENDING)
        .select_related("invoice__client", "invoice__owner")
        .order_by("id")
    )


def reminders_deliver(
    *, owner: AbstractBaseUser | None = None, reminder_ids: list[int] | None = None, connection=None
) -> dict[str, int]:
    """Send every ready reminder (new, due for a retry, or abandoned mid-send), a batch at a
    time, in a fixed number of queries per batch. Safe to run twice, or twice at once."""
    counts: dict[str, int] = {}
    while batch := _take_batch(owner, reminder_ids):
        for state in _deliver_batch(batch, connection).values():
            counts[state] = counts.get(state, 0) + 1
        if reminder_ids is not None:
            break
    return counts


def _deliver_batch(batch: list[Reminder], connection) -> dict[int, str]:
    invoices = {
        invoice.pk: invoice
        for invoice in remindable_invoices()
        .filter(pk__in=[r.invoice_id for r in batch])
        .select_related("client", "owner")
        .prefetch_related(
            Prefetch("fees", queryset=LateFee.objects.charged(), to_attr="charged_fees")
        )
    }
    profiles = {
        profile.user_id: profile
        for profile in Profile.objects.filter(
            user__in={r.invoice.owner_id for r in batch}
        ).select_related("user")
    }
    outcome: dict[int, str] = {}
    now = timezone.now()
    connection = connection or get_connection()
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        for reminder in batch:
            reminder.attempts += 1
            _note_failure(reminder, exc, now)
            outcome[reminder.pk] = reminder.state
        batch_failed = True
    else:
        batch_failed = False
    try:
        for reminder in [] if batch_failed else batch:
            invoice = invoices.get(reminder.invoice_id)
            if invoice is None:
                # Paid, disputed, written off or switched off since the claim: the ladder stops.
                reminder.state = Reminder.State.CANCELLED
                outcome[reminder.pk] = reminder.state
                continue
            profile = profiles.get(invoice.owner_id) or Profile.objects.for_user(invoice.owner)
            rendered = reminder_render(invoice, Stage(reminder.stage), profile)
            reminder.attempts += 1
            try:
                files = _attachments(invoice, Stage(reminder.stage), profile)
            except Exception as exc:  # a PDF that will not render: say so, do not send without
                _note_failure(reminder, exc, now)
                outcome[reminder.pk] = reminder.state
                continue
            message = build_message(reminder, rendered, profile, files)
            try:
                connection.send_messages([message])
            except (smtplib.SMTPException, OSError) as exc:
                _note_failure(reminder, exc, now)
            else:
                reminder.state = Reminder.State.SENT
                reminder.sent_at = timezone.now()
                reminder.last_error = ""
                reminder.next_attempt_at = None
                reminder.message_id = message_id(reminder)
                reminder.recipient = invoice.client.email
                reminder.subject = rendered.subject
                reminder.body_text = rendered.text
                reminder.body_html = rendered.html
                reminder.attachments = [filename for filename, _content, _type in files]
            outcome[reminder.pk] = reminder.state
    finally:
        connection.close()
    for reminder in batch:
        reminder.claimed_until = None
        reminder.claim_token = ""
    with transaction.atomic():
        _save_outcomes(batch)
        paused = [
            r.invoice.client_id
            for r in batch
            if r.stage == Stage.PAUSED and r.state == Reminder.State.SENT
        ]
        if paused:
            # DOMAIN.md: once work is paused, say so everywhere until payment arrives.
            Client.objects.filter(pk__in=paused, status=Client.Status.ACTIVE).update(
                status=Client.Status.PAUSED
            )
    return outcome


OUTCOME_FIELDS = (
    "state",
    "attempts",
    "sent_at",
    "last_error",
    "next_attempt_at",
    "message_id",
    "recipient",
    "subject",
    "body_text",
    "body_html",
    "claimed_until",
    "claim_token",
    "attachments",
)


def _attachments(invoice: Invoice, stage: Stage, profile: Profile) -> list[tuple[str, bytes, str]]:
    """The PDFs the freelancer chose to send with this stage (none unless switched on)."""
    from invoices.letters import reminder_attachments  # letters imports this module

    return reminder_attachments(invoice, stage, profile, as_of=timezone.localdate())


def _save_outcomes(batch: list[Reminder]) -> None:
    """One parameterised UPDATE run for every row of the batch (executemany).

    Django's bulk_update builds a CASE expression per field and row, which cost more
    than sending the emails; executemany is one statement, prepared once.
    """
    fields = [Reminder._meta.get_field(name) for name in OUTCOME_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Only column names from the model go into the text; every value is a parameter.
    table = quote(Reminder._meta.db_table)
    sql = f"UPDATE {table} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608  # nosec B608
    rows = [
        [field.get_db_prep_save(getattr(reminder, field.attname), connection) for field in fields]
        + [reminder.pk]
        for reminder in batch
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def retry_at(exc: Exception, attempts: int, now: datetime) -> datetime | None:
    """When to try a failed send again, or None to give up (a 5xx, or too many tries)."""
    if not is_transient(exc) or attempts >= MAX_ATTEMPTS:
        return None
    return now + backoff(attempts)


def _note_failure(reminder: Reminder, exc: Exception, now: datetime) -> None:
    reminder.next_attempt_at = retry_at(exc, reminder.attempts, now)
    reminder.state = Reminder.State.PENDING if reminder.next_attempt_at else Reminder.State.FAILED
    reminder.last_error = str(exc)[:500]
    logger.warning(
        "reminder %s attempt %s failed (%s): %s",
        reminder.pk,
        reminder.attempts,
        reminder.state,
        exc,
    )


def reminder_deliver(*, reminder_id: int, connection=None) -> str:
    """Send one claimed reminder now; returns its state afterwards ("skipped" if not ready)."""
    counts = reminders_deliver(reminder_ids=[reminder_id], connection=connection)
    return next(iter(counts), "skipped")


def freelancer_reminders_run(
    *, owner: AbstractBaseUser, as_of: date, connection=None
) -> dict[str, int]:
    """Claim today's due stages and send everything ready: the daily job for one freelancer."""
    claimed = reminders_claim_due(owner=owner, as_of=as_of)
    counts = reminders_deliver(owner=owner, connection=connection)
    counts["claimed"] = claimed
    return counts


def reminder_send_now(*, invoice: Invoice, stage: Stage) -> Reminder:
    """The freelancer sends one stage by hand, e.g. before the automatic day comes."""
    if not still_remindable(invoice):
        raise ValidationError(
            _("This invoice is paid, disputed, written off or has reminders off.")
        )
    reminder, created = Reminder.objects.get_or_create(
        invoice=invoice,
        stage=stage,
        defaults={"trigger": Reminder.Trigger.MANUAL, "due_on": timezone.localdate()},
    )
    if not created and reminder.state in (Reminder.State.SENT, Reminder.State.SENDING):
        raise ValidationError(_("This stage was already sent for this invoice."))
    invoice = remindable_invoices(invoice.owner).select_related("client").get(pk=invoice.pk)
    fees_charge_with_reminders(
        profile=profile_for(invoice.owner), claims=[(invoice, stage)], as_of=timezone.localdate()
    )
    if not created:
        Reminder.objects.filter(pk=reminder.pk).update(
            state=Reminder.State.PENDING, next_attempt_at=None, trigger=Reminder.Trigger.MANUAL
        )
    reminder_deliver(reminder_id=reminder.pk)
    reminder.refresh_from_db()
    return reminder
