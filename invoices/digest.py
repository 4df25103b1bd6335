"""The freelancer's daily digest: what needs acting on today, in one email, or none."""

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clients.models import Client, Profile
from clientwatch import outbox
from clientwatch.dates import zone_active
from invoices.models import DailyRunFailure, Digest, Invoice, Reminder, Stage
from invoices.reminders import LEASE, mail_domain
from redflags.assess import scores_refresh
from redflags.models import ClientScore
from redflags.translation import rule_text

logger = logging.getLogger(__name__)

STAGE_ORDER = {Stage.NUDGE: 1, Stage.PAUSED: 2, Stage.FINAL: 3}


@dataclass
class DigestContent:
    overdue: list[dict] = field(default_factory=list)
    reminders_sent: list[Reminder] = field(default_factory=list)
    verdict_changes: list[ClientScore] = field(default_factory=list)
    fire: list[ClientScore] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    # The daily run broke since the last digest: the freelancer hears of it here.
    run_failure: DailyRunFailure | None = None

    def __bool__(self) -> bool:
        return bool(
            self.overdue
            or self.reminders_sent
            or self.verdict_changes
            or self.fire
            or self.run_failure
        )


def digest_content(*, owner: AbstractBaseUser, for_date: date) -> DigestContent:
    """Everything the digest says, in a fixed number of queries."""
    content = DigestContent()
    scores_refresh(owner, as_of=for_date)
    last_sent = (
        Digest.objects.for_owner(owner)
        .filter(state=Digest.State.SENT, for_date__lt=for_date)
        .aggregate(at=Max("sent_at"))["at"]
    )
    since = last_sent or timezone.now() - timedelta(days=1)
    content.run_failure = DailyRunFailure.objects.filter(owner=owner, failed_at__gte=since).first()

    stage_reached = {}
    for invoice_id, stage in (
        Reminder.objects.for_owner(owner)
        .filter(state=Reminder.State.SENT)
        .values_list("invoice_id", "stage")
    ):
        if STAGE_ORDER[stage] > STAGE_ORDER.get(stage_reached.get(invoice_id), 0):
            stage_reached[invoice_id] = stage
    for invoice in (
        Invoice.objects.for_owner(owner)
        .with_paid()
        .overdue(for_date)
        .select_related("client")
        .order_by("due_on")
    ):
        stage = stage_reached.get(invoice.pk)
        content.overdue.append(
            {
                "invoice": invoice,
                "client": invoice.client,
                "days": (for_date - invoice.due_on).days,
                "balance": invoice.amount - invoice.paid_total,
                "stage": Stage(stage).label if stage else None,
            }
        )
        if stage == Stage.FINAL:
            content.suggestions.append(
                _(
                    "%(client)s: the final notice for %(number)s has gone out. Decide whether "
                    "to pass it to collection, and finish only what is already paid for."
                )
                % {"client": invoice.client.name, "number": invoice.number}
            )

    content.reminders_sent = list(
        Reminder.objects.for_owner(owner)
        .filter(state=Reminder.State.SENT, sent_at__gte=since)
        .select_related("invoice__client")
        .order_by("sent_at")
    )
    scores = (
        ClientScore.objects.for_owner(owner)
        .select_related("client")
        .exclude(client__status=Client.Status.DROPPED)
    )
    content.verdict_changes = list(
        scores.filter(
            verdict_changed_on__gt=for_date - timedelta(days=1), verdict_changed_on__lte=for_date
        ).exclude(previous_verdict="")
    )
    content.fire = list(scores.filter(verdict=ClientScore.Verdict.FIRE).order_by("score"))
    for score in content.fire:
        content.suggestions.append(
            (
                _("%(client)s is at fire (%(reason)s).")
                % {"client": score.client.name, "reason": rule_text(score.top_reason)}
                + " "
                + rule_text(score.top_advice)
            ).strip()
        )
    return content


EMAIL_FIELDS = ("recipient", "subject", "body_text", "body_html")


def message_id(digest: Digest) -> str:
    return f"<digest-{digest.owner_id}-{digest.for_date.isoformat()}@{mail_domain()}>"


def _render(owner: AbstractBaseUser, for_date: date) -> dict[str, str] | None:
    """The day's digest as it will be stored and sent; None when there is nothing to say."""
    profile = Profile.objects.for_user(owner)
    if not profile.digest_enabled or not owner.email:
        return None
    # In the freelancer's own language (a worker has no request to take it from) and on
    # their clock (the times reminders went out).
    with translation.override(profile.language or settings.LANGUAGE_CODE), zone_active(profile):
        content = digest_content(owner=owner, for_date=for_date)
        if not content:
            return None
        context = {"content": content, "for_date": for_date, "owner": owner, "profile": profile}
        subject = " ".join(render_to_string("invoices/email/digest_subject.txt", context).split())
        text = render_to_string("invoices/email/digest_body.txt", context)
        html = render_to_string("invoices/email/digest_body.html", context)
    return {"recipient": owner.email, "subject": subject, "body_text": text, "body_html": html}


def digest_send(*, owner: AbstractBaseUser, for_date: date, connection=None) -> str:
    """Send the day's digest once; nothing to act on (or opted out) sends nothing. A retry
    sends what the first try rendered, under the same Message-ID."""
    digest, _ = Digest.objects.get_or_create(owner=owner, for_date=for_date)
    if not outbox.claim(digest, lease=LEASE):
        return "skipped"
    if digest.subject:
        email = {name: getattr(digest, name) for name in EMAIL_FIELDS}
    else:
        try:
            email = _render(owner, for_date)
        except Exception as exc:
            outbox.mark_failed(digest, exc)  # not an SMTP error: failed, not retried today
            raise
        if email is None:
            outbox.mark(digest, Digest.State.EMPTY)
            return Digest.State.EMPTY
    message = EmailMultiAlternatives(
        email["subject"],
        email["body_text"],
        settings.DEFAULT_FROM_EMAIL,
        [email["recipient"]],
        headers={"Message-ID": message_id(digest)},
    )
    message.attach_alternative(email["body_html"], "text/html")
    # The one place where a digest is decided to go out.
    try:
        (connection or get_connection()).send_messages([message])
    except (smtplib.SMTPException, OSError) as exc:
        # Kept with the rendered email: the retry, after its back-off, sends the same.
        outbox.mark_failed(digest, exc, **email)
        logger.warning("digest %s attempt %s failed: %s", digest.pk, digest.attempts, exc)
        return digest.state
    outbox.mark_sent(digest, message_id=message_id(digest), **email)
    return Digest.State.SENT
