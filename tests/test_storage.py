"""Evidence and reports in an S3-compatible bucket through django-storages, against a real
S3 server (moto's, on 127.0.0.1): uploaded through the forms, served to their owner only,
private in the bucket."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from storages.backends.s3 import S3Storage

from clients.models import Report
from clientwatch.settings import files_storage
from redflags.models import Incident

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # past one read buffer
ACCESS_KEY, SECRET_KEY = "clientwatch-test", "clientwatch-test-secret"


@dataclass
class Bucket:
    name: str
    endpoint: str
    s3: Any  # a boto3 S3 client with the same credentials as the app

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.name, Key=key)["Body"].read()

    def anonymous_get(self, key: str) -> int:
        """The status of a plain GET of the object's URL, with no credentials."""
        try:
            url = f"{self.endpoint}/{self.name}/{key}"
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                return response.status
        except urllib.error.HTTPError as refused:
            return refused.code


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server in its own process, for this module's tests."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto's S3 server did not start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A fresh private bucket, made the default storage from the same environment
    variables production reads."""
    name = f"cw-files-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    s3.create_bucket(Bucket=name)
    for variable, value in {
        "FILES_S3_BUCKET": name,
        "FILES_S3_ENDPOINT_URL": s3_endpoint,
        "FILES_S3_REGION": "us-east-1",
        "FILES_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "FILES_S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }.items():
        monkeypatch.setenv(variable, value)
    settings.STORAGES = {**settings.STORAGES, "default": files_storage()}
    settings.MEDIA_ROOT = "/nonexistent/no-local-files"  # nothing may land on local disk
    return Bucket(name, s3_endpoint, s3)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_files_stay_on_local_disk_without_a_bucket(monkeypatch):
    monkeypatch.delenv("FILES_S3_BUCKET", raising=False)
    assert files_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_a_bucket_in_the_environment_makes_private_s3_storage(monkeypatch):
    monkeypatch.setenv("FILES_S3_BUCKET", "cw-files")
    monkeypatch.setenv("FILES_S3_CUSTOM_DOMAIN", "files.example.com")
    monkeypatch.setenv("FILES_S3_ENDPOINT_URL", "")  # as compose passes an unset variable
    config = files_storage()
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    options = config["OPTIONS"]
    assert options["bucket_name"] == "cw-files"
    assert options["custom_domain"] == "files.example.com"
    assert options["endpoint_url"] is None  # AWS itself
    assert options["default_acl"] is None
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False


def test_evidence_goes_to_the_bucket_and_back_to_its_owner_only(
    alice_client, client, bob, acme, bucket
):
    assert isinstance(default_storage, S3Storage)
    response = alice_client.post(
        reverse("incident_create", args=[acme.pk]),
        {
            "occurred_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "category": "verbal_abuse",
            "severity": "4",
            "description": "Shouted at me on the call.",
            "evidence_file": SimpleUploadedFile("call notes.png", PNG),
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get(client=acme)
    key = incident.evidence_file.name
    assert key.startswith(f"evidence/{acme.owner_id}/{acme.pk}/")
    stored = bucket.read(key)
    assert stored == PNG

    download = alice_client.get(reverse("incident_evidence", args=[incident.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="call-notes.png"'
    assert int(download["Content-Length"]) == len(PNG)
    assert body(download) == PNG

    client.force_login(bob)
    assert client.get(reverse("incident_evidence", args=[incident.pk])).status_code == 404

    # In the bucket the object is private: no grant to everyone, and asked for without
    # credentials the server refuses it.
    grants = bucket.s3.get_object_acl(Bucket=bucket.name, Key=key)["Grants"]
    assert all("URI" not in grant["Grantee"] for grant in grants)
    assert bucket.anonymous_get(key) == 403


def test_the_anonymous_check_does_see_a_public_object(bucket):
    """The refusal above is the server's ACL check, not a broken request."""
    bucket.s3.put_object(Bucket=bucket.name, Key="public.txt", Body=b"hi", ACL="public-read")
    assert bucket.anonymous_get("public.txt") == 200


def test_replacing_evidence_with_the_same_name_keeps_both_objects(alice_client, acme, bucket):
    url = reverse("incident_create", args=[acme.pk])
    fields = {
        "occurred_on": timezone.localdate().isoformat(),
        "category": "lying",
        "severity": "3",
        "description": "Said the invoice never arrived.",
    }
    incident_url = None
    for content in (b"first version\n", b"second version\n"):
        upload = {"evidence_file": SimpleUploadedFile("mail.txt", content)}
        if incident_url is None:
            alice_client.post(url, fields | upload)
            incident = Incident.objects.get(client=acme)
            incident_url = reverse("incident_edit", args=[incident.pk])
        else:
            response = alice_client.post(incident_url, fields | upload)
            assert response.status_code == 302
    first_key = f"evidence/{acme.owner_id}/{acme.pk}/mail.txt"
    incident.refresh_from_db()
    assert incident.evidence_file.name != first_key  # no overwrite: a new, unique name
    assert bucket.read(first_key) == (b"first version\n")
    download = alice_client.get(reverse("incident_evidence", args=[incident.pk]))
    assert body(download) == b"second version\n"


def test_a_report_pdf_is_rendered_into_the_bucket_and_downloaded_by_its_owner(
    alice_client, client, bob, acme, factories, bucket
):
    factories.work_log(client=acme)
    response = alice_client.post(reverse("report_create", args=[acme.pk, "handover"]))
    assert response.status_code == 302
    report = Report.objects.get(client=acme)
    assert report.state == Report.State.READY
    key = report.pdf.name
    assert key.startswith(f"reports/{acme.owner_id}/{acme.pk}/")
    stored = bucket.read(key)
    assert stored.startswith(b"%PDF")

    download = alice_client.get(reverse("report_download", args=[report.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert body(download) == stored

    client.force_login(bob)
    assert client.get(reverse("report_download", args=[report.pk])).status_code == 404
    assert bucket.anonymous_get(key) == 403


def test_a_file_gone_from_the_bucket_is_a_404_not_an_error(alice_client, acme, factories, bucket):
    incident = factories.incident(
        client=acme, evidence_file=SimpleUploadedFile("gone.txt", b"soon gone\n")
    )
    alice_client.post(reverse("report_create", args=[acme.pk, "internal"]))
    report = Report.objects.get(client=acme)
    bucket.s3.delete_object(Bucket=bucket.name, Key=incident.evidence_file.name)
    bucket.s3.delete_object(Bucket=bucket.name, Key=report.pdf.name)
    assert alice_client.get(reverse("incident_evidence", args=[incident.pk])).status_code == 404
    assert alice_client.get(reverse("report_download", args=[report.pk])).status_code == 404
