"""The overviews across clients: every invoice on one page, and the receivables and
income report by month and currency (as a page and as CSV)."""

import csv
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clients.views import HtmxHttpRequest
from invoices.overview_forms import InvoiceFilterForm, ReportPeriodForm
from invoices.overviews import (
    INVOICE_LIST_PAGE_SIZE,
    invoice_filter_choices,
    invoice_rows,
    invoices_across_clients,
    receivables_by_month,
)

INVOICE_LIST_PAGE = "invoices/invoice_list.html"
REPORT_PAGE = "invoices/receivables_report.html"


@login_required
@require_GET
def invoice_list(request: HtmxHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    clients, currencies = invoice_filter_choices(owner=request.user)
    form = InvoiceFilterForm(request.GET, clients=clients, currencies=currencies)
    form.is_valid()  # a value that does not fit is shown with its error and left out
    filters = form.filters()
    invoices = invoices_across_clients(owner=request.user, today=today, **filters)
    page = Paginator(invoices, INVOICE_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": invoice_rows(list(page), today),
        "sort": filters["sort"],
        **sort_headings(filters["sort"]),
        # Nothing to filter yet: every invoice has a currency, so none means no invoices.
        "no_invoices": not currencies,
        "filtered": any(filters[key] for key in ("search", "status", "client_id", "currency")),
    }
    template = f"{INVOICE_LIST_PAGE}#invoice_results" if request.htmx else INVOICE_LIST_PAGE
    return render(request, template, context)


def sort_headings(sort: str) -> dict[str, dict[str, str]]:
    """Per sortable column: where its heading's link goes (this order, then reversed) and
    its aria-sort now ("" when the table is not sorted by it)."""
    next_sort, aria_sort = {"late": "late"}, {"late": "descending" if sort == "late" else ""}
    for key in ("client", "issued", "due", "amount"):
        next_sort[key] = f"-{key}" if sort == key else key
        aria_sort[key] = {key: "ascending", f"-{key}": "descending"}.get(sort, "")
    return {"next_sort": next_sort, "aria_sort": aria_sort}


def _report(request: HtmxHttpRequest) -> tuple[ReportPeriodForm, dict]:
    today = timezone.localdate()
    form = ReportPeriodForm(request.GET, today=today)
    form.is_valid()  # months that do not fit are shown with their error; the default applies
    first, last = form.period()
    if not form.errors:  # the fields show the months shown, asked for or not
        form = ReportPeriodForm(initial={"start": first, "end": last}, today=today)
    currencies = receivables_by_month(owner=request.user, first=first, last=last, today=today)
    # The CSV of the months shown, whatever was asked for.
    query = urlencode({"start": f"{first:%Y-%m}", "end": f"{last:%Y-%m}"})
    csv_url = f"{reverse('receivables_report_csv')}?{query}"
    return form, {"first": first, "last": last, "currencies": currencies, "csv_url": csv_url}


@login_required
@require_GET
def receivables_report(request: HtmxHttpRequest) -> HttpResponse:
    form, context = _report(request)
    context["form"] = form
    template = f"{REPORT_PAGE}#report_results" if request.htmx else REPORT_PAGE
    return render(request, template, context)


@login_required
@require_GET
def receivables_report_csv(request: HtmxHttpRequest) -> HttpResponse:
    """The report's figures, one row per currency and month, amounts as plain decimals."""
    form, context = _report(request)
    if form.errors:
        problems = [f"{form[name].label}: {' '.join(errs)}" for name, errs in form.errors.items()]
        return HttpResponse("\n".join(problems), status=400, content_type="text/plain")
    first, last = context["first"], context["last"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"receivables-{first:%Y-%m}-to-{last:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Month"),
            _("Currency"),
            _("Invoiced"),
            _("Received"),
            _("Outstanding at month end"),
            _("Overdue at month end"),
        ]
    )
    for report in context["currencies"]:
        for month in report.months:
            writer.writerow(
                [
                    f"{month.month:%Y-%m}",
                    report.currency,
                    f"{month.invoiced:.2f}",
                    f"{month.received:.2f}",
                    f"{month.outstanding:.2f}",
                    f"{month.overdue:.2f}",
                ]
            )
    return response
