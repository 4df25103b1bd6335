"""An account's sessions on the Security page: listed, signed out one by one or all at once."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clients.models import AccountSession
from clientwatch.sessions import device_name, session_id

PASSWORD = "a long enough password"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def alice_twice(alice):
    """alice logged in from a Windows laptop and from her phone."""
    alice.set_password(PASSWORD)
    alice.save()
    laptop = Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="198.51.100.7")
    phone = Client(HTTP_USER_AGENT=SAFARI, REMOTE_ADDR="203.0.113.9")
    for browser in (laptop, phone):
        response = browser.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        assert response.status_code == 302
    return laptop, phone


def test_the_security_page_lists_this_accounts_sessions_with_the_current_one_marked(
    alice_twice, bob
):
    laptop, _phone = alice_twice
    Client().force_login(bob)
    page = laptop.get(reverse("security"))
    rows = page.context["sessions"]
    assert [(r.device, r.address, r.current) for r in sorted(rows, key=lambda r: r.current)] == [
        ("Safari · iPhone", "203.0.113.9", False),
        ("Firefox · Windows", "198.51.100.7", True),
    ]
    assert all(r.last_seen for r in rows)
    html = page.content.decode()
    assert laptop.cookies["sessionid"].value not in html  # only a hash names each session


def test_signing_out_everywhere_else_really_logs_the_other_browser_out(alice_twice):
    laptop, phone = alice_twice
    assert phone.get(reverse("dashboard")).status_code == 200
    assert laptop.post(reverse("sessions_sign_out_others")).status_code == 302
    response = phone.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert laptop.get(reverse("dashboard")).status_code == 200


def test_signing_out_one_session(alice_twice, alice):
    laptop, phone = alice_twice
    rows = laptop.get(reverse("security")).context["sessions"]
    (other,) = [r for r in rows if not r.current]
    assert laptop.post(reverse("session_sign_out"), {"session": other.id}).status_code == 302
    assert phone.get(reverse("dashboard")).status_code == 302
    assert laptop.get(reverse("dashboard")).status_code == 200
    assert AccountSession.objects.filter(user=alice).count() == 1


def test_bob_cannot_sign_out_alices_sessions(alice_twice, bob):
    laptop, _phone = alice_twice
    alices = session_id(laptop.cookies["sessionid"].value)
    bobs = Client()
    bobs.force_login(bob)
    assert bobs.post(reverse("session_sign_out"), {"session": alices}).status_code == 404
    assert bobs.post(reverse("sessions_sign_out_others")).status_code == 302
    assert laptop.get(reverse("dashboard")).status_code == 200


def test_the_current_session_cannot_be_ended_from_the_list(alice_twice):
    laptop, _phone = alice_twice
    own = session_id(laptop.cookies["sessionid"].value)
    assert laptop.post(reverse("session_sign_out"), {"session": own}).status_code == 404


def test_last_seen_is_written_at_most_once_a_minute(alice_twice, django_assert_num_queries):
    laptop, _phone = alice_twice
    row = AccountSession.objects.get(session_key=laptop.cookies["sessionid"].value)
    first_seen = row.last_seen
    with django_assert_num_queries(2):  # session, user: no write
        laptop.get(reverse("session_sign_out"))  # 405, after the session is read
    row.refresh_from_db()
    assert row.last_seen == first_seen
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        laptop.get(reverse("session_sign_out"))
    row.refresh_from_db()
    assert row.last_seen > first_seen


def test_a_new_session_key_is_recorded_on_the_same_response(alice_twice, alice):
    laptop, _phone = alice_twice
    laptop.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another long one 7",
            "new_password2": "another long one 7",
        },
    )
    row = AccountSession.objects.get(session_key=laptop.cookies["sessionid"].value)
    assert row.user_id == alice.pk
    assert row.user_agent == FIREFOX
    assert row.last_seen is not None


def test_a_session_keeps_its_record_when_its_data_changes(alice_twice):
    laptop, _phone = alice_twice
    key = laptop.cookies["sessionid"].value
    laptop.post(reverse("set_language"), {"language": "fi", "next": "/"})
    row = AccountSession.objects.get(session_key=key)
    assert row.user_agent == FIREFOX
    assert row.address == "198.51.100.7"


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (FIREFOX, "Firefox · Windows"),
        (SAFARI, "Safari · iPhone"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge · macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36",
            "Chrome · Android",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
    ],
)
def test_device_names_read_from_the_user_agent(agent, name):
    assert device_name(agent) == name


def test_a_forged_forwarded_address_is_not_recorded(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    browser = Client(HTTP_X_FORWARDED_FOR="not an address")
    browser.force_login(alice)
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):  # due to be recorded
        assert browser.get(reverse("dashboard")).status_code == 200
    row = AccountSession.objects.get(session_key=browser.cookies["sessionid"].value)
    assert row.last_seen > timezone.now() + timedelta(minutes=1)  # it was
    assert row.address is None


def test_turning_on_a_second_factor_signs_the_other_sessions_out(alice_twice, alice):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    laptop, phone = alice_twice
    laptop.get(reverse("second_factor_setup"))
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert laptop.post(reverse("second_factor_setup"), {"code": code}).status_code == 200
    assert laptop.get(reverse("dashboard")).status_code == 200
    assert phone.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
