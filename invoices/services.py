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
from clientwatch.services import model_save
from clientwatch.validity import invoice_payment_errors, payment_amount_errors, regular_paid
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
    # Locked as payment_record locks it, so a payment cannot slip in between check and save.
    list(Invoice.objects.select_for_update().filter(pk=invoice.pk).values_list("pk"))
    _check_invoice_payments(invoice, fields)
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
    payment.save()
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
    """full_clean(), and what Payment.clean() cannot see alone: the invoice's other
    payments. All problems at once, so the form shows each next to its field."""
    errors: dict[str, list[str]] = {}
    try:
        payment.full_clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    invoice = payment.invoice
    others = invoice.payments.exclude(pk=payment.pk).values_list("amount", "is_overpayment")
    beyond = payment_amount_errors(
        amount=payment.amount,
        is_overpayment=payment.is_overpayment,
        invoice_amount=invoice.amount,
        paid_before=regular_paid(others),
        currency=invoice.currency,
    )
    for name, message in beyond.items():
        errors.setdefault(name, []).append(message)
    if errors:
        raise ValidationError(errors)


def _check_invoice_payments(invoice: Invoice, fields: Mapping[str, Any]) -> None:
    """An invoice edited after payments were recorded still covers them."""
    if invoice.pk is None:
        return
    payments = list(invoice.payments.values_list("amount", "is_overpayment", "paid_on"))
    errors = invoice_payment_errors(
        amount=fields.get("amount", invoice.amount),
        issued_on=fields.get("issued_on", invoice.issued_on),
        currency=fields.get("currency", invoice.currency),
        regular_total=regular_paid((amount, over) for amount, over, _on in payments),
        first_paid_on=min((on for _a, _o, on in payments), default=None),
    )
    if errors:
        raise ValidationError(errors)
