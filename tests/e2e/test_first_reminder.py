"""A new freelancer's first reminder, from sign-up to the client's inbox: the client hears
from the freelancer (their business name, their signature, their reply-to address), in the
client's own language from the first word to the last, and never from this product."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from invoices.models import Reminder
from tests.e2e.browser import expect

pytestmark = pytest.mark.e2e

ENGLISH_PAYMENT = "Please pay by bank transfer to account 4400 1234."
MALAY_PAYMENT = "Sila bayar melalui pindahan bank ke akaun 4400 1234."


def test_a_new_freelancer_signs_up_onboards_and_sends_a_malay_client_a_reminder_in_malay(
    page, server, factories, smtp_server
):
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("sanna")
    page.get_by_label("Email").fill("sanna@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a long and private passphrase")
    page.get_by_label("Password confirmation").fill("a long and private passphrase")
    page.get_by_role("button", name="Sign up").click()

    # Onboarding: who the clients hear from, and how they pay.
    expect(page).to_have_url(re.compile(r"/welcome/$"))
    page.get_by_label("Business name").fill("Studio Virtanen")
    page.get_by_label(re.compile("name to sign with", re.IGNORECASE)).fill("Sanna Virtanen")
    page.get_by_label(re.compile("reply-to address", re.IGNORECASE)).fill("sanna@studio.example")
    page.get_by_label("Payment instructions").fill(ENGLISH_PAYMENT)
    page.get_by_label("Time zone").select_option("Europe/Helsinki")
    page.get_by_role("button", name="Save and start").click()
    expect(page.locator("#messages")).to_contain_text("Start by adding your first client")

    # Until she opens the link mailed to her, no client hears from her account.
    [verification] = smtp_server.mailbox.messages
    assert verification["To"] == "sanna@example.com"
    link = re.search(
        r"https?://\S+/accounts/verify-email/\S+/", verification.get_body(("plain",)).get_content()
    )
    page.goto(link[0])
    expect(page.locator("body")).to_contain_text("verified")

    # Payment instructions for Malay clients, in Malay.
    page.goto("/settings/wording/?language=ms")
    section = page.locator("section#payment_instructions")
    section.locator("textarea").fill(MALAY_PAYMENT)
    section.get_by_role("button", name="Save").click()
    expect(page.locator("section#payment_instructions pre.email-text")).to_contain_text(
        MALAY_PAYMENT
    )

    sanna = get_user_model().objects.get(username="sanna")
    client = factories.client(
        owner=sanna, name="Aminah Rahman", email="aminah@kedai.example", language="ms"
    )
    today = timezone.localdate()
    invoice = factories.invoice(
        client=client,
        number="SV-12",
        currency="MYR",
        issued_on=today - timedelta(days=20),
        due_on=today - timedelta(days=3),
    )

    # The nudge by hand: read the exact email, then confirm.
    page.goto(f"/invoices/{invoice.pk}/")
    page.get_by_role("region", name="Payment reminders").get_by_role(
        "link", name=re.compile(r"^Preview")
    ).first.click()
    expect(page.locator("pre.email-text")).to_contain_text("Sanna Virtanen")
    page.get_by_role("button", name=re.compile(r"^Send .* now$")).click()
    expect(page.locator("#messages")).to_contain_text("aminah@kedai.example")
    assert Reminder.objects.get(invoice=invoice).state == Reminder.State.SENT

    [message] = [m for m in smtp_server.mailbox.messages if "aminah" in m["To"]]
    assert message["To"] == "aminah@kedai.example"
    assert message["From"].addresses[0].display_name == "Studio Virtanen"
    assert message["Reply-To"].addresses[0].addr_spec == "sanna@studio.example"
    assert message["Content-Language"] == "ms"
    with translation.override("ms"):
        malay_subject = translation.gettext("A friendly reminder: invoice %(number)s") % {
            "number": "SV-12"
        }
    assert message["Subject"] == malay_subject != "A friendly reminder: invoice SV-12"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Sanna Virtanen" in body
        assert MALAY_PAYMENT in body
        assert ENGLISH_PAYMENT not in body
        assert "Aminah Rahman" in body
    raw = message.as_string()
    assert "clientwatch" not in raw.lower()
