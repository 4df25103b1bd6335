"""Pages for a bank statement: upload, name a CSV's columns, preview the matches and
correct them, confirm; then the outcome, or a large statement's progress."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.import_views import MAX_UPLOAD_BYTES
from clients.models import Profile
from clients.views import HtmxHttpRequest
from clientwatch.once import form_save
from invoices.bank.credits import StatementInvalid
from invoices.bank.formats import NAMES, Opened, plain_csv, statement_open, statement_read
from invoices.bank.formats.tables import Table
from invoices.bank.forms import ColumnsForm, StatementUploadForm
from invoices.bank.matching import MAX_COMBINED
from invoices.bank.models import BankImport
from invoices.bank.services import (
    bank_import_columns_set,
    bank_import_confirm,
    bank_import_create,
    bank_preview,
    progress_read,
)

UPLOAD_PAGE = "invoices/bank/statement_upload.html"
COLUMNS_PAGE = "invoices/bank/statement_columns.html"
PREVIEW_PAGE = "invoices/bank/statement_preview.html"
# Rows shown of a large statement's summary, and of a CSV before its columns are named.
SUMMARY_ROWS = 50
COLUMN_ROWS = 5
REASONS = {
    "number": gettext_lazy("invoice number in the reference"),
    "amount": gettext_lazy("the amount still owed"),
    "name": gettext_lazy("client's name"),
    "partial": gettext_lazy("part payment"),
    "combined": gettext_lazy("several invoices"),
}


def _default_currency(owner: Any) -> str:
    profile = Profile.objects.filter(user=owner).first()
    return profile.currency if profile is not None else "EUR"


def _table_json(table: Table) -> dict[str, Any]:
    return {"header": table.header, "rows": table.rows}


def _table(data: dict[str, Any]) -> Table:
    return Table(data["header"], [(number, cells) for number, cells in data["rows"]])


@login_required
@require_http_methods(["GET", "POST"])
def statement_upload(request: HtmxHttpRequest) -> HttpResponse:
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            opened = statement_open(upload.read())
            if opened.format == plain_csv.FORMAT and opened.table is not None:
                bank_import = bank_import_create(
                    owner=request.user,
                    filename=upload.name,
                    source=opened.format,
                    table=_table_json(opened.table),
                )
                return redirect("bank_statement_columns", token=bank_import.token)
            statement = statement_read(
                opened,
                default_currency=_default_currency(request.user),
                date_format=form.cleaned_data["date_format"],
            )
        except StatementInvalid as invalid:
            problems = invalid.problems
        else:
            bank_import = bank_import_create(
                owner=request.user, filename=upload.name, source=opened.format, statement=statement
            )
            return redirect("bank_statement", token=bank_import.token)
    context = {"form": form, "problems": problems, "max_upload_bytes": MAX_UPLOAD_BYTES}
    return render(request, UPLOAD_PAGE, context)


def _owned(request: HtmxHttpRequest, token: str) -> BankImport:
    return get_object_or_404(BankImport.objects.for_owner(request.user), token=token)


@login_required
@require_http_methods(["GET", "POST"])
def statement_columns(request: HtmxHttpRequest, token: str) -> HttpResponse:
    bank_import = _owned(request, token)
    if bank_import.state != BankImport.State.COLUMNS:
        return redirect("bank_statement", token=token)
    table = _table(bank_import.table)
    guess = plain_csv.mapping_guess(table)
    form = ColumnsForm(
        request.POST or None,
        header=table.header,
        initial={role: position for role, position in guess.items() if position is not None},
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        mapping = plain_csv.Mapping(
            date=data["date"],
            amount=data["amount"],
            description=data["description"],
            counterparty=data["counterparty"],
            currency=data["currency"],
        )
        try:
            statement = statement_read(
                Opened(plain_csv.FORMAT, b"", table),
                default_currency=_default_currency(request.user),
                date_format=data["date_format"],
                mapping=mapping,
            )
        except StatementInvalid as invalid:
            problems = invalid.problems
        else:
            bank_import_columns_set(bank_import=bank_import, statement=statement)
            return redirect("bank_statement", token=token)
    context = {
        "bank_import": bank_import,
        "form": form,
        "problems": problems,
        "header": table.header,
        "rows": table.rows[:COLUMN_ROWS],
        "row_count": len(table.rows),
    }
    return render(request, COLUMNS_PAGE, context)


def _lines_posted(post: Any, count: int) -> dict[int, list[tuple[str, str]]]:
    chosen: dict[int, list[tuple[str, str]]] = {}
    for index in range(count):
        lines = []
        for line in range(MAX_COMBINED):
            number = post.get(f"c{index}-{line}-invoice")
            amount = post.get(f"c{index}-{line}-amount")
            if number is None and amount is None:
                continue
            lines.append(((number or "")[:100], (amount or "")[:40]))
        if lines:
            chosen[index] = lines
    return chosen


def _rows(bank_import: BankImport, preview, posted: dict | None) -> list[dict[str, Any]]:
    rows = []
    for index, matched in enumerate(preview.matched):
        recorded = index in preview.recorded
        if posted is not None:
            lines = posted.get(index, [])
        elif matched.proposed is not None:
            lines = [(a.invoice.number, str(a.amount)) for a in matched.proposed.allocations]
        else:
            lines = []
        lines = list(lines) + [("", "")] * (max(2, len(lines)) - len(lines))
        rows.append(
            {
                "index": index,
                "credit": matched.credit,
                "recorded": recorded,
                "suggestions": [
                    {
                        "allocations": s.allocations,
                        "reasons": [str(REASONS[r]) for r in s.reasons],
                        "proposed": s is matched.proposed,
                    }
                    for s in matched.suggestions
                ],
                "lines": [(line, number, amount) for line, (number, amount) in enumerate(lines)],
            }
        )
    return rows


def _stalled(bank_import: BankImport) -> bool:
    limit = timedelta(seconds=2 * settings.CELERY_TASK_HARD_TIME_LIMIT)
    waiting = bank_import.state in (BankImport.State.PENDING, BankImport.State.RUNNING)
    return waiting and bank_import.created_at < timezone.now() - limit


def _preview_context(
    request: HtmxHttpRequest, bank_import: BankImport, posted: dict | None = None
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "bank_import": bank_import,
        "format_name": NAMES.get(bank_import.source, bank_import.source),
        "problems": [],
    }
    if bank_import.state == BankImport.State.PREVIEW:
        preview = bank_preview(owner=request.user, bank_import=bank_import)
        rows = _rows(bank_import, preview, posted)
        large = len(rows) > settings.BANK_BACKGROUND_FROM_CREDITS
        proposed = preview.proposed
        context |= {
            "large": large,
            "rows": [r for r in rows if r["index"] in proposed][:SUMMARY_ROWS] if large else rows,
            "credit_count": len(rows),
            "proposed_count": len(proposed),
            "recorded_count": len(preview.recorded),
            "open_numbers": sorted(inv.number for inv in preview.invoices.values()),
        }
    else:
        stalled = _stalled(bank_import)
        context |= {
            "stalled": stalled,
            "done": progress_read(bank_import),
            "polling": bank_import.state in (BankImport.State.PENDING, BankImport.State.RUNNING)
            and not stalled,
        }
    return context


@login_required
@require_GET
def statement_preview(request: HtmxHttpRequest, token: str) -> HttpResponse:
    bank_import = _owned(request, token)
    if bank_import.state == BankImport.State.COLUMNS:
        return redirect("bank_statement_columns", token=token)
    context = _preview_context(request, bank_import)
    template = f"{PREVIEW_PAGE}#outcome" if request.htmx and "polling" in context else PREVIEW_PAGE
    return render(request, template, context)


@login_required
@require_POST
def statement_confirm(request: HtmxHttpRequest, token: str) -> HttpResponse:
    bank_import = _owned(request, token)
    url = reverse("bank_statement", kwargs={"token": token})
    large = len(bank_import.credits) > settings.BANK_BACKGROUND_FROM_CREDITS
    posted = None if large else _lines_posted(request.POST, len(bank_import.credits))
    problems: list[str] = []

    def confirm() -> BankImport | None:
        try:
            return bank_import_confirm(owner=request.user, token=token, chosen=posted)
        except ValidationError as invalid:
            problems.extend(invalid.messages)  # each on its own line, not joined
            raise

    done = form_save(request, None, confirm, once=lambda _result: url)
    if done.repeat is not None:
        return done.repeat
    if done.error:
        # Nothing was recorded: the preview again, as the freelancer filled it in.
        bank_import.refresh_from_db()
        context = _preview_context(request, bank_import, posted)
        context["problems"] = problems or [done.error]
        return render(request, PREVIEW_PAGE, context, status=422)
    if done.value is None:
        messages.error(request, _("That preview has expired. Please upload the file again."))
        return redirect("bank_statement_upload")
    result = done.value.result
    if done.value.state == BankImport.State.DONE:
        count = result.get("payments", 0)
        messages.success(
            request,
            ngettext(
                "Recorded %(count)d payment from the statement.",
                "Recorded %(count)d payments from the statement.",
                count,
            )
            % {"count": count},
        )
    return redirect(url)
