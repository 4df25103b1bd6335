"""Reminder pages: preview a stage's email, send one by hand, read what was sent."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clients.mail import client_mail_sender
from clients.services import profile_for
from clients.wording import payment_instructions_missing
from clientwatch.checks import language_translated
from invoices.models import Invoice, Reminder, Stage
from invoices.reminders import reminder_send_now, reminder_send_preview

# The subject of each stage: if the client's language has no translation of it, the
# email goes out in English, and the preview says so.
SUBJECT_MSGIDS = {
    Stage.NUDGE: "A friendly reminder: invoice %(number)s",
    Stage.PAUSED: "Work paused until invoice %(number)s is settled",
    Stage.FINAL: "Final notice: invoice %(number)s",
}


def reminder_translated(language: str, stage: Stage) -> bool:
    """Whether the catalogue for `language` has this stage's reminder texts."""
    return language_translated(language, SUBJECT_MSGIDS[stage])


def language_name(language: str) -> str:
    """The language's name in the freelancer's UI language, or its code if unknown."""
    try:
        return translation.get_language_info(language)["name_translated"]
    except KeyError:
        return language


def _stage(value: str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise Http404 from None


@login_required
@require_GET
def reminder_preview(request: HttpRequest, invoice_pk: int, stage: str) -> HttpResponse:
    """The confirmation page of a send by hand: the exact email, or why it cannot go out."""
    invoice = get_object_or_404(
        Invoice.objects.for_owner(request.user).with_paid().select_related("client"), pk=invoice_pk
    )
    stage = _stage(stage)
    profile = profile_for(request.user)
    hand_send = reminder_send_preview(invoice=invoice, stage=stage, profile=profile)
    email = hand_send.email
    sent = Reminder.objects.filter(invoice=invoice, stage=stage).first()
    return render(
        request,
        "invoices/reminder_preview.html",
        {
            "invoice": invoice,
            "payment_missing": payment_instructions_missing(
                owner=request.user, languages=[invoice.client.language]
            ),
            "stage": stage,
            "email": email,
            "sender": client_mail_sender(profile),
            "sendable": hand_send.sendable,
            "confirmation": hand_send.confirmation,
            "sent": sent,
            "stages": Stage,
            # Nothing goes out until a failed autopay payment is recorded: say where to do that.
            "autopay_held": invoice.client.autopay and invoice.autopay_failed_on is None,
            "translated": email is None or reminder_translated(email.language, stage),
            "language_name": language_name(email.language if email else invoice.client.language),
        },
    )


@login_required
@require_POST
def reminder_send(request: HttpRequest, invoice_pk: int, stage: str) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.for_owner(request.user), pk=invoice_pk)
    stage = _stage(stage)
    try:
        reminder = reminder_send_now(
            invoice=invoice,
            stage=stage,
            confirmation=request.POST.get("confirmation", ""),
            skip_earlier=request.POST.get("skip_earlier") == "yes",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if reminder.state == Reminder.State.SENT:
            messages.success(
                request,
                _("%(stage)s sent to %(email)s.")
                % {"stage": stage.label, "email": reminder.recipient},
            )
        else:
            messages.warning(
                request,
                _("The email could not be sent yet (%(error)s); it will be retried.")
                % {"error": reminder.last_error},
            )
    return redirect("reminder_preview", invoice_pk=invoice.pk, stage=stage.value)


@login_required
@require_GET
def reminder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = get_object_or_404(
        Reminder.objects.for_owner(request.user).select_related("invoice__client"), pk=pk
    )
    return render(request, "invoices/reminder_detail.html", {"reminder": reminder})
