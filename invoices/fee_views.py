"""Pages for late fees: the lines on an invoice, waiving or settling one, and adding
fees after the fact to invoices already overdue (a preview first, then a confirm)."""

import re
from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from clients.services import profile_for
from clientwatch.once import form_save
from invoices.late_fees import fee_mark_paid, fee_waive, fees_backfill_apply, fees_backfill_preview
from invoices.models import LateFee
from redflags.assess import today_for


class WaiveForm(forms.Form):
    waive_note = forms.CharField(
        label=gettext_lazy("Why you waive it"),
        max_length=500,
        help_text=gettext_lazy("Kept on record: waiving again and again is a signal too."),
    )


def _owned_fee(request: HttpRequest, pk: int) -> LateFee:
    return get_object_or_404(LateFee.objects.for_owner(request.user), pk=pk)


@login_required
@require_POST
def fee_waive_view(request: HttpRequest, pk: int) -> HttpResponse:
    fee = _owned_fee(request, pk)
    form = WaiveForm(request.POST)
    if form.is_valid():
        try:
            fee_waive(fee=fee, note=form.cleaned_data["waive_note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Fee waived."))
    else:
        messages.error(request, _("Say why you waive this fee."))
    return redirect("invoice_detail", pk=fee.invoice_id)


@login_required
@require_POST
def fee_paid_view(request: HttpRequest, pk: int) -> HttpResponse:
    fee = _owned_fee(request, pk)
    try:
        fee_mark_paid(fee=fee)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Fee marked as paid."))
    return redirect("invoice_detail", pk=fee.invoice_id)


# An id as the page writes it. Not str.isdigit(): it takes "²", which int() refuses, and
# any length, which the database refuses beyond a bigint.
_ID = re.compile(r"[0-9]{1,18}")


def _ids(values: list[str]) -> set[int]:
    """The ids among posted values; anything else was not written by the page: left out."""
    return {int(value) for value in values if _ID.fullmatch(value)}


@login_required
@require_http_methods(["GET", "POST"])
def fees_backfill(request: HttpRequest) -> HttpResponse:
    """Fees the current terms call for on invoices already overdue: shown, then added
    for the invoices the freelancer keeps ticked."""
    today = today_for(request.user, profile_for(request.user))
    if request.method == "POST":
        chosen = _ids(request.POST.getlist("invoice"))
        # Every invoice the page showed: those not ticked were left out on purpose.
        shown = _ids(request.POST.getlist("shown"))
        left_out = shown - chosen
        if not chosen and not left_out:
            messages.error(request, _("Tick at least one invoice to add its fees."))
            return redirect("fees_backfill")
        done = form_save(
            request,
            None,
            lambda: fees_backfill_apply(
                owner=request.user, as_of=today, invoice_ids=chosen, left_out_ids=left_out
            ),
            once=lambda added: reverse("fees_backfill"),
        )
        if done.repeat:
            return done.repeat
        if not done.ok:
            messages.error(request, done.error)
            return redirect("fees_backfill")
        added = done.value
        messages.success(
            request,
            ngettext("%(count)d fee added.", "%(count)d fees added.", len(added))
            % {"count": len(added)},
        )
        if left_out:
            messages.info(
                request,
                ngettext(
                    "%(count)d invoice left out: its fees will not be charged later either.",
                    "%(count)d invoices left out: their fees will not be charged later either.",
                    len(left_out),
                )
                % {"count": len(left_out)},
            )
        return redirect("fees_backfill")
    rows = fees_backfill_preview(owner=request.user, as_of=today)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row.invoice.currency] += row.total
    context = {"rows": rows, "totals": sorted(totals.items()), "today": today}
    return render(request, "invoices/fees/backfill.html", context)
