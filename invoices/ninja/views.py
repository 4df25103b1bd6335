from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clients.views import HtmxHttpRequest
from clientwatch.celery import enqueue_after_commit
from clientwatch.once import form_save
from invoices.ninja.forms import NinjaForm
from invoices.ninja.models import NinjaAccount
from invoices.ninja.services import ninja_account_save
from invoices.ninja.tasks import pull_from_ninja


@login_required
@require_http_methods(["GET", "POST"])
def ninja_settings(request: HtmxHttpRequest) -> HttpResponse:
    account = NinjaAccount.objects.for_owner(request.user).first()
    form = NinjaForm(
        request.POST or None,
        has_token=account is not None,
        initial={"url": account.url} if account else None,
    )
    if request.method == "POST":
        done = form_save(
            request,
            form,
            lambda: ninja_account_save(
                owner=request.user, url=form.cleaned_data["url"], token=form.cleaned_data["token"]
            ),
        )
        if done.ok:
            enqueue_after_commit(pull_from_ninja, done.value.pk)
            messages.success(request, _("Saved. The first pull has started."))
            return redirect("ninja_settings")
    return render(request, "invoices/ninja/ninja_settings.html", {"form": form, "account": account})


@login_required
@require_POST
def ninja_pull_now(request: HtmxHttpRequest) -> HttpResponse:
    account = NinjaAccount.objects.for_owner(request.user).first()
    if account is not None:
        enqueue_after_commit(pull_from_ninja, account.pk)
        messages.success(request, _("A pull has started; reload in a minute to see how it went."))
    return redirect("ninja_settings")
