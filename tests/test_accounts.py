import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from clients.models import Profile

pytestmark = pytest.mark.django_db


def test_signup_creates_a_freelancer_with_a_profile_and_logs_them_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "carol",
            "email": "carol@example.com",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding")  # a few details first, skippable
    carol = get_user_model().objects.get(username="carol")
    assert Profile.objects.filter(user=carol).exists()
    assert client.get(reverse("dashboard")).status_code == 200


def test_signup_rejects_mismatched_passwords_and_saves_nothing(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "carol",
            "email": "carol@example.com",
            "password1": "x-long-phrase-1",
            "password2": "x-long-phrase-2",
        },
    )
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert not get_user_model().objects.filter(username="carol").exists()


def test_signup_rejects_an_email_already_in_use(client, alice):
    response = client.post(
        reverse("signup"),
        {
            "username": "alice2",
            "email": "ALICE@example.com",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert "email" in response.context["form"].errors


def test_pages_need_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_and_logout(client, alice):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_wrong_password_shows_an_error(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_password_change(alice_client, alice):
    response = alice_client.post(
        reverse("password_change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": "another-long-phrase-9",
            "new_password2": "another-long-phrase-9",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("another-long-phrase-9")


def test_password_reset_mails_a_link_that_sets_a_new_password(client, alice):
    client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "fresh-long-phrase-42", "new_password2": "fresh-long-phrase-42"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("fresh-long-phrase-42")


def test_password_reset_for_unknown_email_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_settings_page_saves_the_freelancer_profile(alice_client, alice):
    data = {
        "business_name": "Alice Design",
        "business_details": "",
        "currency": "EUR",
        "target_hourly_rate": "85",
        "default_payment_terms_days": "14",
        "time_zone": "Europe/Helsinki",
        "reminder_nudge_days": "1",
        "reminder_pause_days": "7",
        "reminder_final_days": "21",
        "digest_enabled": "on",
        "digest_hour": "8",
        "paper_size": "A4",
    }
    response = alice_client.post(reverse("profile_settings"), data)
    assert response.status_code == 302
    alice.profile.refresh_from_db()
    assert alice.profile.time_zone == "Europe/Helsinki"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus"),
        ("currency", "XXQ"),
        ("reminder_pause_days", "30"),
        ("target_hourly_rate", "-5"),
        ("digest_hour", "25"),
    ],
)
def test_settings_reject_bad_values(alice_client, alice, field, value):
    data = {
        "business_name": "Alice Design",
        "currency": "EUR",
        "target_hourly_rate": "85",
        "default_payment_terms_days": "14",
        "time_zone": "UTC",
        "reminder_nudge_days": "1",
        "reminder_pause_days": "7",
        "reminder_final_days": "21",
        "digest_hour": "8",
        "paper_size": "A4",
        field: value,
    }
    response = alice_client.post(reverse("profile_settings"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Profile.objects.get(user=alice).time_zone == "UTC"


def test_the_database_refuses_a_second_account_with_the_same_email_in_another_case(alice):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create_user("alice2", email="ALICE@example.com")
    # Accounts without an address (made from the command line) do not collide.
    get_user_model().objects.create_user("ops1", email="")
    get_user_model().objects.create_user("ops2", email="")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("second", "field"),
    [({"username": "carol2"}, "email"), ({"email": "other@example.com"}, "username")],
)
def test_two_signups_racing_for_the_same_email_or_username_make_one_account(second, field):
    """Both pass the form's checks before either saves; the database decides, and the loser
    gets the form back with the reason, not a server error."""
    import threading

    from django.db import connection
    from django.test import Client as Browser

    from tests.conftest import skip_or_fail

    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: two real connections racing")
    both_validated = threading.Barrier(2, timeout=10)
    responses = {}

    def hold_the_insert(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "auth_user"'):
            both_validated.wait()
        return execute(sql, params, many, context)

    def sign_up(name, overrides):
        form = {
            "username": "carol",
            "email": "carol@example.com",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        } | overrides
        try:
            with connection.execute_wrapper(hold_the_insert):
                responses[name] = Browser(raise_request_exception=True).post(
                    reverse("signup"), form
                )
        finally:
            connection.close()

    threads = [
        threading.Thread(target=sign_up, args=("first", {})),
        threading.Thread(target=sign_up, args=("second", second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(r.status_code for r in responses.values()) == [302, 422]
    loser = next(r for r in responses.values() if r.status_code == 422)
    assert loser.context["form"].errors[field]
    assert get_user_model().objects.filter(email__iexact="carol@example.com").count() == 1
