"""Pages for clients: the dashboard, the client page, and client/work log/account forms.

The client page's inline forms (incident, step, payment, work log, invoice) post with htmx
and get the timeline back; without JavaScript they post normally and redirect. The
helpers under "Shared with the other apps" give every app's views the same endings.
"""

import re
from copy import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget
from django_htmx.middleware import HtmxDetails

from clients import services
from clients.forms import AccountItemForm, ClientForm, WorkLogForm
from clients.models import AccountItem, Client, WorkLog
from clients.selectors import (
    CLIENT_SEARCH_MAX_LENGTH,
    DASHBOARD_PAGE_SIZE,
    DASHBOARD_SORTS,
    NEWLY_OVERDUE_DAYS,
    RECENT_INCIDENT_DAYS,
    VERDICTS,
    account_items_for,
    client_timeline,
    client_totals,
    clients_for_dashboard,
    dashboard_overview,
    dashboard_row_values,
    dashboard_rows,
    overdue_by_client,
)
from clients.templatetags.clientwatch import fragment_key
from clientwatch.once import Saved, form_save
from invoices.forms import ClientPaymentForm, InvoiceForm
from invoices.late_fees import waived_fee_counts
from invoices.reminders import reminders_due
from redflags.assess import (
    rule_settings_for,
    score_history,
    scores_refresh,
    stale_scores,
    today_for,
)
from redflags.forms import IncidentForm, StepForm
from redflags.models import ClientScore

CLIENT_PAGE = "clients/client_detail.html"
INLINE_FORMS = ("incident", "step", "payment", "work", "invoice")


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# Shared with the other apps


def page_number(request: HttpRequest) -> int:
    # ASCII digits only (int() also reads "١٢"), and short enough for int() to take.
    page = request.GET.get("page", "1")
    return max(1, int(page)) if re.fullmatch(r"[0-9]{1,9}", page) else 1


