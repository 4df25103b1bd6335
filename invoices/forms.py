"""Forms for invoices and payments; the services in invoices.services write them."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.forms import DateInput, ServiceModelForm, currency_field
from clients.models import Client, Profile
from clients.selectors import open_invoices_for
from clients.templatetags.clientwatch import money_display
from clientwatch.formatting import active_locale, format_day
from clientwatch.once import service_error_show
from invoices.models import Invoice, Payment

NOT_POSITIVE = _("Enter an amount above zero.")


def _positive(amount: Decimal | None) -> Decimal | None:
    if amount is not None and amount <= 0:
        raise ValidationError(NOT_POSITIVE, code="not_positive")
    return amount


class InvoiceForm(ServiceModelForm):
    id_prefix = "invoice"
    currency = currency_field()

    class Meta:
        model = Invoice
        fields = [
            "number",
            "issued_on",
            "due_on",
            "amount",
            "currency",
            "state",
            "disputed",
            "dispute_reason",
            "reminders_enabled",
            "notes",
        ]
        widgets = {
            "issued_on": DateInput(),
            "due_on": DateInput(),
            "dispute_reason": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "state": _("Draft until you send it; written off when you give up collecting it."),
        }

    def __init__(self, *args: Any, owner: Any, client: Client, **kwargs: Any) -> None:
        self.owner = owner
        if kwargs.get("instance") is None:
            today = timezone.localdate()
            kwargs.setdefault("initial", {})
            kwargs["initial"] = {
                "currency": client.currency,
                "issued_on": today,
                "due_on": today + timedelta(days=client.payment_terms_days),
                **kwargs["initial"],
            }
        super().__init__(*args, **kwargs)

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        taken = Invoice.objects.for_owner(self.owner).filter(number=number)
        if taken.exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                _("You already have an invoice numbered “%(number)s”."),
                code="duplicate_number",
                params={"number": number},
            )
        return number

    def clean_amount(self) -> Decimal | None:
        return _positive(self.cleaned_data["amount"])


class PaymentForm(ServiceModelForm):
    """A payment against an invoice the URL names.

    `receipts`: both receipt switches are on for this client, so the form offers (ticked)
    to email a receipt; unticking it skips the receipt for this one payment.
    """

    id_prefix = "payment"

    send_receipt = forms.BooleanField(
        label=_("Send a receipt to the client"), required=False, initial=True
    )

    class Meta:
        model = Payment
        fields = ["paid_on", "amount", "is_overpayment", "note"]
        widgets = {"paid_on": DateInput()}

    def __init__(self, *args: Any, receipts: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The date picker stops where the service does: at the freelancer's today.
        self.fields["paid_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if not receipts:
            del self.fields["send_receipt"]

    def clean_amount(self) -> Decimal | None:
        return _positive(self.cleaned_data["amount"])

    def wants_receipt(self) -> bool:
        return bool(self.cleaned_data.get("send_receipt"))


class OpenInvoiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, invoice: Invoice) -> str:
        return _("%(number)s: %(owed)s still owed, due %(due)s") % {
            "number": invoice.number,
            "owed": money_display(invoice.balance, invoice.currency),
            "due": format_day(invoice.due_on, active_locale(), "medium"),
        }


class ClientPaymentForm(PaymentForm):
    """A payment recorded from the client page: the invoice is one of its open ones."""

    invoice = OpenInvoiceChoiceField(
        queryset=Invoice.objects.none(),
        label=_("Invoice"),
        empty_label=None,
        error_messages={"invalid_choice": _("Pick one of this client's open invoices.")},
    )

    class Meta(PaymentForm.Meta):
        fields = ["invoice", *PaymentForm.Meta.fields]

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        kwargs.setdefault(
            "receipts",
            client.receipts_enabled
            and Profile.objects.filter(user_id=client.owner_id, receipts_enabled=True).exists(),
        )
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = open_invoices_for(client=client)


class AutopayFailedForm(forms.Form):
    """The day an autopay client's payment of an invoice failed."""

    failed_on = forms.DateField(label=_("Date it failed"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "autopay-%s")
        kwargs.setdefault("initial", {"failed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["failed_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError next to the fields it names."""
        service_error_show(self, error)
