"""Pages for invoices and payments.

Invoices are added from the client page; payments from the invoice page (against that
invoice) or from the client page (choosing one of the client's open invoices).
"""

from copy import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.models import Profile
from clients.services import profile_for
from clients.views import (
    HtmxHttpRequest,
    form_page,
    inline_form_answer,
    owned_client,
    saved,
    timeline_entry_deleted,
)
from clientwatch.once import form_save
from invoices import services
from invoices.forms import AutopayFailedForm, ClientPaymentForm, InvoiceForm, PaymentForm
from invoices.models import Invoice, Payment
from invoices.receipts import receipt_send_by_hand, receipts_switched_on
from invoices.reminders import LadderRung, ladder_rungs
from invoices.selectors import invoices_for_page, payments_for
from redflags.assess import today_for

INVOICE_PAGE = "invoices/invoice_detail.html"


def _owned_invoice(request: HttpRequest, pk: int) -> Invoice:
    # With the owner's profile in the same query: the payment form asks about receipts.
    invoices = invoices_for_page(owner=request.user).select_related("owner__profile")
    return get_object_or_404(invoices, pk=pk)


def _owned_payment(request: HttpRequest, pk: int) -> Payment:
    return get_object_or_404(
        Payment.objects.for_owner(request.user).select_related("invoice__client"), pk=pk
    )


def reminder_ladder(invoice: Invoice) -> list[LadderRung]:
    """Each stage with its row and whether it can go out now (the owner's profile is
    selected with the invoice)."""
    try:
        profile = invoice.owner.profile
    except Profile.DoesNotExist:
        profile = profile_for(invoice.owner)
    return ladder_rungs(invoice=invoice, profile=profile, today=today_for(invoice.owner, profile))


def _receipts_on(invoice: Invoice) -> bool:
    """Both receipt switches, for an invoice from `_owned_invoice` (no query)."""
    try:
        profile = invoice.owner.profile
    except Profile.DoesNotExist:
        return False
    return receipts_switched_on(invoice.client, profile)


def _invoice_context(
    invoice: Invoice,
    payment_form: PaymentForm | None = None,
    autopay_form: AutopayFailedForm | None = None,
) -> dict[str, Any]:
    if payment_form is None:
        payment_form = PaymentForm(
            initial={"amount": invoice.balance or None}, receipts=_receipts_on(invoice)
        )
    return {
        "invoice": invoice,
        "client": invoice.client,
        "status": invoice.status(timezone.localdate()),
        "payments": payments_for(invoice=invoice).select_related("receipt"),
        "payment_form": payment_form,
        "autopay_form": autopay_form or AutopayFailedForm(),
        # A failed autopay payment can be recorded while the invoice is still owed.
        "autopay_open": invoice.client.autopay
        and invoice.state == Invoice.State.SENT
        and invoice.balance > 0,
        "reminder_ladder": reminder_ladder(invoice),
        "fees": list(invoice.fees.all()),
    }


def _invoice_body(
    request: HttpRequest,
    invoice_pk: int,
    payment_form: PaymentForm | None = None,
    status: int = 200,
    autopay_form: AutopayFailedForm | None = None,
) -> HttpResponse:
    """The invoice page's status, payments and payment form: what a payment changes."""
    invoice = _owned_invoice(request, invoice_pk)  # again: the paid total has changed
    context = _invoice_context(invoice, payment_form, autopay_form) | {"oob": True}
    return render(request, f"{INVOICE_PAGE}#invoice_body", context, status=status)


def _invoice_changed(request: HtmxHttpRequest, invoice_pk: int) -> HttpResponse:
    """After an action on the invoice page: the fresh body for htmx, else the page."""
    if request.htmx:
        return _invoice_body(request, invoice_pk)
    return redirect("invoice_detail", pk=invoice_pk)


# Invoices


@login_required
@require_http_methods(["GET", "POST"])
def invoice_create(request: HtmxHttpRequest, client_pk: int) -> HttpResponse:
    client = owned_client(request, client_pk)
    form = InvoiceForm(owner=request.user, client=client)
    if request.method == "POST":
        form = InvoiceForm(request.POST, owner=request.user, client=client)
        done = form_save(
            request,
            form,
            lambda: services.invoice_create(
                owner=request.user, client=client, fields=form.service_fields()
            ),
            once=lambda invoice: reverse("invoice_detail", args=[invoice.pk]),
        )
        added = _("Invoice %(number)s added.") % {"number": done.value} if done.ok else ""
        answer = inline_form_answer(
            request, client, "invoice", form, done, message=added, money=True
        )
        if answer is not None:
            return answer
    return render(request, "invoices/invoice_form.html", {"client": client, "form": form})


@login_required
@require_GET
def invoice_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    invoice = _owned_invoice(request, pk)
    return render(request, INVOICE_PAGE, _invoice_context(invoice))


