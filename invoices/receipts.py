"""Receipts: a thank-you email for a recorded payment, sent once, never lost.

The one-to-one Receipt row, inserted with the payment, is the claim against doubles: a
payment has at most one receipt. Sending goes through the outbox (`clientwatch.outbox`),
as reminders and digests do:
- whoever moves the row from pending to sending with a conditional UPDATE sends it,
  holding it until `claimed_until`; a second task, the sweep, or a double click finds no
  row to move and stops;
- a transient SMTP failure puts the row back to pending, not before `next_attempt_at`
  (the back-off), a permanent one marks it failed;
- a worker that died mid-send leaves a lease that runs out, and the sweep takes it over
  (the fixed Message-ID makes such a rare resend recognisable).
"""

import logging
import smtplib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clients.mail import client_mail_sender
from clients.models import Client, Profile
from clientwatch import outbox
from clientwatch.celery import enqueue_after_commit
from clientwatch.money import format_day, format_money
from clientwatch.sending import client_mail_allowance, mail_held_reason
from invoices.models import Invoice, LateFee, Payment, Receipt
from invoices.reminders import LEASE, RenderedEmail, mail_domain

logger = logging.getLogger(__name__)

BATCH = 200  # receipts one sweep sends: well within a lease


def receipts_switched_on(client: Client, profile: Profile | None) -> bool:
    """Both switches: the freelancer's (off by default) and the client's (on by default)."""
    return bool(profile and profile.receipts_enabled and client.receipts_enabled)


def receipt_queue(*, payment: Payment) -> Receipt:
    """Claim the payment's receipt (inside the caller's transaction) and queue its sending
    once that commits. If the broker is down, the pending row waits for the sweep."""
    from invoices.tasks import send_receipt

    receipt = Receipt(payment=payment)
    receipt.full_clean()
    receipt.save()
    enqueue_after_commit(send_receipt, receipt.pk)
    return receipt


@transaction.atomic
def receipt_send_by_hand(*, payment: Payment) -> Receipt:
    """The freelancer asks for a receipt for one payment: one that had none, or whose
    receipt failed for good. One that is waiting or sent is not sent again."""
    Invoice.objects.select_for_update().get(pk=payment.invoice_id)  # one click at a time
    receipt = Receipt.objects.filter(payment=payment).first()
    if receipt is None:
        return receipt_queue(payment=payment)
    if receipt.state != Receipt.State.FAILED:
        raise ValidationError(_("A receipt for this payment is already sent or on its way."))
    Receipt.objects.filter(pk=receipt.pk, state=Receipt.State.FAILED).update(
        state=Receipt.State.PENDING,
        attempts=0,
        next_attempt_at=None,
        claimed_until=None,
        last_error="",
    )
    from invoices.tasks import send_receipt

    enqueue_after_commit(send_receipt, receipt.pk)
    receipt.refresh_from_db()
    return receipt


# --- Rendering ----------------------------------------------------------------------


def message_id(receipt: Receipt) -> str:
    return f"<receipt-{receipt.payment_id}@{mail_domain()}>"


@dataclass(frozen=True, slots=True)
class Balance:
    """The invoice as this payment left it (payments recorded after it do not count),
    and the late fees on it still owed (neither paid nor waived) when the receipt is made."""

    owed_before: Decimal
    owed_after: Decimal
    fees_owed: Decimal = Decimal("0")

    @property
    def invoice_cleared(self) -> bool:
        return self.owed_after <= 0

    @property
    def cleared(self) -> bool:
        """Paid in full: the invoice and every fee charged on it."""
        return self.invoice_cleared and self.fees_owed <= 0

    @property
    def still_owed(self) -> Decimal:
        return self.owed_after + self.fees_owed


def balance_after(payment: Payment) -> Balance:
    invoice = payment.invoice
    earlier = Payment.objects.filter(invoice=invoice, pk__lt=payment.pk).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    fees = LateFee.objects.charged().filter(invoice=invoice).aggregate(total=Sum("amount"))
    return Balance(
        owed_before=max(invoice.amount - earlier, Decimal("0")),
        owed_after=max(invoice.amount - earlier - payment.amount, Decimal("0")),
        fees_owed=fees["total"] or Decimal("0"),
    )


