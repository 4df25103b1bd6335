"""Hardening: production settings, headers and CSP, login and form throttling, error pages."""

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.template.loader import get_template
from django.test import Client as Browser
from django.test import RequestFactory
from django.urls import include, path, reverse
from django.utils import timezone

from clientwatch.throttle import (
    LOGIN_FREE_FAILURES,
    LOGIN_MAX_DELAY_SECONDS,
    client_ip,
    login_delay_seconds,
)

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # the factories' password


# A URLconf for the error pages: ClientWatch's own URLs plus two views that fail.
def _forbidden(request):
    raise PermissionDenied


def _broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("test/forbidden/", _forbidden),
    path("test/broken/", _broken),
    path("", include("clientwatch.urls")),
]


@pytest.fixture(autouse=True)
def empty_cache():
    """Throttle counts live in the cache, which outlives a test: start and end with none."""
    cache.clear()
    yield
    cache.clear()


def production_env(**overrides: str) -> dict[str, str]:
    """A production environment of its own: nothing of this test process leaks in (the
    browser tests, for one, set DJANGO_ALLOW_ASYNC_UNSAFE, which --deploy rightly refuses)."""
    kept = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return kept | {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.com",
        **overrides,
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


# Production settings


def test_production_settings_pass_the_deploy_check_without_a_warning():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_settings_turn_on_https_only_cookies_and_hsts():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_REFERRER_POLICY', "
        "'X_FRAME_OPTIONS')}))"
    )
    env = production_env(DJANGO_SETTINGS_MODULE="clientwatch.settings")
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"


