"""A second factor at login: an authenticator app (TOTP), passkeys, and recovery codes.

The devices are django-otp's: a TOTPDevice per authenticator app, one StaticDevice holding
the account's single-use recovery codes, and django-otp-webauthn's WebAuthnCredential per
passkey. Logging in stays two steps: the password (the throttled LoginView), then, for an
account with a device, a code or a passkey. Until that second step, `SecondFactorMiddleware`
lets the session reach only the second step and logging out; with REQUIRE_SECOND_FACTOR on,
an account without a device reaches only the set-up page.

Whether the account has a device is looked up once, at login, and kept in the session, so a
request costs no extra query; adding the first device signs the account's other sessions out,
so none of them stays past a factor it never passed.
"""

import hashlib
import math
import re
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.i18n import JavaScriptCatalog
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from clientwatch.sessions import session_seen_record, sessions_end_others

HAS_DEVICE_KEY = "second_factor_device"  # in the session: does this account have a device?
RECOVERY_CODE_COUNT = 10

# Reached by a session that passed the password but not yet the second factor.
SECOND_STEP_VIEWS = {
    "second_factor",
    "logout",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "otp_webauthn:js-i18n-catalog",
}
# Reached by an account that must set a second factor up (REQUIRE_SECOND_FACTOR) and has none.
SET_UP_VIEWS = {
    "second_factor_setup",
    "logout",
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
    "otp_webauthn:js-i18n-catalog",
}


def has_second_factor(user) -> bool:
    return user_has_device(user, confirmed=True)


def _on_login(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    session[HAS_DEVICE_KEY] = has_second_factor(user)
    session_seen_record(request, user=user)


user_logged_in.connect(_on_login, dispatch_uid="clientwatch.second_factor.on_login")


def second_factor_turned_on(request: HttpRequest) -> None:
    """The account has a device now: this session (which just used or made it) passes, and
    every other session of the account is signed out, so each must pass it too."""
    if not request.session.get(HAS_DEVICE_KEY):
        sessions_end_others(request=request)
    request.session[HAS_DEVICE_KEY] = True


class SecondFactorMiddleware:
    """Keeps a password-only session to the second step (or to the set-up page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        if HAS_DEVICE_KEY not in request.session:  # a session from before second factors
            request.session[HAS_DEVICE_KEY] = has_second_factor(user)
        if request.session[HAS_DEVICE_KEY]:
            allowed, target = SECOND_STEP_VIEWS, "second_factor"
        elif settings.REQUIRE_SECOND_FACTOR:
            allowed, target = SET_UP_VIEWS, "second_factor_setup"
        else:
            return None
        if request.resolver_match.view_name in allowed or user.is_verified():
            return None
        url = reverse(target)
        if request.method == "GET" and not request.htmx:
            url += "?" + urlencode({"next": request.get_full_path()})
        if request.htmx:
            # A partial must not be swapped for the second step: the whole page goes there.
            response = HttpResponse(status=403)
            response["HX-Redirect"] = url
            return response
        return redirect(url)


# Checking codes

FREE_WRONG_CODES = 5
MAX_DELAY_SECONDS = 5 * 60
WRONG_CODES_FORGOTTEN_AFTER = 24 * 60 * 60
TOTP_PATTERN = re.compile(r"\d{6}")


def _failures_key(user) -> str:
    return "second-factor-failures:" + hashlib.sha256(str(user.pk).encode()).hexdigest()


def code_wait_seconds(user) -> int:
    """How long this account must wait before its next code: none for the first few wrong
    codes, then 1, 2, 4 ... seconds after each, capped at five minutes (the way logins are
    throttled in clientwatch.throttle: slow for a guesser, never a lock-out for the owner)."""
    failures, last = cache.get(_failures_key(user), (0, 0.0))
    if failures < FREE_WRONG_CODES:
        return 0
    delay = min(2 ** (failures - FREE_WRONG_CODES), MAX_DELAY_SECONDS)
    return max(0, math.ceil(last + delay - time.time()))


def code_failure_record(user) -> None:
    """One more wrong (or too early) code for this account."""
    key = _failures_key(user)
    failures, _last = cache.get(key, (0, 0.0))
    cache.set(key, (failures + 1, time.time()), timeout=WRONG_CODES_FORGOTTEN_AFTER)


def too_many_codes(request: HttpRequest, wait: int) -> HttpResponse:
    context = {"minutes": max(1, round(wait / 60)), "second_factor": True}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(max(1, wait))
    return response


def devices_waiting(*, user, code: str) -> bool:
    """Is the device this code is for in django-otp's own back-off (1, 2, 4 ... seconds after
    each wrong code, kept in the database)? It then refuses even the right code, so the page
    says to wait instead of calling the code wrong."""
    code = normalise_code(code)
    kind = TOTPDevice if TOTP_PATTERN.fullmatch(code) else StaticDevice
    devices = kind.objects.devices_for_user(user, confirmed=True)
    return any(not device.verify_is_allowed()[0] for device in devices)


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def second_factor_verify(*, request: HttpRequest, code: str):
    """Check a code from an authenticator app or a recovery code (used up when it works).
    Returns the device that took it, after marking the session verified, or None."""
    user = request.user
    code = normalise_code(code)
    kind = TOTPDevice if TOTP_PATTERN.fullmatch(code) else StaticDevice
    with transaction.atomic():
        devices = list(kind.objects.devices_for_user(user, confirmed=True).select_for_update())
        device = next((d for d in devices if code and d.verify_token(code)), None)
    if device is None:
        code_failure_record(user)
        return None
    cache.delete(_failures_key(user))
    request.session.cycle_key()  # a new key for the now fully logged-in session
    otp_login(request, device)
    return device


# Setting up and turning off


def totp_device_pending(*, user) -> TOTPDevice:
    """The authenticator app being set up: an unconfirmed device, made once and reused
    until its first code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice(user=user, name="Authenticator app", confirmed=False)
        device.full_clean()
        device.save()
    return device


