"""A passkey made and used in real Chromium, with its virtual authenticator (DevTools)."""

import re

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from tests.e2e.browser import expect
from tests.e2e.helpers import DASHBOARD, PASSWORD, log_in

pytestmark = pytest.mark.e2e


def virtual_authenticator(page) -> None:
    """A platform authenticator that always finds its user present and verified."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_a_passkey_is_added_on_the_security_page_and_is_then_the_second_step(page, freelancer):
    virtual_authenticator(page)
    log_in(page, "maria")
    page.goto("/settings/security/")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("button", name="Remove")).to_be_visible()
    assert WebAuthnCredential.objects.filter(user=freelancer, confirmed=True).count() == 1

    page.get_by_role("button", name="Log out").first.click()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/"))
    page.goto("/")  # the password alone reaches no page
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/"))

    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(DASHBOARD)
    page.goto("/settings/security/")
    expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()