def saved(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """After a successful full-page form: redirect (client-side for htmx)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def form_page(request: HtmxHttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A full-page form. A rejected htmx submit gets only the form partial back, with
    status 422 (base.html tells htmx to swap it)."""
    if request.method == "POST" and request.htmx:
        return render(request, f"{template}#form", context, status=422)
    return render(request, template, context)


def client_forms(client: Client, *, owner: Any) -> dict[str, Any]:
    """The client page's inline forms, blank."""
    return {
        "incident_form": IncidentForm(),
        "step_form": StepForm(),
        "payment_form": ClientPaymentForm(client=client),
        "work_form": WorkLogForm(),
        "invoice_form": quick_invoice_form(client, owner=owner),
    }


# The quick-add form offers the currencies a freelancer is likely to bill in; the full
# invoice page (same form, same validation) offers all 150-odd. Rendering every option
# through the widget templates was most of the client page's time.
COMMON_CURRENCIES = ("EUR", "USD", "GBP", "MYR", "IDR", "SGD", "AUD", "CAD", "CHF", "SEK")


def quick_invoice_form(client: Client, *, owner: Any) -> InvoiceForm:
    form = InvoiceForm(owner=owner, client=client)
    names = dict(form.fields["currency"].choices)
    first = dict.fromkeys([client.currency, *COMMON_CURRENCIES])
    form.fields["currency"].choices = [(code, names[code]) for code in first if code in names]
    return form


def inline_form_rejected(
    request: HttpRequest, client: Client, name: str, form: Any
) -> HttpResponse:
    """An inline form of the client page, re-rendered in place with its errors."""
    context = {"client": client, f"{name}_form": form, "open_form": name}
    response = render(request, f"{CLIENT_PAGE}#{name}_form", context, status=422)
    return reswap(retarget(response, f"#add-{name}"), "outerHTML")


def inline_form_answer(
    request: HttpRequest,
    client: Client,
    name: str,
    form: Any,
    done: Saved,
    *,
    message: str,
    money: bool = False,
) -> HttpResponse | None:
    """How a create form of the client page (work, incident, step, invoice, payment) ends: the
    first result for a repeat, the changed page for a save (in place with htmx), the form
    with its errors in place; None when the caller renders its own page with the errors."""
    if done.repeat:
        return done.repeat
    if done.ok:
        messages.success(request, message)
        if request.htmx:
            return client_changed(request, client, fresh=name, money=money)
        return redirect("client_detail", pk=client.pk)
    if request.htmx:
        return inline_form_rejected(request, client, name, form)
    return None


def client_changed(
    request: HttpRequest, client: Client, *, fresh: str | None = None, money: bool = False
) -> HttpResponse:
    """The htmx answer to a change on the client page: the timeline from the top, with
    the totals, the messages, a blank copy of the form just used (`fresh`) and, when
    invoices or payments changed (`money`), the payment form (its open invoices may
    differ now) all swapped out of band."""
    today = timezone.localdate()
    context = {
        "client": client,
        "timeline": client_timeline(client=client, today=today),
        "totals": client_totals(client=client),
        "oob": True,
        "open_form": fresh,
        "refresh": [n for n in INLINE_FORMS if n == fresh or (money and n == "payment")],
        **client_forms(client, owner=request.user),
        **assessment_context(request, client),
    }
    return render(request, f"{CLIENT_PAGE}#client_changed", context)


def assessment_context(request: HttpRequest, client: Client) -> dict[str, Any]:
    """The stored assessment (the services refresh it on every change) and the score's
    path over the past year, recomputed from the same facts."""
    profile = services.profile_for(request.user)
    settings = rule_settings_for(profile)
    today = today_for(request.user, profile)
    return {
        "score": ClientScore.objects.filter(client=client).first(),
        "history": score_history(
            request.user, client, as_of=today, settings=settings, profile=profile
        ),
        "rule_settings": settings,
    }


def timeline_entry_deleted(
    request: HtmxHttpRequest, client: Client, *, money: bool = False
) -> HttpResponse:
    if request.htmx:
        return client_changed(request, client, money=money)
    return redirect("client_detail", pk=client.pk)


def owned_client(request: HttpRequest, pk: int) -> Client:
    return get_object_or_404(Client.objects.for_owner(request.user), pk=pk)


# Dashboard


def rendered_each(template_name: str, partial: str, items: list[Any]) -> list[SafeString]:
    """`template_name#partial` rendered once per item, with {"item": item} as its whole
    context: no request, user, CSRF token or nonce, so nothing in it can go stale or
    belong to someone else. Each result is kept in the "fragments" cache under a hash of
    the item, the language and the template's source; an item says everything its
    fragment shows (see DashboardRow), so any change to what a fragment would show is a
    new key, and no write anywhere needs to invalidate anything."""
    source = get_template(template_name).template.source
    language = translation.get_language() or ""
    keys = [
        fragment_key(f"{template_name}#{partial}", language, source, repr(item)) for item in items
    ]
    cache = caches["fragments"]
    found = cache.get_many(keys)
    fresh = {}
    template = None
    for key, item in zip(keys, items, strict=True):
        if key not in found:
            template = template or get_template(f"{template_name}#{partial}")
            found[key] = fresh[key] = template.render({"item": item})
    if fresh:
        cache.set_many(fresh)
    # The cache hands back what this function rendered through the autoescaping engine.
    return [mark_safe(found[key]) for key in keys]  # noqa: S308  # nosec B308 B703


def client_search_text(request: HttpRequest) -> str:
    """The dashboard's search words: trimmed, cut to length, without the NUL characters
    PostgreSQL refuses in a query."""
    text = request.GET.get("q", "").replace("\x00", "").strip()
    return text[:CLIENT_SEARCH_MAX_LENGTH]


@login_required
@require_GET
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    profile = services.profile_for(request.user)
    today = today_for(request.user, profile)
    # Scores move with time (invoices fall overdue, incidents fade): catch up once a day.
    if stale_scores(request.user, today):
        scores_refresh(request.user, as_of=today)
    sort = request.GET.get("sort", "score")
    if sort not in DASHBOARD_SORTS:
        sort = "score"
    verdict = request.GET.get("verdict")
    verdict = verdict if verdict in VERDICTS else None
    show_dropped = request.GET.get("dropped") == "1"
    search = client_search_text(request)
    clients = clients_for_dashboard(
        owner=request.user,
        today=today,
        include_dropped=show_dropped,
        sort=sort,
        verdict=verdict,
        search=search,
    )
    page = Paginator(clients.values_list("pk", flat=True), DASHBOARD_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = dashboard_rows(client_ids=list(page), today=today)
    overdue = overdue_by_client(owner=request.user, client_ids=[c.pk for c in rows], today=today)
    context = {
        "page": page,
        "rows": rendered_each(
            "clients/dashboard.html", "client_row", dashboard_row_values(rows, overdue)
        ),
        "sort": sort,
        "verdict": verdict,
        "verdicts": ClientScore.Verdict.choices,
        "recent_days": RECENT_INCIDENT_DAYS,
        "show_dropped": show_dropped,
        "search": search,
        "search_max_length": CLIENT_SEARCH_MAX_LENGTH,
    }
    if request.htmx:
        return render(request, "clients/dashboard.html#client_list", context)
    context["overview"] = dashboard_overview(
        owner=request.user,
        today=today,
        reminders_due=len(reminders_due(owner=request.user, as_of=today, profile=profile)),
    )
    context["newly_overdue_days"] = NEWLY_OVERDUE_DAYS
    return render(request, "clients/dashboard.html", context)


# Clients


@login_required
@require_http_methods(["GET", "POST"])
def client_create(request: HtmxHttpRequest) -> HttpResponse:
    form = ClientForm(owner=request.user)
    if request.method == "POST":
        form = ClientForm(request.POST, owner=request.user)
        done = form_save(
            request,
            form,
            lambda: services.client_create(owner=request.user, fields=form.service_fields()),
            once=lambda client: reverse("client_detail", args=[client.pk]),
        )
        if done.repeat:
            return done.repeat
        if done.ok:
            client = done.value
            messages.success(request, _("%(name)s added.") % {"name": client.name})
            return saved(request, reverse("client_detail", args=[client.pk]))
    return form_page(request, "clients/client_form.html", {"form": form})


@login_required
@require_GET
def client_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = owned_client(request, pk)
    today = timezone.localdate()
    context = {
        "client": client,
        "timeline": client_timeline(client=client, today=today, page=page_number(request)),
        "totals": client_totals(client=client),
        "account_items": account_items_for(client=client),
        "account_form": AccountItemForm(),
        "waived_fees": waived_fee_counts([client.pk]).get(client.pk, 0),
        **client_forms(client, owner=request.user),
        **assessment_context(request, client),
    }
    return render(request, CLIENT_PAGE, context)


@login_required
@require_GET
def client_timeline_partial(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The timeline section; with ?page=n only that page's rows, which "show more" appends.
    Without htmx, the client page at that page."""
    client = owned_client(request, pk)
    page = page_number(request)
    if not request.htmx:
        url = reverse("client_detail", args=[client.pk])
        return redirect(f"{url}?page={page}#timeline" if page > 1 else f"{url}#timeline")
    context = {
        "client": client,
        "timeline": client_timeline(client=client, today=timezone.localdate(), page=page),
    }
    partial = "timeline_rows" if "page" in request.GET else "timeline"
    return render(request, f"{CLIENT_PAGE}#{partial}", context)


@login_required
@require_http_methods(["GET", "POST"])
def client_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = owned_client(request, pk)
    form = ClientForm(instance=client, owner=request.user)
    if request.method == "POST":
        # The form fills in its own copy, so a rejected edit leaves the page heading alone.
        form = ClientForm(request.POST, instance=copy(client), owner=request.user)
        done = form_save(
            request,
            form,
            lambda: services.client_update(client=client, fields=form.service_fields()),
        )
        if done.ok:
            messages.success(request, _("Changes to %(name)s saved.") % {"name": client.name})
            return saved(request, reverse("client_detail", args=[client.pk]))
    return form_page(request, "clients/client_form.html", {"form": form, "client": client})


@login_required
@require_http_methods(["GET", "POST"])
def client_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = owned_client(request, pk)
    if request.method == "POST":
        services.client_delete(client=client)
        messages.success(request, _("%(name)s deleted.") % {"name": client.name})
        return saved(request, reverse("dashboard"))
    return render(request, "clients/client_delete.html", {"client": client})


# Work logs


def _owned_work_log(request: HttpRequest, pk: int) -> WorkLog:
    return get_object_or_404(
        WorkLog.objects.for_owner(request.user).select_related("client"), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def work_log_create(request: HtmxHttpRequest, client_pk: int) -> HttpResponse:
    client = owned_client(request, client_pk)
    form = WorkLogForm()
    if request.method == "POST":
        form = WorkLogForm(request.POST)
        done = form_save(
            request,
            form,
            lambda: services.work_log_add(client=client, fields=form.service_fields()),
            once=lambda work_log: reverse("client_detail", args=[client.pk]),
        )
        answer = inline_form_answer(request, client, "work", form, done, message=_("Work logged."))
        if answer is not None:
            return answer
    return render(request, "clients/work_log_form.html", {"client": client, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def work_log_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    work_log = _owned_work_log(request, pk)
    form = WorkLogForm(instance=work_log)
    if request.method == "POST":
        form = WorkLogForm(request.POST, instance=copy(work_log))
        done = form_save(
            request,
            form,
            lambda: services.work_log_update(work_log=work_log, fields=form.service_fields()),
        )
        if done.ok:
            messages.success(request, _("Work log saved."))
            return saved(request, reverse("client_detail", args=[work_log.client_id]))
    context = {"client": work_log.client, "work_log": work_log, "form": form}
    return form_page(request, "clients/work_log_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def work_log_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    work_log = _owned_work_log(request, pk)
    if request.method == "POST":
        services.work_log_delete(work_log=work_log)
        messages.success(request, _("Work log deleted."))
        return timeline_entry_deleted(request, work_log.client)
    context = {"client": work_log.client, "work_log": work_log}
    return render(request, "clients/work_log_delete.html", context)


# Managed accounts


def _owned_account_item(request: HttpRequest, pk: int) -> AccountItem:
    return get_object_or_404(
        AccountItem.objects.for_owner(request.user).select_related("client"), pk=pk
    )


def _accounts_changed(
    request: HttpRequest, client: Client, form: AccountItemForm, status: int = 200
) -> HttpResponse:
    context = {
        "client": client,
        "account_items": account_items_for(client=client),
        "account_form": form,
        "oob": True,
    }
    return render(request, f"{CLIENT_PAGE}#accounts_changed", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def account_item_create(request: HtmxHttpRequest, client_pk: int) -> HttpResponse:
    client = owned_client(request, client_pk)
    form = AccountItemForm()
    if request.method == "POST":
        form = AccountItemForm(request.POST)
        done = form_save(
            request,
            form,
            lambda: services.account_item_add(client=client, fields=form.service_fields()),
            once=lambda item: reverse("client_detail", args=[client.pk]),
        )
        if done.repeat:
            return done.repeat
        if done.ok:
            messages.success(request, _("Account added."))
            if request.htmx:
                return _accounts_changed(request, client, AccountItemForm())
            return redirect("client_detail", pk=client.pk)
        if request.htmx:
            return _accounts_changed(request, client, form, status=422)
    return render(request, "clients/account_item_form.html", {"client": client, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def account_item_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    item = _owned_account_item(request, pk)
    form = AccountItemForm(instance=item)
    if request.method == "POST":
        form = AccountItemForm(request.POST, instance=copy(item))
        done = form_save(
            request,
            form,
            lambda: services.account_item_update(account_item=item, fields=form.service_fields()),
        )
        if done.ok:
            messages.success(request, _("Account saved."))
            return saved(request, reverse("client_detail", args=[item.client_id]))
    context = {"client": item.client, "account_item": item, "form": form}
    return form_page(request, "clients/account_item_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_item_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    item = _owned_account_item(request, pk)
    if request.method == "POST":
        services.account_item_delete(account_item=item)
        messages.success(request, _("%(name)s removed from the list.") % {"name": item.name})
        if request.htmx:
            return _accounts_changed(request, item.client, AccountItemForm())
        return redirect("client_detail", pk=item.client_id)
    context = {"client": item.client, "account_item": item}
    return render(request, "clients/account_item_delete.html", context)
