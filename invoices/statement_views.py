"""The statement of account (page and PDF) and a reminder stage as a formal letter (PDF)."""

import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.views.decorators.http import require_GET

from clients.models import Client
from clients.services import profile_for
from clientwatch.checks import language_translated
from invoices.late_fees import fee_label
from invoices.letters import (
    PDF,
    letter_filename,
    reminder_letter_pdf,
    statement_filename,
    statement_pdf,
)
from invoices.models import Invoice, Stage
from invoices.reminder_views import language_name
from invoices.statement import statement_for
from redflags.assess import today_for


def _pdf_response(data: bytes, filename: str) -> FileResponse:
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=PDF)


@login_required
@require_GET
def client_statement(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_owner(request.user), pk=client_pk)
    profile = profile_for(request.user)
    statement = statement_for(client, as_of=today_for(request.user, profile))
    language = translation.get_language() or "en"
    return render(
        request,
        "invoices/statement/statement.html",
        {
            "client": client,
            "statement": statement,
            "fees": [(fee, fee_label(fee, language)) for fee in statement.fees],
            # The PDF is the client's, in their language: say so if it would be English.
            "pdf_translated": language_translated(client.language, "Statement of account"),
            "language_name": language_name(client.language),
        },
    )


@login_required
@require_GET
def client_statement_pdf(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_owner(request.user), pk=client_pk)
    profile = profile_for(request.user)
    as_of = today_for(request.user, profile)
    return _pdf_response(
        statement_pdf(client, as_of=as_of, profile=profile), statement_filename(client, as_of)
    )


@login_required
@require_GET
def reminder_letter(request: HttpRequest, invoice_pk: int, stage: str) -> HttpResponse:
    invoice = get_object_or_404(
        Invoice.objects.for_owner(request.user).with_paid().select_related("client"),
        pk=invoice_pk,
    )
    try:
        stage = Stage(stage)
    except ValueError:
        raise Http404 from None
    profile = profile_for(request.user)
    data = reminder_letter_pdf(invoice, stage, profile, as_of=today_for(request.user, profile))
    return _pdf_response(data, letter_filename(invoice, stage))
