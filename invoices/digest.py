"""The freelancer's daily digest: what needs acting on today, in one email, or none."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, Profile
from clientwatch.dates import zone_active
from invoices.models import Digest, Invoice, Reminder, Stage
from invoices.reminders import LEASE
from redflags.assess import scores_refresh
from redflags.models import ClientScore
from redflags.translation import rule_text

STAGE_ORDER = {Stage.NUDGE: 1, Stage.PAUSED: 2, Stage.FINAL: 3}


@dataclass
class DigestContent:
    overdue: list[dict] = field(default_factory=list)
    reminders_sent: list[Reminder] = field(default_factory=list)
    verdict_changes: list[ClientScore] = field(default_factory=list)
    fire: list[ClientScore] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.overdue or self.reminders_sent or self.verdict_changes or self.fire)


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


def _claim(owner: AbstractBaseUser, for_date: date) -> Digest | None:
    digest, _ = Digest.objects.get_or_create(owner=owner, for_date=for_date)
    now = timezone.now()
    taken = Digest.objects.filter(
        Q(state=Digest.State.PENDING) | Q(state=Digest.State.SENDING, claimed_until__lt=now),
        pk=digest.pk,
    ).update(state=Digest.State.SENDING, claimed_until=now + LEASE)
    return digest if taken else None


def digest_send(*, owner: AbstractBaseUser, for_date: date) -> str:
    """Send the day's digest once; nothing to act on (or opted out) sends nothing."""
    digest = _claim(owner, for_date)
    if digest is None:
        return "skipped"
    profile = Profile.objects.for_user(owner)
    content = digest_content(owner=owner, for_date=for_date) if profile.digest_enabled else None
    if not content or not owner.email:
        Digest.objects.filter(pk=digest.pk).update(state=Digest.State.EMPTY, claimed_until=None)
        return Digest.State.EMPTY
    context = {"content": content, "for_date": for_date, "owner": owner, "profile": profile}
    with zone_active(profile):  # the times reminders went out, on the freelancer's clock
        subject = " ".join(render_to_string("invoices/email/digest_subject.txt", context).split())
        text = render_to_string("invoices/email/digest_body.txt", context)
        html = render_to_string("invoices/email/digest_body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [owner.email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except OSError:
        Digest.objects.filter(pk=digest.pk).update(
            state=Digest.State.PENDING, claimed_until=None, attempts=digest.attempts + 1
        )
        raise
    Digest.objects.filter(pk=digest.pk).update(
        state=Digest.State.SENT,
        sent_at=timezone.now(),
        claimed_until=None,
        subject=subject,
        body_text=text,
        attempts=digest.attempts + 1,
    )
    return Digest.State.SENT