def receipt_context(payment: Payment, profile: Profile) -> dict[str, object]:
    invoice = payment.invoice
    client = invoice.client
    language = client.language
    balance = balance_after(payment)
    return {
        "client": client,
        "invoice": invoice,
        "payment": payment,
        "freelancer_name": profile.signature,
        "business_details": profile.business_details,
        "amount_received": format_money(payment.amount, invoice.currency, language),
        "paid_on": format_day(payment.paid_on, language),
        "invoice_amount": format_money(invoice.amount, invoice.currency, language),
        "still_owed": format_money(balance.still_owed, invoice.currency, language),
        "fees_owed": format_money(balance.fees_owed, invoice.currency, language)
        if balance.fees_owed > 0
        else "",
        "invoice_cleared": balance.invoice_cleared,
        "paid_in_full": balance.cleared,
    }


def receipt_render(payment: Payment, profile: Profile) -> RenderedEmail:
    """The receipt, in the client's language where a translation exists."""
    language = payment.invoice.client.language
    context = receipt_context(payment, profile)
    with translation.override(language):
        subject = render_to_string("invoices/email/receipt_subject.txt", context)
        text = render_to_string("invoices/email/receipt_body.txt", context)
        html = render_to_string("invoices/email/receipt_body.html", context)
    return RenderedEmail(" ".join(subject.split()), text.strip() + "\n", html, language)


def build_message(
    receipt: Receipt, rendered: RenderedEmail, profile: Profile
) -> EmailMultiAlternatives:
    sender = client_mail_sender(profile)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender.from_email,
        to=[receipt.payment.invoice.client.email],
        reply_to=sender.reply_to,
        headers={"Message-ID": message_id(receipt), "Content-Language": rendered.language},
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


# --- Sending ------------------------------------------------------------------------


def _ready_receipt(receipt_id: int) -> Receipt | None:
    return (
        Receipt.objects.filter(outbox.ready(timezone.now()), pk=receipt_id)
        .select_related("payment__invoice__client", "payment__invoice__owner")
        .first()
    )


def receipt_deliver(*, receipt_id: int, connection=None) -> str:
    """Send one receipt if it is ready; returns its state afterwards, or "skipped" when
    another sender holds it, it is waiting for its back-off, or it is done."""
    receipt = _ready_receipt(receipt_id)
    if receipt is None:
        return "skipped"
    invoice = receipt.payment.invoice
    profile = Profile.objects.for_user(invoice.owner)
    if client_mail_allowance(invoice.owner) <= 0:
        # Waits, with the reason, for a later sweep (verified, or the next day).
        with translation.override(profile.language or settings.LANGUAGE_CODE):
            reason = mail_held_reason(invoice.owner)
        Receipt.objects.filter(pk=receipt.pk).update(last_error=reason)
        return "held"
    if not outbox.claim(receipt, lease=LEASE):
        return "skipped"
    rendered = receipt_render(receipt.payment, profile)
    message = build_message(receipt, rendered, profile)
    # The one place where a receipt is decided to go out.
    try:
        (connection or get_connection()).send_messages([message])
    except (smtplib.SMTPException, OSError) as exc:
        outbox.mark_failed(receipt, exc)
        logger.warning(
            "receipt %s attempt %s failed (%s): %s",
            receipt.pk,
            receipt.attempts,
            receipt.state,
            exc,
        )
        return receipt.state
    # Saved at once: if this write is lost, the receipt is sent again after its lease
    # under the same Message-ID.
    outbox.mark_sent(
        receipt,
        message_id=message_id(receipt),
        recipient=invoice.client.email,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
    )
    return receipt.state


def receipts_deliver(*, connection=None) -> dict[str, int]:
    """The sweep: every ready receipt (never queued because the broker was down, due for
    a retry, or abandoned mid-send), over one SMTP connection. Safe to run twice at once."""
    ids = list(
        Receipt.objects.filter(outbox.ready(timezone.now()))
        .order_by("id")
        .values_list("id", flat=True)[:BATCH]
    )
    counts: dict[str, int] = {}
    if not ids:
        return counts
    connection = connection or get_connection()
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        # Each receipt notes the failure and its back-off on its own try below.
        logger.warning("receipts: SMTP server unreachable: %s", exc)
    try:
        for receipt_id in ids:
            state = receipt_deliver(receipt_id=receipt_id, connection=connection)
            counts[state] = counts.get(state, 0) + 1
    finally:
        connection.close()
    return counts
