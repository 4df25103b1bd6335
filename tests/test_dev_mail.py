"""The development mail viewer: each freelancer reads only mail addressed to them, whole
addresses compared, and only in development."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_folder(settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = settings.MAIL_DIR = str(tmp_path)
    return tmp_path


def _send(to: str, subject: str) -> None:
    connection = mail.get_connection()
    EmailMessage(subject, "Body", "noreply@example.test", [to], connection=connection).send()


def test_an_address_that_is_part_of_another_does_not_read_its_mail(client, mail_folder):
    alice = UserFactory(username="alice", email="alice@example.test")
    ce = UserFactory(username="ce", email="ce@example.test")
    _send("Alice <alice@example.test>", "Reset your password")

    client.force_login(ce)
    page = client.get(reverse("dev_mail"))
    assert page.status_code == 200
    assert "Reset your password" not in page.content.decode()
    assert (
        client.get(reverse("dev_mail_message", args=[_only_file(mail_folder), 0])).status_code
        == 404
    )

    client.force_login(alice)
    page = client.get(reverse("dev_mail"))
    assert "Reset your password" in page.content.decode()
    message = client.get(reverse("dev_mail_message", args=[_only_file(mail_folder), 0]))
    assert message.status_code == 200


def test_the_viewer_is_not_there_outside_development(alice_client, mail_folder, settings):
    _send("alice@example.com", "Hello")
    settings.DEBUG = False
    assert alice_client.get(reverse("dev_mail")).status_code == 404


def _only_file(folder) -> str:
    (path,) = folder.glob("*.log")
    return path.name