def totp_device_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """The first code from the app confirms it; the session counts as verified by it."""
    code = normalise_code(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(
            pk=device.pk, user=request.user, confirmed=False
        )
        if not TOTP_PATTERN.fullmatch(code) or not device.verify_token(code):
            return False
        device.confirmed = True
        device.full_clean()
        device.save()
    second_factor_turned_on(request)
    otp_login(request, device)
    return True


def recovery_codes_generate(*, user) -> list[str]:
    """Ten new single-use codes, replacing any left. Shown once: the caller displays them."""
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        device, _made = StaticDevice.objects.get_or_create(
            user=user, name="Recovery codes", defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def recovery_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def passkey_remove(*, request: HttpRequest, passkey_id: int) -> bool:
    with transaction.atomic():
        removed = WebAuthnCredential.objects.filter(user=request.user, pk=passkey_id).delete()[0]
        _forget_codes_without_a_factor(request)
    return removed > 0


def totp_device_remove(*, request: HttpRequest, device_id: int) -> bool:
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=request.user, pk=device_id).delete()[0]
        _forget_codes_without_a_factor(request)
    return removed > 0


def _forget_codes_without_a_factor(request: HttpRequest) -> None:
    """Recovery codes stand in for a lost app or passkey; alone they are no second factor."""
    user = request.user
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists() and not (
        WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    ):
        StaticDevice.objects.filter(user=user).delete()
        request.session[HAS_DEVICE_KEY] = False
        request.session.pop(DEVICE_ID_SESSION_KEY, None)


def second_factor_turn_off(*, request: HttpRequest) -> None:
    """Every device of the account goes: logging in takes the password alone again."""
    user = request.user
    with transaction.atomic():
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
    request.session[HAS_DEVICE_KEY] = False
    request.session.pop(DEVICE_ID_SESSION_KEY, None)


# Passkeys (django-otp-webauthn)


class PasskeyHelper(WebAuthnHelper):
    """The relying party is the site as the browser reached it. The host was already
    checked against ALLOWED_HOSTS; a browser signs only for the page's own origin and a
    relying party ID that is that origin's host, so a passkey cannot be used elsewhere."""

    def get_relying_party_domain(self) -> str:
        domain, _port = split_domain_port(self.request.get_host())
        return domain

    def get_relying_party_name(self) -> str:
        return "ClientWatch"

    def get_allowed_origins(self) -> list[str]:
        origin = f"{self.request.scheme}://{self.request.get_host()}"
        return [*super().get_allowed_origins(), origin]


def relying_party_id(request: HttpRequest) -> str:
    return PasskeyHelper(request).get_relying_party_domain()


class PasskeyRegistrationComplete(webauthn_views.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            second_factor_turned_on(self.request)
        return response


class PasskeyAuthenticationComplete(webauthn_views.CompleteCredentialAuthenticationView):
    def complete_auth(self, device) -> None:
        # As with a code: the fully logged-in session gets a new key.
        if self.request.user.is_authenticated:
            self.request.session.cycle_key()
            cache.delete(_failures_key(self.request.user))
        super().complete_auth(device)


webauthn_urlpatterns = [
    path(
        "registration/begin/",
        webauthn_views.BeginCredentialRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        PasskeyRegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        webauthn_views.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        PasskeyAuthenticationComplete.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
