"""The development mail viewer: each freelancer reads only mail addressed to them, whole
addresses compared, and only in development.

Its URLs exist only when DEBUG was on as the URLconf was first imported, which a test cannot
choose: tests/dev_mail_urls.py adds them."""

import re

import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from clientwatch.views import dev_mail, dev_mail_html, dev_mail_message, dev_mail_part, dev_mail_raw
from tests.factories import UserFactory
from tests.test_client_pages import html_problems

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.dev_mail_urls")]


@pytest.fixture
def mail_folder(settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = settings.MAIL_DIR = str(tmp_path)
    return tmp_path


def _send(to: str, subject: str) -> None:
    connection = mail.get_connection()
    EmailMessage(subject, "Body", "noreply@example.test", [to], connection=connection).send()


def _as(user, view, *args):
    request = RequestFactory().get("/dev/mail/")
    request.user = user
    return view(request, *args)


def _only_file(folder) -> str:
    (path,) = folder.glob("*.log")
    return path.name


def test_an_address_that_is_part_of_another_does_not_read_its_mail(mail_folder):
    alice = UserFactory(username="alice", email="alice@example.test")
    ce = UserFactory(username="ce", email="ce@example.test")
    _send("Alice <alice@example.test>", "Reset your password")

    page = _as(ce, dev_mail)
    assert page.status_code == 200
    assert "Reset your password" not in page.content.decode()
    with pytest.raises(Http404):
        _as(ce, dev_mail_message, _only_file(mail_folder), 0)

    assert "Reset your password" in _as(alice, dev_mail).content.decode()
    assert _as(alice, dev_mail_message, _only_file(mail_folder), 0).status_code == 200


def test_the_viewer_is_not_there_outside_development(alice, mail_folder, settings):
    _send("alice@example.com", "Hello")
    settings.DEBUG = False
    with pytest.raises(Http404):
        _as(alice, dev_mail)


def _send_rich(to: str) -> None:
    message = EmailMultiAlternatives(
        "Invoice INV-7 is overdue",
        "Hello Aino,\n\nThe invoice is attached.",
        "Alice <noreply@example.test>",
        [to],
        reply_to=["alice@example.test"],
        connection=mail.get_connection(),
    )
    message.attach_alternative(
        '<p>Hello <b>Aino</b></p><script>alert(1)</script><img src="https://tracker.example/p.gif">',
        "text/html",
    )
    message.attach("../../etc/invoice INV-7.pdf", b"%PDF-1.4 fake", "application/pdf")
    message.send()


def test_a_message_reads_as_headers_text_html_and_attachments(client, alice, mail_folder):
    alice.email = "alice@example.test"
    alice.save()
    _send_rich("aino@example.com")
    name = _only_file(mail_folder)

    client.force_login(alice)
    page = client.get(reverse("dev_mail_message", args=[name, 0]))
    html = page.content.decode()
    assert page["Content-Type"].startswith("text/html")
    assert html_problems(html) == []
    assert "<dt>Subject</dt><dd>Invoice INV-7 is overdue</dd>" in html
    assert "<dt>To</dt><dd>aino@example.com</dd>" in html
    assert "Hello Aino,\n\nThe invoice is attached.</pre>" in html
    assert "Content-Transfer-Encoding" not in html  # parsed, not raw MIME
    frame = re.search(r'<iframe class="email-html" src="([^"]+)" sandbox ', html)
    assert frame, "the HTML body is shown in a sandboxed frame"
    assert frame[1] == reverse("dev_mail_html", args=[name, 0])
    link = reverse("dev_mail_part", args=[name, 0, 4])
    assert f'<a href="{link}" download="invoice INV-7.pdf">invoice INV-7.pdf</a>' in html
    assert "frame-src 'self'" in page["Content-Security-Policy"]


def test_the_html_body_is_served_alone_under_a_policy_that_runs_and_fetches_nothing(
    client, alice, mail_folder
):
    alice.email = "alice@example.test"
    alice.save()
    _send_rich("aino@example.com")
    client.force_login(alice)
    body = client.get(reverse("dev_mail_html", args=[_only_file(mail_folder), 0]))
    assert body.content.decode().startswith("<p>Hello <b>Aino</b></p>")
    policy = dict(
        part.strip().split(" ", 1) if " " in part.strip() else (part.strip(), "")
        for part in body["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'none'"
    assert policy["img-src"] == "data:"  # the tracking pixel is not fetched
    assert policy["frame-ancestors"] == "'self'"
    assert "sandbox" in policy
    assert body["X-Frame-Options"] == "SAMEORIGIN"


def test_an_attachment_downloads_with_a_plain_name_and_never_opens_inline(alice, mail_folder):
    alice.email = "alice@example.test"
    alice.save()
    _send_rich("aino@example.com")
    name = _only_file(mail_folder)
    part = _as(alice, dev_mail_part, name, 0, 4)
    assert part.content == b"%PDF-1.4 fake"
    assert part["Content-Type"] == "application/octet-stream"
    assert part["Content-Disposition"] == 'attachment; filename="invoice INV-7.pdf"'
    raw = _as(alice, dev_mail_raw, name, 0)
    assert b"Content-Transfer-Encoding" in raw.content


def test_another_freelancer_gets_none_of_the_parts(alice, mail_folder):
    alice.email = "alice@example.test"
    alice.save()
    bob = UserFactory(username="bob2", email="bob@example.test")
    _send_rich("aino@example.com")
    name = _only_file(mail_folder)
    for view, args in (
        (dev_mail_message, (name, 0)),
        (dev_mail_html, (name, 0)),
        (dev_mail_raw, (name, 0)),
        (dev_mail_part, (name, 0, 4)),
    ):
        with pytest.raises(Http404):
            _as(bob, view, *args)


def test_a_text_only_message_has_no_frame(alice, mail_folder):
    alice.email = "alice@example.test"
    alice.save()
    _send("alice@example.test", "Reset your password")
    name = _only_file(mail_folder)
    html = _as(alice, dev_mail_message, name, 0).content.decode()
    assert "<iframe" not in html
    assert "Body</pre>" in html
    with pytest.raises(Http404):
        _as(alice, dev_mail_html, name, 0)
