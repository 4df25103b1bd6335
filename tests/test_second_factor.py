"""A second factor at login: authenticator app codes, recovery codes, passkeys, enforcement."""

import json
import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from clientwatch import second_factor

PASSWORD = "a long enough password"
HTMX = {"HTTP_HX_REQUEST": "true"}


def code_for(device: TOTPDevice) -> str:
    """The code the authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def alice_with_app(alice):
    alice.set_password(PASSWORD)
    alice.save()
    device = TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    static = StaticDevice.objects.create(user=alice, name="Recovery codes", confirmed=True)
    static.token_set.create(token="abcd2345")
    return device


def log_in(client: Client, username: str = "alice", **extra):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD}, **extra)


def test_setting_up_an_app_with_a_real_code_turns_the_second_factor_on(alice_client, alice):
    page = alice_client.get(reverse("second_factor_setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()  # the QR code, drawn inline
    device = TOTPDevice.objects.get(user=alice, confirmed=False)

    wrong = alice_client.post(reverse("second_factor_setup"), {"code": "000000"})
    assert wrong.status_code == 422
    device.refresh_from_db()
    assert not device.confirmed

    device.throttling_failure_timestamp = None  # django-otp's own per-device back-off
    device.throttling_failure_count = 0
    device.save()
    shown = alice_client.post(reverse("second_factor_setup"), {"code": code_for(device)})
    assert shown.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = shown.context["codes"]
    assert len(codes) == 10 == StaticToken.objects.filter(device__user=alice).count()
    assert shown["Cache-Control"] == "no-store"
    # This session made the device, so it goes on without a second step.
    assert alice_client.get(reverse("dashboard")).status_code == 200


def test_login_asks_for_the_code_and_a_real_one_lets_the_account_in(client, alice_with_app):
    response = log_in(client)
    assert response.status_code == 302
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("second_factor"))

    password_only = client.session.session_key
    response = client.post(reverse("second_factor"), {"code": code_for(alice_with_app)})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.session.session_key != password_only  # a new key once fully logged in


def test_a_session_whose_devices_were_all_removed_elsewhere_is_not_stuck(client, alice_with_app):
    log_in(client)
    TOTPDevice.objects.filter(user=alice_with_app.user).delete()
    StaticDevice.objects.filter(user=alice_with_app.user).delete()
    assert client.get(reverse("second_factor")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_code_is_refused(client, alice_with_app):
    log_in(client)
    wrong = f"{(int(code_for(alice_with_app)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("second_factor"), {"code": wrong})
    assert response.status_code == 422
    assert client.get(reverse("dashboard")).status_code == 302


def test_right_after_a_wrong_code_the_page_says_to_wait_not_that_the_code_is_wrong(
    client, alice_with_app
):
    log_in(client)
    client.post(reverse("second_factor"), {"code": "000000"})  # django-otp: 1 s back-off
    response = client.post(reverse("second_factor"), {"code": code_for(alice_with_app)})
    assert response.status_code == 422
    assert "wait a moment" in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        response = client.post(reverse("second_factor"), {"code": code_for(alice_with_app)})
    assert response.status_code == 302


def test_a_recovery_code_works_once(client, alice_with_app):
    log_in(client)
    assert client.post(reverse("second_factor"), {"code": "ABCD-2345"}).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("logout"))

    other = Client()
    log_in(other)
    assert other.post(reverse("second_factor"), {"code": "abcd-2345"}).status_code == 422
    assert other.get(reverse("dashboard")).status_code == 302


def test_wrong_codes_are_throttled_for_the_account(client, alice_with_app):
    log_in(client)
    for _ in range(second_factor.FREE_WRONG_CODES):
        assert client.post(reverse("second_factor"), {"code": "zzzz-zzzz"}).status_code == 422
    throttled = client.post(reverse("second_factor"), {"code": "zzzz-zzzz"})
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) >= 1
    # Even the right code waits: a guesser cannot go on by trying faster.
    assert client.post(reverse("second_factor"), {"code": "abcd-2345"}).status_code == 429


def test_a_password_only_session_reaches_no_page_partial_or_pdf(client, alice_with_app, acme):
    log_in(client)
    page = client.get(reverse("dashboard"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("second_factor"))

    partial = client.get(reverse("client_timeline", args=[acme.pk]), **HTMX)
    assert partial.status_code == 403
    assert partial["HX-Redirect"] == reverse("second_factor")
    assert b"Acme" not in partial.content

    pdf = client.get(reverse("client_statement_pdf", args=[acme.pk]))
    assert pdf.status_code == 302
    assert pdf["Location"].startswith(reverse("second_factor"))
    for name in ("security", "second_factor_setup", "profile_settings"):
        assert client.get(reverse(name)).status_code == 302
    assert client.post(reverse("recovery_codes")).status_code == 302
    assert StaticToken.objects.filter(token="abcd2345").exists()

    # The second step itself, and logging out, are reachable.
    assert client.get(reverse("second_factor")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


def test_required_second_factor_sends_an_account_without_one_to_set_up(client, alice, settings):
    settings.REQUIRE_SECOND_FACTOR = True
    alice.set_password(PASSWORD)
    alice.save()
    log_in(client)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor_setup"))
    assert client.get(reverse("profile_settings")).status_code == 302
    assert client.get(reverse("second_factor_setup")).status_code == 200

    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    client.post(reverse("second_factor_setup"), {"code": code_for(device)})
    assert client.get(reverse("dashboard")).status_code == 200


def test_without_the_requirement_an_account_without_a_device_logs_in_with_its_password(
    client, alice
):
    alice.set_password(PASSWORD)
    alice.save()
    log_in(client)
    assert client.get(reverse("dashboard")).status_code == 200


def test_turning_it_off_takes_the_password(client, alice_with_app, alice):
    log_in(client)
    client.post(reverse("second_factor"), {"code": code_for(alice_with_app)})
    client.post(reverse("second_factor_off"), {"password": "not it"})
    assert TOTPDevice.objects.filter(user=alice).exists()

    client.post(reverse("second_factor_off"), {"password": PASSWORD})
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticDevice.objects.filter(user=alice).exists()
    other = Client()
    log_in(other)
    assert other.get(reverse("dashboard")).status_code == 200


def test_bob_cannot_remove_alices_devices(client, alice_with_app, bob):
    client.force_login(bob)
    url = reverse("authenticator_remove", args=[alice_with_app.pk])
    assert client.post(url).status_code == 404
    assert TOTPDevice.objects.filter(pk=alice_with_app.pk).exists()


def test_new_recovery_codes_replace_the_old_ones(client, alice_with_app, alice):
    log_in(client)
    client.post(reverse("second_factor"), {"code": code_for(alice_with_app)})
    response = client.post(reverse("recovery_codes"))
    assert len(response.context["codes"]) == 10
    assert not StaticToken.objects.filter(token="abcd2345").exists()
    assert response.context["codes"][0].replace("-", "") in set(
        StaticToken.objects.filter(device__user=alice).values_list("token", flat=True)
    )


# Passkeys: the server side of django-otp-webauthn, as far as it goes without an authenticator


def test_passkey_registration_options_name_this_site_and_the_account(alice_client, alice):
    response = alice_client.post(
        reverse("otp_webauthn:credential-registration-begin"), content_type="application/json"
    )
    assert response.status_code == 200
    options = response.json()
    assert options["rp"] == {"id": "testserver", "name": "ClientWatch"}
    assert options["user"]["name"] == "alice"
    assert options["challenge"]
    assert "otp_webauthn_register_state" in alice_client.session


def test_passkey_registration_needs_a_logged_in_account(client):
    response = client.post(
        reverse("otp_webauthn:credential-registration-begin"), content_type="application/json"
    )
    assert response.status_code in (401, 403)


def test_completing_a_registration_nobody_began_is_refused(alice_client, alice):
    response = alice_client.post(
        reverse("otp_webauthn:credential-registration-complete"),
        json.dumps({"id": "x"}),
        content_type="application/json",
    )
    assert response.status_code >= 400
    assert not WebAuthnCredential.objects.filter(user=alice).exists()


def test_passwordless_passkey_login_is_off(client):
    response = client.post(
        reverse("otp_webauthn:credential-authentication-begin"), content_type="application/json"
    )
    assert response.status_code >= 400


def make_passkey(user) -> WebAuthnCredential:
    return WebAuthnCredential.objects.create(
        user=user,
        name="laptop",
        confirmed=True,
        credential_id=b"credential-" + str(time.time()).encode(),
        public_key=b"not used here",
        sign_count=0,
    )


def test_a_passkey_counts_as_a_second_factor(client, alice):
    alice.set_password(PASSWORD)
    alice.save()
    passkey = make_passkey(alice)
    log_in(client)
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("second_factor"))
    step = client.get(reverse("second_factor"))
    assert b"passkey-verification-button" in step.content
    # The passkey ceremony's endpoints are open to the password-only session ...
    begin = client.post(
        reverse("otp_webauthn:credential-authentication-begin"), content_type="application/json"
    )
    assert begin.status_code == 200
    allowed = [c["id"] for c in begin.json()["allowCredentials"]]
    assert len(allowed) == 1
    assert begin.json()["rpId"] == "testserver"
    # ... and removing the only passkey (once verified) turns the second step off again.
    assert passkey.pk


def test_removing_the_last_passkey_leaves_no_second_factor(alice_client, alice):
    passkey = make_passkey(alice)
    StaticDevice.objects.create(user=alice, name="Recovery codes", confirmed=True)
    assert alice_client.post(reverse("passkey_remove", args=[passkey.pk])).status_code == 302
    assert not second_factor.has_second_factor(alice)


def test_the_security_page_lists_factors_and_links_from_settings(alice_client, alice):
    make_passkey(alice)
    assert reverse("security") in alice_client.get(reverse("profile_settings")).content.decode()
    page = alice_client.get(reverse("security")).content.decode()
    assert "laptop" in page
    assert "passkey-register-button" in page


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ms", "Daftar kunci laluan"),
        ("id", "Daftarkan kunci sandi"),
        ("fi", "Rekisteröi pääsyavain"),
        ("fy", "Tagongskaai registrearje"),
    ],
)
def test_the_passkey_scripts_speak_the_freelancers_language(alice_client, language, text):
    alice_client.cookies["django_language"] = language
    catalog = alice_client.get(reverse("otp_webauthn:js-i18n-catalog"))
    assert catalog.status_code == 200
    found = re.search(r'"Register a Passkey": ("(?:[^"\\]|\\.)*")', catalog.content.decode())
    assert json.loads(found.group(1)) == text