def test_production_refuses_to_start_without_a_secret_key():
    # An empty value, not a missing one, so that a developer's .env cannot fill it in.
    env = production_env(SECRET_KEY="", DJANGO_SETTINGS_MODULE="clientwatch.settings")
    result = run(["-c", "import django; django.setup()"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


# Headers and the Content-Security-Policy


def csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_send_a_strict_content_security_policy_and_the_other_headers(alice_client):
    response = alice_client.get(reverse("dashboard"))
    policy = csp(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"][0] == "'self'"
    assert re.fullmatch(r"'nonce-[A-Za-z0-9+/=]+'", policy["script-src"][1])
    assert len(policy["script-src"]) == 2  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_htmx_script_carries_the_requests_nonce(alice_client):
    nonces = []
    for _ in range(2):
        response = alice_client.get(reverse("dashboard"))
        nonce = csp(response)["script-src"][1].removeprefix("'nonce-").removesuffix("'")
        assert f'nonce="{nonce}"' in response.content.decode()
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_htmx_is_configured_to_run_under_the_policy(client):
    html = client.get(reverse("login")).content.decode()
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)[1])
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False
    assert {"code": "422", "swap": True} in config["responseHandling"]
    css = (ROOT / "static" / "css" / "clientwatch.css").read_text()
    assert ".htmx-indicator" in css and ".htmx-request .htmx-indicator" in css


INLINE_CODE = re.compile(r"<script(?![^>]*\ssrc=)|<style|\sstyle=\"|\son[a-z]+=\"|javascript:")


def test_pages_have_no_inline_script_or_style(alice_client, acme, factories):
    invoice = factories.invoice(client=acme)
    urls = [
        reverse("dashboard"),
        reverse("client_detail", args=[acme.pk]),
        reverse("invoice_detail", args=[invoice.pk]),
        reverse("reminder_preview", kwargs={"invoice_pk": invoice.pk, "stage": "nudge"}),
        reverse("profile_settings"),
        reverse("client_create"),
    ]
    for url in urls:
        html = alice_client.get(url).content.decode()
        assert not INLINE_CODE.search(html), (url, INLINE_CODE.search(html))


def test_the_reminder_preview_shows_the_email_in_a_sandboxed_frame_it_may_style(
    alice_client, acme, factories
):
    invoice = factories.invoice(client=acme)
    url = reverse("reminder_preview", kwargs={"invoice_pk": invoice.pk, "stage": "nudge"})
    response = alice_client.get(url)
    assert response.status_code == 200
    frame = re.search(r"<iframe [^>]*>", response.content.decode())[0]
    assert " sandbox " in frame and "srcdoc=" in frame and "allow-scripts" not in frame
    # A srcdoc frame inherits the page's policy: the email's inline style attributes are
    # allowed, <style> elements and scripts are not.
    policy = csp(response)
    assert policy["style-src-attr"] == ["'unsafe-inline'"]
    assert policy["style-src"] == ["'self'"]


# Login throttling (django-axes)


def log_in(browser, password: str, address: str = "10.0.0.1"):
    return browser.post(
        reverse("login"), {"username": "alice", "password": password}, REMOTE_ADDR=address
    )


def test_five_wrong_passwords_lock_that_username_from_that_address(client, alice):
    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200
    locked = log_in(client, "wrong")
    assert locked.status_code == 429
    assert "Logging in is paused" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    # Even the right password is refused now.
    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_locked_username_can_still_log_in_from_another_address(client, alice):
    for _ in range(5):
        log_in(client, "wrong", address="10.0.0.1")
    assert log_in(client, PASSWORD, address="10.0.0.2").status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_login_works_again_after_the_cool_off(client, alice):
    for _ in range(5):
        log_in(client, "wrong")
    with time_machine.travel(timezone.now() + timedelta(minutes=14), tick=False):
        assert log_in(client, PASSWORD).status_code == 429  # and the cool-off starts again
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        assert log_in(client, PASSWORD).status_code == 302


def test_a_successful_login_clears_the_failures(client, alice):
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200


def test_a_lock_says_when_to_come_back(client, alice):
    for _ in range(5):
        locked = log_in(client, "wrong")
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(15 * 60)


def test_guesses_spread_over_many_addresses_slow_down_for_that_username(client, alice):
    """40 guesses from 10 addresses never reach one address's lock; the username's own count
    does: past ten failures each next try waits longer, and the 429 says how long."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(LOGIN_FREE_FAILURES):
            assert log_in(client, "wrong", address=f"10.0.1.{n}").status_code == 200
        slowed = log_in(client, PASSWORD, address="10.0.2.1")
        assert slowed.status_code == 429
        assert slowed["Retry-After"] == "1"
        assert "many wrong passwords for this username" in slowed.content.decode()
    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        assert log_in(client, "wrong", address="10.0.2.2").status_code == 200
        assert log_in(client, "wrong", address="10.0.2.3")["Retry-After"] == "2"
    # The delay grows but is capped: the owner is never shut out for longer than that.
    for n in range(30):
        with time_machine.travel(start + timedelta(hours=1 + n), tick=False):
            assert log_in(client, "wrong", address=f"10.0.3.{n}").status_code == 200
    last_failure = start + timedelta(hours=30)
    assert login_delay_seconds(LOGIN_FREE_FAILURES + 31) == LOGIN_MAX_DELAY_SECONDS
    with time_machine.travel(last_failure + timedelta(seconds=LOGIN_MAX_DELAY_SECONDS - 1)):
        assert log_in(client, PASSWORD, address="10.0.4.1").status_code == 429
    with time_machine.travel(last_failure + timedelta(seconds=LOGIN_MAX_DELAY_SECONDS + 1)):
        assert log_in(client, PASSWORD, address="10.0.4.1").status_code == 302


def test_the_right_password_clears_the_usernames_count(client, alice):
    for n in range(LOGIN_FREE_FAILURES - 1):
        log_in(client, "wrong", address=f"10.0.1.{n}")
    assert log_in(client, PASSWORD, address="10.0.9.9").status_code == 302
    client.post(reverse("logout"))
    for n in range(LOGIN_FREE_FAILURES - 1):
        assert log_in(client, "wrong", address=f"10.0.5.{n}").status_code == 200


# Signing up and password resets: a few POSTs per address


@pytest.fixture
def mid_window():
    """A still clock, early in a ten-minute window, so a test never straddles two."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC), tick=False):
        yield


def sign_up(browser, n: int, address: str = "10.0.0.1"):
    data = {
        "username": f"new{n}",
        "email": f"new{n}@example.com",
        "password1": "a-long-unusual-passphrase",
        "password2": "not-the-same-passphrase",
    }
    return browser.post(reverse("signup"), data, REMOTE_ADDR=address)


def test_signup_is_throttled_per_address(client, db, mid_window):
    for n in range(10):
        assert sign_up(client, n).status_code == 200  # a form with errors: still counted
    response = sign_up(client, 10)
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()
    assert response["Retry-After"] == str(600 - 5)
    assert sign_up(client, 11, address="10.0.0.2").status_code == 200
    assert client.get(reverse("signup"), REMOTE_ADDR="10.0.0.1").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        assert sign_up(client, 12).status_code == 200


def test_password_reset_is_throttled_per_address(client, alice, mid_window):
    for _ in range(5):
        response = client.post(
            reverse("password_reset"), {"email": "alice@example.com"}, REMOTE_ADDR="10.0.0.1"
        )
        assert response.status_code == 302
    response = client.post(
        reverse("password_reset"), {"email": "alice@example.com"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429
    assert len(mail.outbox) == 5


def test_the_client_address_is_read_behind_the_configured_proxies_only(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.1.1.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer hops than proxies: not through them
    assert client_ip(request) == "10.1.1.1"


def test_a_password_reset_link_stops_working_after_an_hour(client, alice):
    client.post(reverse("password_reset"), {"email": "alice@example.com"})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body)[1]
    with time_machine.travel(timezone.now() + timedelta(minutes=59), tick=False):
        assert client.get(link, follow=True).context["validlink"]
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        response = client.get(link, follow=True)
    assert not response.context["validlink"]
    assert "This link no longer works" in response.content.decode()


# Error pages


def test_a_missing_object_shows_the_friendly_404_page(alice_client):
    response = alice_client.get(reverse("client_detail", args=[999_999]))
    assert response.status_code == 404
    assert "find that page" in response.content.decode()
    assert "404.html" in [t.name for t in response.templates]


def test_an_unknown_address_shows_the_404_page_to_anyone(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "find that page" in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_forbidden_page_shows_the_403_page(alice_client):
    response = alice_client.get("/test/forbidden/")
    assert response.status_code == 403
    assert "open this page" in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_server_error_shows_the_standalone_500_page(alice, db):
    browser = Browser(raise_request_exception=False)
    browser.force_login(alice)
    response = browser.get("/test/broken/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_the_500_page_needs_no_request_and_no_database():
    # No `db` fixture here: any query would raise.
    html = get_template("500.html").render()
    assert "Something went wrong on our side" in html


def test_a_form_sent_without_its_csrf_token_shows_the_friendly_403_page(db):
    browser = Browser(enforce_csrf_checks=True)
    response = browser.post(reverse("login"), {"username": "alice", "password": "x"})
    assert response.status_code == 403
    assert "That form has expired" in response.content.decode()


def test_htmx_posts_carry_the_csrf_token_in_a_header(alice, acme):
    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(alice)
    page = browser.get(reverse("client_detail", args=[acme.pk])).content.decode()
    token = json.loads(re.search(r"<body hx-headers='([^']+)'", page)[1])["X-CSRFToken"]
    url = reverse("work_log_create", args=[acme.pk])
    assert browser.post(url, {}, headers={"HX-Request": "true"}).status_code == 403
    response = browser.post(url, {}, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 422  # past the CSRF check, to the form's own errors