@login_required
@require_http_methods(["GET", "POST"])
def invoice_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    invoice = _owned_invoice(request, pk)
    form = InvoiceForm(instance=invoice, owner=request.user, client=invoice.client)
    if request.method == "POST":
        form = InvoiceForm(
            request.POST, instance=copy(invoice), owner=request.user, client=invoice.client
        )
        done = form_save(
            request,
            form,
            lambda: services.invoice_update(invoice=invoice, fields=form.service_fields()),
        )
        if done.ok:
            messages.success(request, _("Invoice %(number)s saved.") % {"number": invoice})
            return saved(request, reverse("invoice_detail", args=[invoice.pk]))
    context = {"client": invoice.client, "invoice": invoice, "form": form}
    return form_page(request, "invoices/invoice_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def invoice_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    invoice = _owned_invoice(request, pk)
    if request.method == "POST":
        services.invoice_delete(invoice=invoice)
        messages.success(request, _("Invoice %(number)s deleted.") % {"number": invoice})
        if request.htmx and request.htmx.target != "timeline":
            return saved(request, reverse("client_detail", args=[invoice.client_id]))
        return timeline_entry_deleted(request, invoice.client, money=True)
    context = {"client": invoice.client, "invoice": invoice}
    return render(request, "invoices/invoice_delete.html", context)


# Payments


@login_required
@require_http_methods(["GET", "POST"])
def payment_create(request: HtmxHttpRequest, invoice_pk: int) -> HttpResponse:
    invoice = _owned_invoice(request, invoice_pk)
    receipts = _receipts_on(invoice)
    form = PaymentForm(initial={"amount": invoice.balance or None}, receipts=receipts)
    if request.method == "POST":
        form = PaymentForm(request.POST, receipts=receipts)
        done = form_save(
            request,
            form,
            lambda: services.payment_record(
                invoice=invoice, send_receipt=form.wants_receipt(), **form.service_fields()
            ),
            once=lambda payment: reverse("invoice_detail", args=[invoice.pk]),
        )
        if done.repeat:
            return done.repeat
        if done.ok:
            messages.success(request, _("Payment recorded."))
            if request.htmx:
                return _invoice_body(request, invoice.pk)
            return redirect("invoice_detail", pk=invoice.pk)
        if request.htmx:
            return _invoice_body(request, invoice.pk, form, status=422)
    context = {"client": invoice.client, "invoice": invoice, "form": form}
    return render(request, "invoices/payment_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def client_payment_create(request: HtmxHttpRequest, client_pk: int) -> HttpResponse:
    client = owned_client(request, client_pk)
    form = ClientPaymentForm(client=client)
    if request.method == "POST":
        form = ClientPaymentForm(request.POST, client=client)

        def record() -> Payment:
            fields = form.service_fields()
            return services.payment_record(
                invoice=fields.pop("invoice"), send_receipt=form.wants_receipt(), **fields
            )

        done = form_save(
            request,
            form,
            record,
            once=lambda payment: reverse("invoice_detail", args=[payment.invoice_id]),
        )
        answer = inline_form_answer(
            request, client, "payment", form, done, message=_("Payment recorded."), money=True
        )
        if answer is not None:
            return answer
    return render(request, "invoices/payment_form.html", {"client": client, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def payment_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    payment = _owned_payment(request, pk)
    form = PaymentForm(instance=payment)
    if request.method == "POST":
        form = PaymentForm(request.POST, instance=copy(payment))
        done = form_save(
            request,
            form,
            lambda: services.payment_update(payment=payment, fields=form.service_fields()),
        )
        if done.ok:
            messages.success(request, _("Payment saved."))
            return saved(request, reverse("invoice_detail", args=[payment.invoice_id]))
    context = {
        "client": payment.invoice.client,
        "invoice": payment.invoice,
        "payment": payment,
        "form": form,
    }
    return form_page(request, "invoices/payment_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def payment_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    payment = _owned_payment(request, pk)
    invoice = payment.invoice
    if request.method == "POST":
        services.payment_delete(payment=payment)
        messages.success(request, _("Payment deleted."))
        if request.htmx and request.htmx.target == "timeline":
            return timeline_entry_deleted(request, invoice.client, money=True)
        if request.htmx:
            return _invoice_body(request, invoice.pk)
        return redirect("invoice_detail", pk=invoice.pk)
    context = {"client": invoice.client, "invoice": invoice, "payment": payment}
    return render(request, "invoices/payment_delete.html", context)


@login_required
@require_POST
def payment_receipt_send(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Email a receipt for a payment that has none (or whose receipt failed)."""
    payment = _owned_payment(request, pk)
    try:
        receipt_send_by_hand(payment=payment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("A receipt is on its way to %(email)s.") % {"email": payment.invoice.client.email},
        )
    return _invoice_changed(request, payment.invoice_id)


# Autopay


@login_required
@require_POST
def invoice_autopay_failed(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Record that the client's autopay did not pay this invoice: reminders may start."""
    invoice = _owned_invoice(request, pk)
    form = AutopayFailedForm(request.POST)
    done = form_save(
        request,
        form,
        lambda: services.invoice_autopay_failed(
            invoice=invoice, failed_on=form.cleaned_data["failed_on"]
        ),
    )
    if done.ok:
        messages.success(
            request,
            _("Failed autopay payment recorded: reminders for %(number)s run as usual.")
            % {"number": invoice},
        )
        return _invoice_changed(request, invoice.pk)
    if form.non_field_errors():
        # Not about the date (e.g. the client is not on autopay): the form may not show.
        messages.error(request, " ".join(form.non_field_errors()))
    if request.htmx:
        return _invoice_body(request, invoice.pk, autopay_form=form, status=422)
    return render(request, INVOICE_PAGE, _invoice_context(invoice, autopay_form=form), status=422)


@login_required
@require_POST
def invoice_autopay_failed_cleared(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Undo a failure recorded by mistake: reminders are held again."""
    invoice = _owned_invoice(request, pk)
    services.invoice_autopay_failed_cleared(invoice=invoice)
    messages.success(request, _("Reminders for %(number)s are held again.") % {"number": invoice})
    return _invoice_changed(request, invoice.pk)
