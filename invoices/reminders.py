"""The payment-reminder ladder: which stage is due, claiming it once, sending it once.

Safety against doubles and losses rests on the database, not on Celery (the sending
itself is `clientwatch.outbox`, shared with receipts and digests):
- a stage is *claimed* by inserting the unique (invoice, stage) Reminder row;
- it is *sent* by whoever moves that row from pending to sending with a conditional
  UPDATE (one winner), holding it until `claimed_until`; one reminder at a time, its
  outcome saved before the next is claimed;
- a failed send goes back to pending with a later `next_attempt_at`, so the next
  sweep retries it; a worker that died mid-send leaves a lease that runs out, and the
  row is taken over (the fixed Message-ID makes such a rare resend recognisable).

Whether a stage may go out at all is said in one place, `stage_sendable`: the pages, the
send by hand and the daily claim all ask it. A send by hand goes through the same
pending row and the same conditional UPDATE as the daily run.
"""

import hashlib
import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clients.mail import client_mail_sender
from clients.models import Client, Profile
from clients.services import profile_for
from clients.wording import REMINDER_KINDS, WORDING_PREFETCH, Kind, wording_book_for
from clientwatch import outbox
from clientwatch.dates import today_for
from clientwatch.money import format_day, format_money
from clientwatch.sending import client_mail_allowance, mail_held_reason
from invoices.late_fees import fee_label, fees_charge_with_reminders, fees_with_stage
from invoices.models import (
    LADDER,
    DailyRunFailure,
    Invoice,
    LateFee,
    Reminder,
    Stage,
    stage_days,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

# How long a sender holds one email: longer than one SMTP send can take.
LEASE = timedelta(seconds=settings.REMINDER_LEASE_SECONDS)


def next_stage(*, days_overdue: int, already: set[str], days: dict[Stage, int]) -> Stage | None:
    """The rung above the highest one claimed, if it is due. Never a rung below one already
    claimed: a stage skipped or passed over is not sent after a later one. The ladder is
    climbed one rung a day at most, so a job that missed days catches up without skipping
    the nudge."""
    claimed = [rung for rung, stage in enumerate(LADDER) if stage in already]
    rung = max(claimed) + 1 if claimed else 0
    if rung >= len(LADDER):
        return None
    stage = LADDER[rung]
    return stage if days_overdue >= days[stage] else None


# --- Whether a stage may go out -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LadderFacts:
    """What decides whether a stage may go out for one invoice, read from its rows."""

    today: date
    due_on: date
    days: dict[Stage, int]
    invoice_state: str
    paid_in_full: bool
    disputed: bool
    reminders_on: bool  # for the invoice and for its client
    autopay_held: bool  # the client pays by autopay and no failure is recorded
    # Each stage's Reminder row, if there is one: its state and the day it was sent or skipped.
    rows: dict[str, tuple[str, date | None]]


@dataclass(frozen=True, slots=True)
class Sendable:
    """`ok`: the stage may go out now. Otherwise `reason` says why not, in the freelancer's
    words. `skips`: the earlier stages never sent that this send would pass over; when
    they are not confirmed, `ok` is False and the page offers the skip."""

    ok: bool
    reason: str = ""
    skips: tuple[Stage, ...] = ()

    @property
    def needs_skip(self) -> bool:
        return not self.ok and bool(self.skips)

    @property
    def can_send(self) -> bool:
        """Possible now, or once the freelancer confirms the skip."""
        return self.ok or self.needs_skip


def _day(day: date | None) -> str:
    if day is None:
        return ""
    return format_day(day, translation.to_locale(translation.get_language() or "en"))


def stage_sendable(facts: LadderFacts, stage: Stage, *, skip_earlier: bool = False) -> Sendable:
    """Whether `stage` may be sent now, by hand or by the daily run; the one place that
    says so. Plain data in, no queries."""
    if facts.invoice_state == Invoice.State.DRAFT:
        return Sendable(False, _("Still a draft: nothing to remind."))
    if facts.invoice_state == Invoice.State.WRITTEN_OFF:
        return Sendable(False, _("Written off: nothing to remind."))
    if facts.paid_in_full:
        return Sendable(False, _("Paid in full: nothing to remind."))
    if facts.disputed:
        return Sendable(False, _("Disputed: reminders wait until the dispute is settled."))
    if not facts.reminders_on:
        return Sendable(
            False,
            _("Reminders are off for this invoice or its client: switch them on to send one."),
        )
    if facts.autopay_held:
        return Sendable(
            False,
            _(
                "Reminders are held for this invoice: the client pays by autopay. They start "
                "once you record a failed autopay payment on the invoice page."
            ),
        )
    names = {"stage": stage.label}
    state, on = facts.rows.get(stage, (None, None))
    if state == Reminder.State.SENT:
        return Sendable(
            False, _("The “%(stage)s” was already sent on %(day)s.") % {**names, "day": _day(on)}
        )
    if state == Reminder.State.SENDING:
        return Sendable(False, _("The “%(stage)s” is being sent right now.") % names)
    if state == Reminder.State.SKIPPED:
        return Sendable(
            False, _("You skipped the “%(stage)s” on %(day)s.") % {**names, "day": _day(on)}
        )
    rung = LADDER.index(stage)
    for later in reversed(LADDER[rung + 1 :]):
        later_state, later_on = facts.rows.get(later, (None, None))
        if later_state is None:
            continue
        names["later"] = later.label
        if later_state == Reminder.State.SENT:
            return Sendable(
                False,
                _("The “%(later)s” already went out on %(day)s: the “%(stage)s” cannot follow it.")
                % {**names, "day": _day(later_on)},
            )
        return Sendable(
            False,
            _("The “%(later)s” is already under way: the “%(stage)s” cannot follow it.") % names,
        )
    from_day = facts.due_on + timedelta(days=facts.days[stage])
    if facts.today < from_day:
        return Sendable(
            False,
            _("Not due yet: the “%(stage)s” can go out from %(day)s.")
            % {**names, "day": _day(from_day)},
        )
    skips = []
    for earlier in LADDER[:rung]:
        earlier_state, _on = facts.rows.get(earlier, (None, None))
        if earlier_state in (Reminder.State.SENT, Reminder.State.SKIPPED):
            continue
        if earlier_state == Reminder.State.SENDING:
            return Sendable(
                False,
                _("The “%(earlier)s” is being sent right now: wait until it has gone out.")
                % {"earlier": earlier.label},
            )
        skips.append(earlier)
    if skips and not skip_earlier:
        return Sendable(
            False,
            _("Not sent yet: %(earlier)s. Sending the “%(stage)s” now skips it for good.")
            % {**names, "earlier": ", ".join(f"“{s.label}”" for s in skips)},
            tuple(skips),
        )
    return Sendable(True, skips=tuple(skips))


def _local_day(moment: datetime | None, profile: Profile) -> date | None:
    if moment is None:
        return None
    try:
        return moment.astimezone(ZoneInfo(profile.time_zone)).date()
    except (KeyError, ValueError):
        return timezone.localdate(moment)


def ladder_facts(
    invoice: Invoice, profile: Profile, rows: Iterable[Reminder], today: date
) -> LadderFacts:
    """The facts for `stage_sendable`, from an invoice with `paid_total` and `client` and
    its Reminder rows: no queries."""
    client = invoice.client
    return LadderFacts(
        today=today,
        due_on=invoice.due_on,
        days=stage_days(profile),
        invoice_state=invoice.state,
        paid_in_full=invoice.paid_total >= invoice.amount,
        disputed=invoice.disputed,
        reminders_on=invoice.reminders_enabled and client.reminders_enabled,
        autopay_held=client.autopay and invoice.autopay_failed_on is None,
        rows={
            row.stage: (
                row.state,
                _local_day(row.sent_at, profile)
                if row.state == Reminder.State.SENT and row.sent_at
                else row.due_on,
            )
            for row in rows
        },
    )


@dataclass(frozen=True, slots=True)
class LadderRung:
    stage: Stage
    reminder: Reminder | None
    sendable: Sendable


def ladder_rungs(*, invoice: Invoice, profile: Profile, today: date) -> list[LadderRung]:
    """Each stage of one invoice with its row and whether it may go out: one query."""
    rows = {row.stage: row for row in Reminder.objects.filter(invoice=invoice)}
    facts = ladder_facts(invoice, profile, rows.values(), today)
    return [LadderRung(stage, rows.get(stage), stage_sendable(facts, stage)) for stage in LADDER]


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
    profile = profile or profile_for(owner)
    days = stage_days(profile)
    invoices = list(
        remindable_invoices(owner)
        .filter(due_on__lt=as_of - timedelta(days=min(days.values()) - 1))
        .select_related("client")
        .order_by("due_on", "id")
    )
    rows: dict[int, list[Reminder]] = {}
    for row in Reminder.objects.filter(invoice__in=[i.pk for i in invoices]).only(
        "invoice_id", "stage", "state", "due_on", "sent_at"
    ):
        rows.setdefault(row.invoice_id, []).append(row)
    due = []
    for invoice in invoices:
        claimed = rows.get(invoice.pk, [])
        if any(row.due_on >= as_of for row in claimed):
            continue  # one rung a day, however often the job runs
        overdue = (as_of - invoice.due_on).days
        stage = next_stage(days_overdue=overdue, already={row.stage for row in claimed}, days=days)
        if stage and stage_sendable(ladder_facts(invoice, profile, claimed, as_of), stage).ok:
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


def sent_stages(invoice: Invoice) -> set[str]:
    """The stages that went out for `invoice` (prefetched by a batch as `sent_reminders`)."""
    sent = getattr(invoice, "sent_reminders", None)
    if sent is None:
        sent = Reminder.objects.filter(invoice=invoice, state=Reminder.State.SENT).only("stage")
    return {reminder.stage for reminder in sent}


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
    # Only texts written in the client's language: none is better than another language's.
    wording = wording_book_for(profile)
    own_words = wording.text(REMINDER_KINDS[stage], language)
    if fees is None:
        fees = fees_with_stage(invoice, stage, profile, balance=invoice.amount - paid)
    fees_total = sum((fee.amount for fee in fees), Decimal("0"))
    balance = max(invoice.amount - paid, Decimal("0"))
    # The final notice says only what happened: which earlier reminders the client had.
    earlier = sent_stages(invoice) - {stage} if stage == Stage.FINAL else set()
    return {
        "stage": stage,
        "nudged": Stage.NUDGE in earlier,
        "work_paused": Stage.PAUSED in earlier,
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
        "payment_instructions": wording.text(Kind.PAYMENT_INSTRUCTIONS, language),
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

BATCH = 200  # reminders read at once; each is still claimed, sent and saved on its own


def _ready_batch(
    owner: AbstractBaseUser | None, reminder_ids: list[int] | None, after: int
) -> list[Reminder]:
    """The next ready reminders by id, with everything needed to send them: a fixed number
    of queries per batch. Nothing is claimed here: each one is claimed just before its send."""
    ready = Reminder.objects.filter(outbox.ready(timezone.now()), pk__gt=after)
    if owner is not None:
        ready = ready.for_owner(owner)
    if reminder_ids is not None:
        ready = ready.filter(pk__in=reminder_ids)
    batch = list(ready.order_by("id")[:BATCH])
    if not batch:
        return []
    invoices = {
        invoice.pk: invoice
        for invoice in remindable_invoices()
        .filter(pk__in={r.invoice_id for r in batch})
        .select_related("client", "owner")
        .prefetch_related(
            Prefetch("fees", queryset=LateFee.objects.charged(), to_attr="charged_fees"),
            Prefetch(
                "reminders",
                queryset=Reminder.objects.filter(state=Reminder.State.SENT).only(
                    "invoice_id", "stage"
                ),
                to_attr="sent_reminders",
            ),
        )
    }
    profiles = {
        profile.user_id: profile
        for profile in Profile.objects.filter(user__in={i.owner_id for i in invoices.values()})
        .select_related("user")
        .prefetch_related(WORDING_PREFETCH)
    }
    for reminder in batch:
        invoice = invoices.get(reminder.invoice_id)
        if invoice is not None:
            reminder.invoice = invoice
            invoice.owner_profile = profiles.get(invoice.owner_id)
        # Not remindable any more (paid, disputed, written off, switched off): cancelled once
        # claimed, below.
        reminder.remindable = invoice is not None
    return batch


def reminders_deliver(
    *, owner: AbstractBaseUser | None = None, reminder_ids: list[int] | None = None, connection=None
) -> dict[str, int]:
    """Send every ready reminder (new, due for a retry, or abandoned mid-send) in one pass by
    id. Each is claimed, sent and its outcome saved before the next is sent, in a fixed
    number of queries per reminder: a lost database connection or a lease that ran out
    repeats at most the one in flight, with the same Message-ID. Safe to run twice, or
    twice at once."""
    counts: dict[str, int] = {}
    unsaved: list[tuple[Reminder, Callable[[], None]]] = []

    def save() -> None:
        while unsaved:
            reminder, write = unsaved.pop()
            write()
            counts[reminder.state] = counts.get(reminder.state, 0) + 1

    allowances: dict[int, int] = {}
    connection = connection or get_connection()
    after = 0
    try:
        while batch := _ready_batch(owner, reminder_ids, after):
            after = batch[-1].pk
            try:
                connection.open()
            except (smtplib.SMTPException, OSError) as exc:
                logger.warning("reminders: SMTP server unreachable: %s", exc)
                unreachable: Exception | None = exc
            else:
                unreachable = None
            for reminder in batch:
                if not _within_allowance(reminder, allowances):
                    continue
                # One commit per email: the outcome of the one just sent, then this claim.
                with transaction.atomic():
                    save()
                    if not outbox.claim(reminder, lease=LEASE):
                        continue
                if unreachable is not None:
                    unsaved.append((reminder, partial(_save_failure, reminder, unreachable)))
                else:
                    unsaved.append((reminder, _deliver_one(reminder, connection)))
            save()
    finally:
        connection.close()
    return counts


def _within_allowance(reminder: Reminder, allowances: dict[int, int]) -> bool:
    """Whether the account may mail one more client today (verified, under its daily
    limit: clientwatch.sending). Read once per freelancer and run, then counted down here;
    a reminder over it stays waiting, with the reason, for a later run."""
    if not reminder.remindable:
        return True  # only cancelled, never sent
    owner = reminder.invoice.owner
    if owner.pk not in allowances:
        allowances[owner.pk] = client_mail_allowance(owner)
    if allowances[owner.pk] > 0:
        allowances[owner.pk] -= 1
        return True
    profile = reminder.invoice.owner_profile
    with translation.override(getattr(profile, "language", None) or settings.LANGUAGE_CODE):
        reason = mail_held_reason(owner)
    Reminder.objects.filter(pk=reminder.pk, state=Reminder.State.PENDING).exclude(
        last_error=reason
    ).update(last_error=reason)
    return False


def _deliver_one(reminder: Reminder, connection) -> Callable[[], None]:
    """Send one claimed reminder; returns the write of its outcome, which the caller runs
    straight away, before anything else is sent."""
    if not reminder.remindable:
        return partial(outbox.mark, reminder, Reminder.State.CANCELLED)
    invoice = reminder.invoice
    stage = Stage(reminder.stage)
    profile = invoice.owner_profile or Profile.objects.for_user(invoice.owner)
    rendered = reminder_render(invoice, stage, profile)
    try:
        files = _attachments(invoice, stage, profile)
    except Exception as exc:  # a PDF that will not render: say so, do not send without
        return partial(_save_failure, reminder, exc)
    message = build_message(reminder, rendered, profile, files)
    # The one place where a reminder is decided to go out: it is claimed, still due, within
    # the account's daily allowance (checked before the claim), and rendered.
    try:
        connection.send_messages([message])
    except (smtplib.SMTPException, OSError) as exc:
        if not isinstance(exc, smtplib.SMTPResponseException):
            connection.close()  # a dropped session: the next send opens a fresh one
        return partial(_save_failure, reminder, exc)
    return partial(_save_sent, reminder, rendered, [name for name, _content, _type in files])


def _save_sent(reminder: Reminder, rendered: RenderedEmail, attachments: list[str]) -> None:
    """If this write is lost, only this one reminder is sent again after its lease, under
    the same Message-ID."""
    invoice = reminder.invoice
    # Inside the next claim's transaction when there is one: no savepoint of its own.
    with transaction.atomic(savepoint=False):
        saved = outbox.mark_sent(
            reminder,
            message_id=message_id(reminder),
            recipient=invoice.client.email,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            attachments=attachments,
        )
        if saved and reminder.stage == Stage.PAUSED:
            # docs/domain.md: once work is paused, say so everywhere until payment arrives.
            Client.objects.filter(pk=invoice.client_id, status=Client.Status.ACTIVE).update(
                status=Client.Status.PAUSED
            )


def _save_failure(reminder: Reminder, exc: Exception) -> None:
    outbox.mark_failed(reminder, exc)
    logger.warning(
        "reminder %s attempt %s failed (%s): %s",
        reminder.pk,
        reminder.attempts,
        reminder.state,
        exc,
    )


def _attachments(invoice: Invoice, stage: Stage, profile: Profile) -> list[tuple[str, bytes, str]]:
    """The PDFs the freelancer chose to send with this stage (none unless switched on)."""
    from invoices.letters import reminder_attachments  # letters imports this module

    return reminder_attachments(invoice, stage, profile, as_of=today_for(profile))


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


# --- When a freelancer's daily run breaks ----------------------------------------------


def freelancer_run_alone(*, owner: AbstractBaseUser, part: str, run: Callable[[], T]) -> T | None:
    """Run one part of a freelancer's daily job (`part`: "reminders" or "digest") so that it
    never stops anyone else's: a failure (their data, a lost database connection) is logged
    and noted for them, and None returned. The claim and each send commit on their own."""
    try:
        return run()
    except Exception as exc:
        daily_run_failure_note(owner=owner, part=part, exc=exc)
        return None


def daily_run_failure_note(*, owner: AbstractBaseUser, part: str, exc: Exception) -> None:
    """Log the failure and keep it for the freelancer's settings page and next digest."""
    logger.exception("daily run of freelancer %s failed in %s", owner.pk, part, exc_info=exc)
    if not db_connection.in_atomic_block:
        # A connection the server dropped is replaced, so the note and the next freelancer
        # do not fail on it too.
        db_connection.close_if_unusable_or_obsolete()
    try:
        DailyRunFailure.objects.update_or_create(
            owner=owner,
            defaults={
                "failed_at": timezone.now(),
                "part": part,
                "error": f"{type(exc).__name__}: {exc}"[:500],
            },
        )
    except DatabaseError:
        logger.exception("could not note the failure of freelancer %s", owner.pk)


def daily_run_failure_clear(*, owner: AbstractBaseUser, parts: Iterable[str] | None = None) -> None:
    """A later run went through (all of it, or these parts): the notice goes."""
    failures = DailyRunFailure.objects.filter(owner=owner)
    if parts is not None:
        failures = failures.filter(part__in=list(parts))
    failures.delete()


def daily_run_failure_for(owner: AbstractBaseUser) -> DailyRunFailure | None:
    return DailyRunFailure.objects.filter(owner=owner).first()


def email_fingerprint(email: RenderedEmail, skips: Iterable[Stage] = ()) -> str:
    """What the freelancer confirms: the exact email, and the stages it passes over. A send
    by hand goes out only if the page they read carried the same fingerprint."""
    text = "\0".join([email.subject, email.text, email.html, *sorted(skips)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class HandSend:
    """What the preview page shows before a send by hand, and what its form confirms."""

    sendable: Sendable
    email: RenderedEmail | None
    confirmation: str


def reminder_send_preview(*, invoice: Invoice, stage: Stage, profile: Profile) -> HandSend:
    """Whether `stage` may be sent by hand now and, if so, the email it would send.
    `invoice` needs `paid_total` and `client`."""
    today = today_for(profile)
    rows = list(Reminder.objects.filter(invoice=invoice))
    facts = ladder_facts(invoice, profile, rows, today)
    sendable = stage_sendable(facts, stage)
    if not sendable.can_send:
        return HandSend(sendable, None, "")
    email = reminder_render(invoice, stage, profile)
    return HandSend(sendable, email, email_fingerprint(email, sendable.skips))


def _stage_skip(*, invoice: Invoice, stage: Stage, on: date) -> None:
    """Record that the freelancer passed over `stage`: the daily run never sends it later."""
    Reminder.objects.bulk_create(
        [
            Reminder(
                invoice=invoice,
                stage=stage,
                state=Reminder.State.SKIPPED,
                trigger=Reminder.Trigger.MANUAL,
                due_on=on,
            )
        ],
        ignore_conflicts=True,
    )
    # A row that was there already (waiting, failed, cancelled) is skipped too, unless a
    # sender holds it or it went out meanwhile: then the send by hand stops here.
    skipped = (
        Reminder.objects.filter(invoice=invoice, stage=stage)
        .exclude(state__in=[Reminder.State.SENT, Reminder.State.SENDING])
        .update(state=Reminder.State.SKIPPED, next_attempt_at=None, due_on=on)
    )
    if (
        not skipped
        and not Reminder.objects.filter(
            invoice=invoice, stage=stage, state=Reminder.State.SKIPPED
        ).exists()
    ):
        raise ValidationError(
            _("The “%(stage)s” went out meanwhile: look at the invoice again.")
            % {"stage": stage.label}
        )


@transaction.atomic
def _claim_by_hand(
    *, invoice: Invoice, stage: Stage, confirmation: str, skip_earlier: bool
) -> Reminder:
    """Check the facts and the confirmation, then leave the stage waiting to be sent with
    the late fees it brings, in one transaction: a waiting row always carries its fee."""
    owner = invoice.owner
    profile = profile_for(owner)
    today = today_for(profile)
    # One send by hand at a time per invoice: the second reads what the first did. NO KEY:
    # the daily claim inserting a Reminder (its foreign key takes KEY SHARE) must not wait
    # on this lock while this send waits on its unique row, which would deadlock.
    list(Invoice.objects.select_for_update(no_key=True).filter(pk=invoice.pk).values_list("pk"))
    invoice = (
        Invoice.objects.for_owner(owner).with_paid().select_related("client").get(pk=invoice.pk)
    )
    rows = {row.stage: row for row in Reminder.objects.filter(invoice=invoice)}
    facts = ladder_facts(invoice, profile, rows.values(), today)
    sendable = stage_sendable(facts, stage, skip_earlier=skip_earlier)
    if not sendable.ok:
        raise ValidationError(sendable.reason)
    email = reminder_render(invoice, stage, profile)
    if email_fingerprint(email, sendable.skips) != confirmation:
        raise ValidationError(
            _("The email changed since you read it: read it again below, then confirm.")
        )
    for earlier in sendable.skips:
        _stage_skip(invoice=invoice, stage=earlier, on=today)
    reminder = rows.get(stage)
    if reminder is None:
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(
                    invoice=invoice, stage=stage, trigger=Reminder.Trigger.MANUAL, due_on=today
                )
        except IntegrityError:
            raise ValidationError(_("This stage is already being sent.")) from None
    else:
        # Conditional: a row that a sender holds or that went out is never set back.
        taken = (
            Reminder.objects.filter(pk=reminder.pk)
            .exclude(state__in=[Reminder.State.SENT, Reminder.State.SENDING])
            .update(
                state=Reminder.State.PENDING,
                next_attempt_at=None,
                trigger=Reminder.Trigger.MANUAL,
            )
        )
        if not taken:
            raise ValidationError(_("This stage is already being sent."))
    fees_charge_with_reminders(profile=profile, claims=[(invoice, stage)], as_of=today)
    return reminder


def reminder_send_now(
    *,
    invoice: Invoice,
    stage: Stage,
    confirmation: str,
    skip_earlier: bool = False,
    connection=None,
) -> Reminder:
    """The freelancer sends one stage by hand, having read the email (`confirmation` is the
    fingerprint of what they read). The send itself is claimed with the same conditional
    UPDATE as the daily run: among requests at once, one sends, the others are refused."""
    reminder = _claim_by_hand(
        invoice=invoice, stage=stage, confirmation=confirmation, skip_earlier=skip_earlier
    )
    outcome = reminder_deliver(reminder_id=reminder.pk, connection=connection)
    reminder.refresh_from_db()
    if outcome == "skipped":
        raise ValidationError(_("This stage is already being sent."))
    return reminder
