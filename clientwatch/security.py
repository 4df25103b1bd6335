"""The Security page and the second login step: second factors, sessions, email verification."""

import logging
from collections.abc import Callable
from functools import wraps
from smtplib import SMTPException

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from clientwatch import second_factor as factors
from clientwatch import sending
from clientwatch.sessions import session_end, sessions_end_others, sessions_of

logger = logging.getLogger(__name__)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """The second login step: a code from the authenticator app, a recovery code, or a
    passkey (the passkey button runs django-otp-webauthn's script)."""
    if request.user.is_verified() or not request.session.get(factors.HAS_DEVICE_KEY):
        return redirect(_next_url(request))
    if not factors.has_second_factor(request.user):
        # Every device was removed from another session since this one logged in.
        request.session[factors.HAS_DEVICE_KEY] = False
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        wait = factors.code_wait_seconds(request.user)
        if wait:
            return factors.too_many_codes(request, wait)
        if form.is_valid():
            code = form.cleaned_data["code"]
            if factors.devices_waiting(user=request.user, code=code):
                factors.code_failure_record(request.user)  # a try all the same
                form.add_error("code", _("Too many wrong codes: wait a moment, then try again."))
            elif factors.second_factor_verify(request=request, code=code):
                return redirect(_next_url(request))
            else:
                form.add_error("code", _("That code is not right, or was already used."))
        status = 422
    context = {
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "has_passkey": WebAuthnCredential.objects.filter(
            user=request.user, confirmed=True
        ).exists(),
    }
    return render(request, "registration/second_factor.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code, type its first code. Passkeys can be
    added here too (the set-up page is all an account must reach when a factor is required)."""
    import segno

    device = factors.totp_device_pending(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if factors.totp_device_confirm(
            request=request, device=device, code=form.cleaned_data["code"]
        ):
            codes = factors.recovery_codes_generate(user=request.user)
            messages.success(request, _("Your authenticator app is set up."))
            return _show_recovery_codes(request, codes)
        form.add_error("code", _("That code is not right. Check the time on your phone."))
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    context = {
        "form": form,
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111"),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": settings.REQUIRE_SECOND_FACTOR and not request.user.is_verified(),
    }
    return render(
        request, "clientwatch/security_setup.html", context, status=422 if form.errors else 200
    )


def _show_recovery_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    response = render(
        request,
        "clientwatch/security_recovery_codes.html",
        {"codes": codes, "download": "\r\n".join(["ClientWatch", *codes, ""])},
    )
    response["Cache-Control"] = "no-store"  # shown once: not kept by the browser either
    return response


@login_required
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "authenticators": TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"),
        "passkeys": WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk"),
        "recovery_codes_left": factors.recovery_codes_left(user=user),
        "sessions": sessions_of(request),
        "email_verified": sending.email_verified(user),
        "signup_open": settings.SIGNUP_OPEN,
        "required": settings.REQUIRE_SECOND_FACTOR,
        "password_form": PasswordForm(),
    }
    context["has_factor"] = bool(context["authenticators"] or context["passkeys"])
    return render(request, "clientwatch/security.html", context)


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if not factors.has_second_factor(request.user):
        messages.error(request, _("Set up an authenticator app or a passkey first."))
        return redirect("security")
    return _show_recovery_codes(request, factors.recovery_codes_generate(user=request.user))


@login_required
@require_POST
def authenticator_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if not factors.totp_device_remove(request=request, device_id=pk):
        raise Http404
    messages.success(request, _("Authenticator app removed."))
    return redirect("security")


@login_required
@require_POST
def passkey_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if not factors.passkey_remove(request=request, passkey_id=pk):
        raise Http404
    messages.success(request, _("Passkey removed."))
    return redirect("security")


@login_required
@require_POST
def second_factor_off(request: HttpRequest) -> HttpResponse:
    if settings.REQUIRE_SECOND_FACTOR:
        messages.error(request, _("This site requires a second factor for every account."))
        return redirect("security")
    form = PasswordForm(request.POST)
    if form.is_valid() and request.user.check_password(form.cleaned_data["password"]):
        factors.second_factor_turn_off(request=request)
        messages.success(request, _("The second factor is off: logging in takes your password."))
    else:
        messages.error(request, _("That password is not right; the second factor stays on."))
    return redirect("security")


@login_required
@require_POST
def session_sign_out(request: HttpRequest) -> HttpResponse:
    if not session_end(request=request, session=request.POST.get("session", "")):
        raise Http404
    messages.success(request, _("That session is signed out."))
    return redirect("security")


@login_required
@require_POST
def sessions_sign_out_others(request: HttpRequest) -> HttpResponse:
    sessions_end_others(request=request)
    messages.success(request, _("Every other session is signed out."))
    return redirect("security")


# Email verification


def signup_is_open() -> bool:
    """For the login page's link: templates call it, so it is read at each page, not once."""
    return settings.SIGNUP_OPEN


def signup_open_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-up exists only while SIGNUP_OPEN is on."""

    @wraps(view)
    def open_only(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.SIGNUP_OPEN:
            raise Http404
        return view(request, *args, **kwargs)

    return open_only


def verification_mail(request: HttpRequest, user) -> bool:
    try:
        sending.email_verification_send(request=request, user=user)
    except (SMTPException, OSError):
        # The account is made; the link can be sent again from the Security page.
        logger.warning("verification mail to user %s failed", user.pk, exc_info=True)
        return False
    return True


@login_required
@require_POST
def email_verification_resend(request: HttpRequest) -> HttpResponse:
    if verification_mail(request, request.user):
        sent_to = {"email": request.user.email}
        messages.success(request, _("We sent a new link to %(email)s.") % sent_to)
    else:
        messages.error(request, _("The link could not be sent just now. Try again later."))
    return redirect("security")


@login_required
@require_GET
def email_verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        sending.email_verify(user=request.user, token=token)
    except sending.VerificationRefused as exc:
        reason = str(exc)
        return render(
            request,
            "registration/email_verification_failed.html",
            {"expired": reason == "expired"},
            status=400,
        )
    messages.success(request, _("Your email address is verified."))
    return redirect("security")
