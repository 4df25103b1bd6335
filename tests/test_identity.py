"""The freelancer's name, not the product's: the sender of client mail, the letterhead and
metadata of client documents, onboarding after sign-up, and the logo."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from clients.mail import client_mail_sender
from clients.models import Profile
from clients.reports import report_pdf
from clients.services import profile_for
from clients.wording import Kind, wording_save, wording_text
from invoices import reminders
from invoices.letters import reminder_letter_pdf, statement_pdf
from invoices.models import Stage
from invoices.services import payment_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PRODUCT = re.compile("client ?watch", re.IGNORECASE)


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(buffer, format=kind)
    return buffer.getvalue()


def png(name: str = "logo.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(**kwargs), content_type="image/png")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def studio(alice, media):
    """Alice as her clients know her: a business, her own name to sign with, a logo."""
    profile = profile_for(alice)
    profile.business_name = "Alice Design Oy"
    profile.signature_name = "Alice Virtanen"
    profile.reply_to_email = "hello@alicedesign.example"
    profile.business_details = "Mannerheimintie 1, 00100 Helsinki"
    profile.receipts_enabled = True
    profile.logo.save("logo.png", png(), save=False)
    profile.save()
    wording_save(
        owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language="en", text="IBAN FI00 1234 5678"
    )
    return profile


@pytest.fixture
def invoice(alice, factories):
    client = factories.client(
        owner=alice, name="Slow Pay Ltd", email="ap@slowpay.example", language="en"
    )
    return factories.invoice(
        client=client,
        number="INV-7",
        issued_on=TODAY - timedelta(days=54),
        due_on=TODAY - timedelta(days=40),
        amount=Decimal("1200.00"),
    )


def whole_message(message) -> str:
    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    bodies = [
        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    ]
    return "\n".join([headers, *bodies])


def assert_from_the_freelancer(message) -> None:
    [sender] = message["From"].addresses
    assert sender.display_name == "Alice Design Oy"
    assert sender.addr_spec == "noreply@localhost"
    assert message["Reply-To"] == "hello@alicedesign.example"
    assert not PRODUCT.search(whole_message(message))


# --- Mail to clients ----------------------------------------------------------------


def test_a_reminder_comes_from_the_business_and_replies_go_to_the_freelancer(
    smtp_server, alice, studio, invoice
):
    reminders.freelancer_reminders_run(owner=alice, as_of=invoice.due_on + timedelta(days=1))
    [message] = smtp_server.mailbox.messages
    assert_from_the_freelancer(message)
    assert "Alice Virtanen" in message.get_body(("plain",)).get_content()  # signed by her


def test_a_receipt_comes_from_the_business_and_replies_go_to_the_freelancer(
    smtp_server, studio, invoice, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payment_record(invoice=invoice, paid_on=TODAY, amount=Decimal("500.00"))
    [message] = smtp_server.mailbox.messages
    assert_from_the_freelancer(message)


def test_only_the_address_of_the_configured_sender_is_used(settings, alice):
    settings.DEFAULT_FROM_EMAIL = "ClientWatch <billing@mail.example>"
    profile = profile_for(alice)
    sender = client_mail_sender(profile)
    assert sender.from_email == "alice <billing@mail.example>"
    assert sender.reply_to == ["alice@example.com"]  # no reply-to set: the account email


def test_a_name_with_punctuation_is_quoted_in_the_from_header(alice):
    profile = profile_for(alice)
    profile.business_name = "Design, Print & Co."
    assert client_mail_sender(profile).from_email == '"Design, Print & Co." <noreply@localhost>'


def test_the_signature_is_the_name_to_sign_with_first():
    profile = Profile(business_name="Lytse Studio", signature_name="Sanne de Vries")
    assert profile.signature == "Sanne de Vries"
    assert profile.letterhead_name == "Lytse Studio"
    profile.signature_name = ""
    assert profile.signature == "Lytse Studio"


# --- Client documents ---------------------------------------------------------------


def pdf_read(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def metadata_text(reader: PdfReader) -> str:
    return " ".join(str(value) for value in (reader.metadata or {}).values())


def page_has_image(page) -> bool:
    return bool(page.images)


def test_the_handover_report_is_headed_by_the_freelancer_not_the_product(
    studio, invoice, factories
):
    client = invoice.client
    for week in range(60):  # a long history: the report runs over several pages
        factories.work_log(
            client=client,
            worked_on=TODAY - timedelta(days=7 * week),
            hours=Decimal("2"),
            description=f"Design round {week}",
        )
    reader, text = pdf_read(report_pdf(client, internal=False))
    assert len(reader.pages) > 2
    assert "Alice Design Oy" in text and "Mannerheimintie 1" in text
    # The running header of a later page names her business.
    assert "Alice Design Oy" in reader.pages[2].extract_text()
    assert page_has_image(reader.pages[0])  # the logo on the cover
    assert not PRODUCT.search(text)
    assert reader.metadata.creator == "Alice Design Oy"
    assert reader.metadata.author == "Alice Virtanen"
    assert not PRODUCT.search(metadata_text(reader))


def test_a_statement_carries_the_letterhead_and_logo_and_no_product_name(studio, invoice):
    reader, text = pdf_read(statement_pdf(invoice.client, as_of=TODAY))
    assert "Alice Design Oy" in text and "Mannerheimintie 1" in text
    assert "IBAN FI00 1234 5678" in text
    assert page_has_image(reader.pages[0])
    assert not PRODUCT.search(text)
    assert reader.metadata.creator == "Alice Design Oy"
    assert not PRODUCT.search(metadata_text(reader))


def test_without_a_logo_the_statement_still_renders_with_the_name(alice, invoice, media):
    profile = profile_for(alice)
    profile.business_name = "Alice Design Oy"
    profile.save()
    reader, text = pdf_read(statement_pdf(invoice.client, as_of=TODAY))
    assert "Alice Design Oy" in text
    assert not page_has_image(reader.pages[0])


# --- Onboarding ---------------------------------------------------------------------


SIGNUP = {
    "username": "carol",
    "email": "carol@example.com",
    "password1": "a long and unusual passphrase",
    "password2": "a long and unusual passphrase",
}
GOOD = {
    "business_name": "Carol Copy",
    "signature_name": "Carol Smith",
    "reply_to_email": "carol@carolcopy.example",
    "business_details": "1 High Street, Leeds",
    "payment_instructions": "Sort code 00-00-00, account 12345678",
    "time_zone": "Europe/London",
    "currency": "GBP",
    "language": "fi",
}


@pytest.fixture
def carol(client, factories):
    """A freelancer who has just signed up (sign-up leaves the profile at its defaults)."""
    user = factories.user(username="carol", email="carol@example.com")
    client.force_login(user)
    return profile_for(user)


def test_sign_up_leads_to_onboarding(client):
    cache.clear()  # sign-ups are throttled per address
    response = client.post(reverse("signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding")
    profile = Profile.objects.get(user__username="carol")
    assert (profile.time_zone, profile.business_name) == ("UTC", "")


def test_onboarding_asks_for_the_details_with_sensible_defaults(client, carol):
    response = client.get(reverse("onboarding"), HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 200
    form = response.context["form"]
    assert form["time_zone"].value() == "Europe/Helsinki"
    assert form["currency"].value() == "EUR"
    assert form["language"].value() == "fi"
    assert "Europe/Helsinki" in [value for value, _label in form.fields["time_zone"].choices]


def test_onboarding_saves_the_details(client, carol, media):
    response = client.post(reverse("onboarding"), {**GOOD, "logo": png("my logo.PNG")})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert response.cookies["django_language"].value == "fi"
    carol.refresh_from_db()
    assert carol.business_name == "Carol Copy"
    assert carol.signature == "Carol Smith"
    assert carol.reply_to_email == "carol@carolcopy.example"
    assert carol.time_zone == "Europe/London"
    assert carol.currency == "GBP"
    assert carol.language == "fi"
    # Written in the language chosen on the page, for the clients who read it.
    assert wording_text(owner_id=carol.user_id, kind=Kind.PAYMENT_INSTRUCTIONS, language="fi") == (
        "Sort code 00-00-00, account 12345678"
    )
    assert carol.logo.name.startswith(f"logos/{carol.user_id}/logo")
    assert carol.logo.name.endswith(".png")
    assert client_mail_sender(carol).reply_to == ["carol@carolcopy.example"]


def test_onboarding_can_be_skipped_and_saves_nothing(client, carol):
    response = client.post(reverse("onboarding"), {"later": "1", "business_name": "Ignored"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    carol.refresh_from_db()
    assert carol.business_name == ""


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("time_zone", "Mars/Olympus_Mons", "Unknown time zone"),
        ("currency", "XYZ", "is not a currency we know"),
        ("reply_to_email", "not an address", "valid email address"),
    ],
)
def test_onboarding_rejects_a_bad_value_and_saves_nothing(client, carol, field, value, error):
    response = client.post(reverse("onboarding"), {**GOOD, field: value})
    assert response.status_code == 422
    assert error in " ".join(response.context["form"].errors[field])
    carol.refresh_from_db()
    assert carol.business_name == ""
    assert carol.time_zone == "UTC"
    assert not wording_text(owner_id=carol.user_id, kind=Kind.PAYMENT_INSTRUCTIONS, language="fi")


@pytest.mark.parametrize(
    ("upload", "error"),
    [
        (SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", "image/png"), "PNG or JPEG"),
        (
            SimpleUploadedFile("logo.gif", image_bytes("GIF"), "image/gif"),
            "PNG or JPEG",
        ),
        (
            SimpleUploadedFile("logo.png", image_bytes()[:60], "image/png"),
            "PNG or JPEG",
        ),
        (png(size=(2400, 100)), "at most 2000 pixels"),
        (
            SimpleUploadedFile("logo.png", image_bytes() + b"\0" * (1024 * 1024), "image/png"),
            "a logo can be at most 1.0",
        ),
    ],
    ids=["not-an-image", "gif", "truncated", "too-wide", "too-big"],
)
def test_onboarding_rejects_a_bad_logo_and_saves_nothing(client, carol, media, upload, error):
    response = client.post(reverse("onboarding"), {**GOOD, "logo": upload})
    assert response.status_code == 422
    assert error in " ".join(response.context["form"].errors["logo"])
    carol.refresh_from_db()
    assert not carol.logo
    assert carol.business_name == ""
    assert not any(media.rglob("*.*"))


def test_a_jpeg_logo_is_kept_as_jpg_whatever_it_was_called(client, carol, media):
    upload = SimpleUploadedFile("logo.png", image_bytes("JPEG"), "image/png")
    response = client.post(reverse("onboarding"), {**GOOD, "logo": upload})
    assert response.status_code == 302
    carol.refresh_from_db()
    assert carol.logo.name.endswith(".jpg")


# --- Settings and the logo ----------------------------------------------------------


def test_the_settings_page_saves_the_sender_and_clears_the_logo(alice_client, studio):
    data = settings_data(alice_client)
    data |= {"signature_name": "A. Virtanen", "reply_to_email": "", "logo-clear": "on"}
    response = alice_client.post(reverse("profile_settings"), data)
    assert response.status_code == 302, response.context["form"].errors
    studio.refresh_from_db()
    assert studio.signature == "A. Virtanen"
    assert not studio.logo
    assert client_mail_sender(studio).reply_to == ["alice@example.com"]


def test_the_logo_is_served_to_its_owner_only(client, alice, bob, media):
    bob_profile = profile_for(bob)
    bob_profile.logo.save("logo.png", png(), save=True)
    client.force_login(bob)
    response = client.get(reverse("profile_logo"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == bob_profile.logo.open("rb").read()
    client.force_login(alice)
    assert client.get(reverse("profile_logo")).status_code == 404


def test_the_logo_needs_a_login(client):
    response = client.get(reverse("profile_logo"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def settings_data(alice_client) -> dict:
    form = alice_client.get(reverse("profile_settings")).context["form"]
    return {
        field.name: field.value()
        for field in form
        if field.value() not in (None, False) and field.name != "logo"
    }


def test_a_new_logo_replaces_the_old_file_in_storage(
    alice_client, studio, media, django_capture_on_commit_callbacks
):
    old = studio.logo.name
    assert (media / old).exists()
    upload = SimpleUploadedFile("new.jpeg", image_bytes("JPEG"), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("profile_settings"), {**settings_data(alice_client), "logo": upload}
        )
    assert response.status_code == 302
    studio.refresh_from_db()
    assert studio.logo.name.endswith(".jpg")
    assert (media / studio.logo.name).exists()
    assert not (media / old).exists()


def test_a_bad_logo_in_the_settings_keeps_the_old_one(alice_client, studio, media):
    old = studio.logo.name
    upload = SimpleUploadedFile("logo.png", b"GIF89a not really", "image/png")
    response = alice_client.post(
        reverse("profile_settings"), {**settings_data(alice_client), "logo": upload}
    )
    assert response.status_code == 200
    assert "PNG or JPEG" in " ".join(response.context["form"].errors["logo"])
    studio.refresh_from_db()
    assert studio.logo.name == old
    assert (media / old).exists()


def test_changing_my_language_in_the_settings_switches_the_pages(alice_client, alice):
    response = alice_client.post(
        reverse("profile_settings"), {**settings_data(alice_client), "language": "ms"}
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "ms"
    assert profile_for(alice).language == "ms"


def test_a_new_client_starts_in_my_language(alice_client, alice):
    profile = profile_for(alice)
    profile.language = "id"
    profile.save()
    form = alice_client.get(reverse("client_create")).context["form"]
    assert form["language"].value() == "id"


@pytest.mark.parametrize(
    "name", ["Lytse Stûdio", 'Alice "Pixel" Design, Oy', "Kedai Reka Bentuk Ária"]
)
def test_any_business_name_reads_back_as_the_display_name(smtp_server, alice, invoice, name):
    profile = profile_for(alice)
    profile.business_name = name
    profile.save()
    reminders.freelancer_reminders_run(owner=alice, as_of=invoice.due_on + timedelta(days=1))
    [message] = smtp_server.mailbox.messages
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (name, "noreply@localhost")


def test_a_reminder_letter_carries_the_letterhead_and_no_product_name(studio, invoice):
    reader, text = pdf_read(reminder_letter_pdf(invoice, Stage.FINAL, studio, as_of=TODAY))
    assert "Alice Design Oy" in text and "Mannerheimintie 1" in text
    assert "Alice Virtanen" in text  # signed with her name
    assert page_has_image(reader.pages[0])
    assert not PRODUCT.search(text)
    assert reader.metadata.creator == "Alice Design Oy"
    assert not PRODUCT.search(metadata_text(reader))


def test_the_reminder_preview_shows_the_sender_the_client_will_see(alice_client, studio, invoice):
    response = alice_client.get(reverse("reminder_preview", args=[invoice.pk, "nudge"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice Design Oy &lt;noreply@localhost&gt;" in html
    assert "hello@alicedesign.example" in html
