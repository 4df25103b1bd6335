"""Email verification at sign-up, and how many client emails an account may send a day."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from clients.models import VerifiedEmail
from clientwatch.sending import client_mail_allowance, email_verified, verification_token
from invoices.models import Receipt, Reminder

SIGNUP = {
    "username": "carol",
    "email": "carol@example.com",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
}


@pytest.fixture
def unverified_alice(alice):
    VerifiedEmail.objects.filter(user=alice).delete()
    return alice


def mailed_link() -> str:
    (message,) = mail.outbox
    return re.search(r"https?://\S+", message.body).group(0)


def test_signup_mails_a_link_that_verifies_the_address(client, settings, django_user_model):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert client.post(reverse("signup"), SIGNUP).status_code == 302
    carol = django_user_model.objects.get(username="carol")
    assert not email_verified(carol)
    assert client_mail_allowance(carol) == 0
    assert mail.outbox[0].to == ["carol@example.com"]
    assert mail.outbox[0].alternatives  # an HTML body beside the text one

    response = client.get(mailed_link())
    assert response.status_code == 302
    assert email_verified(carol)
    assert client_mail_allowance(carol) == settings.CLIENT_MAIL_DAILY_LIMIT


def test_signup_is_not_there_when_closed(client, settings, db):
    settings.SIGNUP_OPEN = False
    assert client.get(reverse("signup")).status_code == 404
    assert client.post(reverse("signup"), SIGNUP).status_code == 404


def test_an_expired_link_is_refused(alice_client, unverified_alice, settings):
    token = verification_token(unverified_alice)
    later = timezone.now() + timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 60)
    with time_machine.travel(later):
        response = alice_client.get(reverse("email_verify", args=[token]))
    assert response.status_code == 400
    assert response.context["expired"]
    assert not email_verified(unverified_alice)


def test_a_tampered_link_is_refused(alice_client, unverified_alice, bob):
    token = verification_token(unverified_alice)
    _payload, signature = token.split(":", 1)
    # a payload that would verify alice, written by hand, with the real link's signature
    forged = signing.b64_encode(
        f'{{"email":"alice@example.com","user":{unverified_alice.pk}}}'.encode()
    )
    flipped = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (flipped, forged.decode() + ":" + signature, "not-a-token"):
        assert alice_client.get(reverse("email_verify", args=[bad])).status_code == 400
    assert not email_verified(unverified_alice)


def test_another_accounts_link_verifies_nothing(client, unverified_alice, bob):
    VerifiedEmail.objects.filter(user=bob).delete()
    client.force_login(bob)
    response = client.get(reverse("email_verify", args=[verification_token(unverified_alice)]))
    assert response.status_code == 400
    assert not email_verified(unverified_alice)
    assert not email_verified(bob)


def test_a_link_for_an_old_address_does_not_verify_the_new_one(alice_client, unverified_alice):
    token = verification_token(unverified_alice)
    unverified_alice.email = "alice.new@example.com"
    unverified_alice.save()
    assert alice_client.get(reverse("email_verify", args=[token])).status_code == 400
    assert not email_verified(unverified_alice)


def test_changing_the_email_needs_a_new_verification(alice):
    VerifiedEmail.objects.update_or_create(user=alice, defaults={"email": alice.email})
    assert email_verified(alice)
    alice.email = "elsewhere@example.com"
    alice.save()
    assert not email_verified(alice)


def test_the_link_can_be_sent_again_from_the_security_page(
    alice_client, unverified_alice, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page = alice_client.get(reverse("security")).content.decode()
    assert reverse("email_verification_resend") in page
    alice_client.post(reverse("email_verification_resend"))
    assert alice_client.get(mailed_link()).status_code == 302
    assert email_verified(unverified_alice)


def test_the_verification_link_needs_a_login(client, unverified_alice):
    response = client.get(reverse("email_verify", args=[verification_token(unverified_alice)]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# The daily allowance


def verified(user):
    VerifiedEmail.objects.update_or_create(user=user, defaults={"email": user.email})
    return user


def test_allowance_counts_reminders_and_receipts_sent_today(alice, bob, factories, settings):
    settings.CLIENT_MAIL_DAILY_LIMIT = 5
    verified(alice)
    verified(bob)
    now = timezone.now()
    for n in range(2):
        invoice = factories.invoice(client=factories.client(owner=alice))
        Reminder.objects.create(
            invoice=invoice, stage="nudge", due_on=invoice.due_on, state="sent", sent_at=now
        )
        payment = factories.payment(invoice=invoice)
        Receipt.objects.create(payment=payment, state="sent", sent_at=now if n else None)
    old = factories.invoice(client=factories.client(owner=alice))
    Reminder.objects.create(
        invoice=old, stage="nudge", due_on=old.due_on, sent_at=now - timedelta(days=2)
    )
    # two reminders and one receipt today; yesterday's and unsent ones don't count
    assert client_mail_allowance(alice) == 2
    assert client_mail_allowance(bob) == 5  # alice's sends are hers alone


def test_allowance_never_goes_below_zero(alice, factories, settings):
    settings.CLIENT_MAIL_DAILY_LIMIT = 1
    verified(alice)
    for _ in range(3):
        invoice = factories.invoice(client=factories.client(owner=alice))
        Reminder.objects.create(
            invoice=invoice, stage="final", due_on=invoice.due_on, sent_at=timezone.now()
        )
    assert client_mail_allowance(alice) == 0


def test_allowance_starts_again_at_the_freelancers_midnight(alice, factories, settings):
    settings.CLIENT_MAIL_DAILY_LIMIT = 3
    verified(alice)
    alice.profile.time_zone = "Asia/Kuala_Lumpur"  # UTC+8
    alice.profile.save()
    invoice = factories.invoice(client=factories.client(owner=alice))
    with time_machine.travel("2026-03-02 15:30Z"):  # 23:30 there
        Reminder.objects.create(
            invoice=invoice, stage="nudge", due_on=invoice.due_on, sent_at=timezone.now()
        )
        assert client_mail_allowance(alice) == 2
    with time_machine.travel("2026-03-02 16:30Z"):  # 00:30 the next day there
        assert client_mail_allowance(alice) == 3


def test_an_unverified_account_may_send_nothing(unverified_alice):
    assert client_mail_allowance(unverified_alice) == 0


def test_with_signup_closed_accounts_count_as_verified(unverified_alice, settings):
    settings.SIGNUP_OPEN = False
    settings.CLIENT_MAIL_DAILY_LIMIT = 7
    assert client_mail_allowance(unverified_alice) == 7


def test_the_demo_account_is_verified(db):
    from clients.demo import demo_seed

    result = demo_seed(username="demo", password="demo-password-1", as_of=None, reset=False)
    assert result.created
    from django.contrib.auth import get_user_model

    assert email_verified(get_user_model().objects.get(username="demo"))


def test_the_login_page_offers_sign_up_only_while_it_is_open(client, settings):
    settings.SIGNUP_OPEN = True
    assert reverse("signup") in client.get(reverse("login")).content.decode()
    settings.SIGNUP_OPEN = False
    assert reverse("signup") not in client.get(reverse("login")).content.decode()
