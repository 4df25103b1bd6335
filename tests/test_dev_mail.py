"""The development mail viewer: each freelancer reads only mail addressed to them, whole
addresses compared, and only in development.

Its URLs exist only when DEBUG was on as the URLconf was first imported, which a test cannot
choose: tests/dev_mail_urls.py adds them."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.http import Http404
from django.test import RequestFactory

from clientwatch.views import dev_mail, dev_mail_message
from tests.factories import UserFactory

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
