"""Dropping a client in the browser, and the exit reports."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.exit import Tone, When, client_drop, exit_date, farewell_draft
from clients.exit_forms import DropForm
from clients.models import Client, Report
from clients.reports import report_request
from clients.services import profile_for
from clientwatch.checks import language_translated
from invoices.models import Invoice
from invoices.reminder_views import language_name
from redflags.assess import assess_clients, today_for
from redflags.translation import rule_text

# A sentence of both letters: if the client's language lacks it, the letter is English.
LETTER_MSGID = "Dear %(name)s,"


def _reasons(request: HttpRequest, client: Client) -> list[tuple[str, str]]:
    """(rule id, title in the freelancer's language) for each current reason."""
    assessment = assess_clients(request.user, as_of=today_for(request.user), client_ids=[client.pk])
    return [(reason.rule, rule_text(reason.title)) for reason in assessment[client.pk].reasons]


def _owed(client: Client) -> dict[str, Decimal]:
    owed: dict[str, Decimal] = {}
    for invoice in Invoice.objects.filter(client=client).with_paid().open():
        owed[invoice.currency] = (
            owed.get(invoice.currency, Decimal("0")) + invoice.amount - invoice.paid_total
        )
    return owed


def _draft(client: Client, request: HttpRequest, data: dict) -> str:
    today = today_for(request.user)
    try:
        end_on = exit_date(
            When(data.get("when") or When.END_OF_NEXT_MONTH), today=today, on=data.get("end_on")
        )
    except ValidationError:
        end_on = today
    return farewell_draft(
        client=client,
        profile=profile_for(request.user),
        tone=Tone(data.get("tone") or Tone.VAGUE),
        reasons=data.get("reasons") or [],
        end_on=end_on,
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_drop_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_owner(request.user), pk=pk)
    if client.status == Client.Status.DROPPED:
        messages.info(request, _("%(name)s was already dropped.") % {"name": client.name})
        return redirect("client_detail", pk=client.pk)
    reasons = _reasons(request, client)
    if request.method == "GET":
        form = DropForm(client=client, reasons=reasons)
        form.initial["letter"] = _draft(client, request, {"reasons": [], "tone": Tone.VAGUE})
        return _render(request, client, form)

    form = DropForm(request.POST, client=client, reasons=reasons)
    redraft = "redraft" in request.POST
    if not form.is_valid():
        return _render(request, client, form, status=422)
    data = form.cleaned_data
    if redraft or not data["letter"].strip():
        letter = _draft(client, request, data)
        if request.htmx:
            return render(
                request, "clients/exit/drop.html#letter", {"form": form, "letter": letter}
            )
        post = request.POST.copy()
        post["letter"] = letter
        return _render(request, client, DropForm(post, client=client, reasons=reasons))
    today = today_for(request.user)
    try:
        end_on = exit_date(When(data["when"]), today=today, on=data.get("end_on"))
        # The internal record keeps the titles as the freelancer read them.
        titles = dict(reasons)
        said = [titles[rule] for rule in data["reasons"]]
        reason = "; ".join([*said, data["reason_note"]]).strip("; ")
        client_drop(
            client=client,
            reason=reason,
            end_on=end_on,
            letter=data["letter"],
            handed_over=[a.pk for a in data["handed_over"]],
            keep_reminders_for_owed=data["keep_reminders_for_owed"],
            today=today,
        )
    except ValidationError as exc:
        _attach(form, exc)
        return _render(request, client, form, status=422)
    messages.success(
        request,
        _("%(name)s is dropped. Both reports are ready to download below.") % {"name": client.name},
    )
    return redirect("client_detail", pk=client.pk)


def _attach(form: DropForm, exc: ValidationError) -> None:
    """The service's errors, next to the form field they concern where there is one."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _render(request, client, form, status=200):
    accounts_in_hand = client.account_items.filter(handed_over=False)
    return render(
        request,
        "clients/exit/drop.html",
        {
            "client": client,
            "form": form,
            "owed": _owed(client),
            "accounts_in_hand": accounts_in_hand,
            "letter_translated": language_translated(client.language, LETTER_MSGID),
            "language_name": language_name(client.language),
        },
        status=status,
    )


@login_required
@require_POST
def report_create(request: HttpRequest, client_pk: int, kind: str) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_owner(request.user), pk=client_pk)
    if kind not in Report.Kind.values:
        raise Http404
    report = report_request(client=client, kind=kind, language=translation.get_language() or "")
    return redirect("report_detail", pk=report.pk)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        Report.objects.for_owner(request.user).select_related("client"), pk=pk
    )
    template = (
        "clients/exit/report_detail.html#status"
        if request.htmx
        else "clients/exit/report_detail.html"
    )
    return render(request, template, {"report": report})


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        Report.objects.for_owner(request.user), pk=pk, state=Report.State.READY
    )
    try:
        handle = report.pdf.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The report file is missing from storage.") from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=report.pdf.name.rsplit("/", 1)[-1],
        content_type="application/pdf",
    )
