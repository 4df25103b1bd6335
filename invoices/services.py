"""Writes for invoices and payments."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, Profile
from clientwatch.formatting import active_locale, format_money
from clientwatch.services import model_save
from invoices.models import Invoice, Payment, Reminder, Stage
from invoices.receipts import receipt_queue, receipts_switched_on
from redflags.assess import client_score_refresh


@transaction.atomic
def invoice_create(
    *, owner: AbstractBaseUser, client: Client, fields: Mapping[str, Any]
) -> Invoice:
    if client.owner_id != owner.pk:
        raise ValidationError(_("That client is not yours."))
    fields = dict(fields)
    fields.setdefault("currency", client.currency)
    fields["currency"] = fields["currency"] or client.currency
    invoice = model_save(Invoice(owner=owner, client=client), fields)
    client_score_refresh(client)
    return invoice


@transaction.atomic
def invoice_update(*, invoice: Invoice, fields: Mapping[str, Any]) -> Invoice:
    model_save(invoice, fields)
    client_score_refresh(invoice.client)
    return invoice


@transaction.atomic
def invoice_delete(*, invoice: Invoice) -> None:
    client = invoice.client
    invoice.delete()
    client_score_refresh(client)


@transaction.atomic
def invoice_autopay_failed(*, invoice: Invoice, failed_on: date) -> Invoice:
    """Record that an autopay client's payment of this invoice failed: from now on the
    reminder ladder treats the invoice like any other."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.client.autopay:
        raise ValidationError(_("This client does not pay by autopay."))
    if invoice.state != Invoice.State.SENT:
        raise ValidationError(_("Only a sent invoice can have a failed autopay payment."))
    paid = invoice.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    if paid >= invoice.amount:
        raise ValidationError(_("This invoice is already paid in full."))
    if failed_on > timezone.localdate():
        raise ValidationError({"failed_on": _("The failure cannot be dated in the future.")})
    if failed_on < invoice.issued_on:
        raise ValidationError(
            {"failed_on": _("The failure cannot be dated before the invoice was issued.")}
        )
    return model_save(invoice, {"autopay_failed_on": failed_on})


@transaction.atomic
def invoice_autopay_failed_cleared(*, invoice: Invoice) -> Invoice:
    """Undo a failure recorded by mistake: reminders are held again for this invoice."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    return model_save(invoice, {"autopay_failed_on": None})


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    paid_on: date,
    amount: Decimal,
    is_overpayment: bool = False,
    note: str = "",
    send_receipt: bool = True,
) -> Payment:
    """`send_receipt=False` skips the receipt for this one payment; otherwise one is sent
    when both the freelancer and the client have receipts switched on."""
    # Lock the invoice so two payments recorded at once cannot both squeeze under the balance.
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    payment = Payment(
        invoice=invoice, paid_on=paid_on, amount=amount, is_overpayment=is_overpayment, note=note
    )
    _check_payment(payment)
    payment.full_clean()
    payment.save()
    if send_receipt and receipts_switched_on(
        invoice.client, Profile.objects.filter(user_id=invoice.owner_id).first()
    ):
        # The receipt row commits with the payment (or not at all); sending is queued after.
        receipt_queue(payment=payment)
    _after_payment_change(invoice)
    return payment


@transaction.atomic
def payment_update(*, payment: Payment, fields: Mapping[str, Any]) -> Payment:
    Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    for name, value in fields.items():
        setattr(payment, name, value)
    _check_payment(payment)
    model_save(payment, {})
    _after_payment_change(payment.invoice)
    return payment


@transaction.atomic
def payment_delete(*, payment: Payment) -> None:
    invoice = payment.invoice
    payment.delete()
    _after_payment_change(invoice)


def _after_payment_change(invoice: Invoice) -> None:
    client = invoice.client
    # docs/domain.md: work paused for non-payment resumes promptly once the money arrives.
    if client.status == Client.Status.PAUSED and not (
        Invoice.objects.with_paid()
        .open()
        .filter(
            client=client,
            pk__in=Reminder.objects.filter(stage=Stage.PAUSED, state=Reminder.State.SENT).values(
                "invoice_id"
            ),
        )
        .exists()
    ):
        Client.objects.filter(pk=client.pk, status=Client.Status.PAUSED).update(
            status=Client.Status.ACTIVE
        )
    client_score_refresh(client)


def _check_payment(payment: Payment) -> None:
    invoice = payment.invoice
    errors: dict[str, str] = {}
    if payment.paid_on and payment.paid_on > timezone.localdate():
        errors["paid_on"] = _("A payment cannot be dated in the future.")
    if payment.amount is not None and payment.amount > 0 and not payment.is_overpayment:
        others = invoice.payments.exclude(pk=payment.pk).aggregate(total=Sum("amount"))["total"]
        owed = invoice.amount - (others or Decimal("0"))
        if payment.amount > owed:
            errors["amount"] = _(
                "That is more than the %(owed)s still owed on this invoice. "
                "Tick “overpayment” if the client really paid more."
            ) % {"owed": format_money(max(owed, Decimal("0")), invoice.currency, active_locale())}
    if errors:
        raise ValidationError(errors)
