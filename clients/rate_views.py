"""The exchange rates on the settings page: add one, delete one or a pair, import a file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clients import services
from clients.models import ExchangeRate
from clients.rate_forms import ExchangeRateForm, RateFileForm
from clients.rates import rate_file_read
from clients.selectors import currencies_in_use
from clientwatch.money import currency_codes
from clientwatch.views import settings_page

RATES_ANCHOR = "#rates"


def _back() -> HttpResponse:
    response = redirect("profile_settings")
    response["Location"] += RATES_ANCHOR
    return response


@login_required
@require_POST
def exchange_rate_add(request: HttpRequest) -> HttpResponse:
    form = ExchangeRateForm(request.POST)
    if form.is_valid():
        try:
            services.exchange_rate_add(owner=request.user, fields=form.service_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Exchange rate added; every client was scored again."))
            return _back()
    return settings_page(request, rate_form=form, status=422)


@login_required
@require_POST
def exchange_rate_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rate = get_object_or_404(ExchangeRate.objects.for_owner(request.user), pk=pk)
    services.exchange_rate_delete(rate=rate)
    messages.success(request, _("Exchange rate deleted."))
    return _back()


@login_required
@require_POST
def exchange_rate_pair_delete(request: HttpRequest) -> HttpResponse:
    base, quote = request.POST.get("base", ""), request.POST.get("quote", "")
    deleted = services.exchange_rates_delete_pair(owner=request.user, base=base, quote=quote)
    messages.success(
        request,
        ngettext("%(count)s exchange rate deleted.", "%(count)s exchange rates deleted.", deleted)
        % {"count": deleted},
    )
    return _back()


@login_required
@require_POST
def exchange_rates_import(request: HttpRequest) -> HttpResponse:
    """All or nothing: a file with any bad cell imports nothing and lists every problem."""
    form = RateFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return settings_page(request, rate_file_form=form, status=422)
    profile = services.profile_for(request.user)
    wanted = currencies_in_use(owner=request.user, own=profile.currency)
    parsed = rate_file_read(form.cleaned_data["file"].read(), known=currency_codes(), wanted=wanted)
    if parsed.problems:
        return settings_page(
            request, rate_file_form=form, rate_problems=parsed.problems, status=422
        )
    if not parsed.rows:
        form.add_error(
            "file",
            _("The file holds no rate for the currencies you use (%(currencies)s).")
            % {"currencies": ", ".join(sorted(wanted))},
        )
        return settings_page(request, rate_file_form=form, status=422)
    count = services.exchange_rates_import(owner=request.user, rows=parsed.rows)
    messages.success(
        request,
        ngettext(
            "%(count)s exchange rate imported; every client was scored again.",
            "%(count)s exchange rates imported; every client was scored again.",
            count,
        )
        % {"count": count},
    )
    return _back()
