"""Logging, editing and deleting red-flag incidents, and their evidence files."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from redflags.models import Incident
from tests.test_client_pages import HTMX, html_problems, page

YESTERDAY = timezone.localdate() - timedelta(days=1)
INCIDENT_POST = {
    "occurred_on": YESTERDAY.isoformat(),
    "category": "verbal_abuse",
    "severity": "4",
    "description": "Called the design 'amateur garbage' in front of their team.",
    "evidence": "Zoom call 14:00, two witnesses",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_incident_page_renders(alice_client, acme):
    html = page(alice_client.get(reverse("incident_create", args=[acme.pk])))
    assert 'enctype="multipart/form-data"' in html
    assert f'max="{timezone.localdate().isoformat()}"' in html


def test_logging_an_incident_without_javascript_redirects_to_the_client(alice_client, acme):
    response = alice_client.post(reverse("incident_create", args=[acme.pk]), INCIDENT_POST)
    assert response.status_code == 302
    assert response.url == reverse("client_detail", args=[acme.pk])
    incident = Incident.objects.get(client=acme)
    assert incident.severity == 4
    assert "Incident logged." in page(alice_client.get(response.url))


def test_logging_an_incident_with_htmx_returns_the_updated_timeline(alice_client, acme):
    response = alice_client.post(reverse("incident_create", args=[acme.pk]), INCIDENT_POST, **HTMX)
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="timeline"')
    assert "amateur garbage" in html
    assert "severity 4" in html
    assert '<details id="add-incident" class="add-box" open hx-swap-oob="true">' in html
    assert "Incident logged." in html


def test_a_rejected_incident_with_htmx_rerenders_the_form_with_errors(alice_client, acme):
    post = INCIDENT_POST | {"description": ""}
    response = alice_client.post(reverse("incident_create", args=[acme.pk]), post, **HTMX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#add-incident"
    html = response.content.decode()
    assert html_problems(html, fragment=True) == []
    assert html.lstrip().startswith('<details id="add-incident"')
    assert 'id="incident-description_error"' in html
    assert not Incident.objects.exists()


def test_evidence_is_uploaded_and_served_to_its_owner_as_a_download(alice_client, acme):
    upload = SimpleUploadedFile("chat log.png", PNG, content_type="image/png")
    alice_client.post(
        reverse("incident_create", args=[acme.pk]), INCIDENT_POST | {"evidence_file": upload}
    )
    incident = Incident.objects.get()
    assert incident.evidence_file.name.endswith("chat-log.png")

    html = page(alice_client.get(reverse("client_detail", args=[acme.pk])))
    assert reverse("incident_evidence", args=[incident.pk]) in html
    response = alice_client.get(reverse("incident_evidence", args=[incident.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PNG


def test_evidence_is_stored_under_the_extension_its_content_proves(alice_client, acme):
    upload = SimpleUploadedFile("notes.html", "Said he would “not pay a cent”.".encode())
    alice_client.post(
        reverse("incident_create", args=[acme.pk]), INCIDENT_POST | {"evidence_file": upload}
    )
    assert Incident.objects.get().evidence_file.name.endswith("notes.txt")


def test_an_incident_without_a_file_has_no_evidence_download(alice_client, acme, factories):
    incident = factories.incident(client=acme)
    assert alice_client.get(reverse("incident_evidence", args=[incident.pk])).status_code == 404


def test_editing_an_incident_keeps_the_evidence_file_and_links_to_the_download(
    alice_client, acme, factories
):
    incident = factories.incident(
        client=acme, evidence_file=ContentFile(b"%PDF-1.4 proof", name="proof.pdf")
    )
    html = page(alice_client.get(reverse("incident_edit", args=[incident.pk])))
    assert f'href="{reverse("incident_evidence", args=[incident.pk])}"' in html
    response = alice_client.post(
        reverse("incident_edit", args=[incident.pk]), INCIDENT_POST | {"severity": "5"}
    )
    assert response.url == reverse("client_detail", args=[acme.pk])
    incident.refresh_from_db()
    assert incident.severity == 5
    assert incident.evidence_file.name.endswith("proof.pdf")


def test_clearing_the_evidence_file(alice_client, acme, factories):
    incident = factories.incident(
        client=acme, evidence_file=ContentFile(b"%PDF-1.4 proof", name="proof.pdf")
    )
    alice_client.post(
        reverse("incident_edit", args=[incident.pk]),
        INCIDENT_POST | {"evidence_file-clear": "on"},
    )
    incident.refresh_from_db()
    assert not incident.evidence_file


def test_editing_an_incident_with_htmx(alice_client, acme, factories):
    incident = factories.incident(client=acme)
    url = reverse("incident_edit", args=[incident.pk])
    response = alice_client.post(url, INCIDENT_POST | {"category": "nonsense"}, **HTMX)
    assert response.status_code == 422
    assert response.content.decode().lstrip().startswith('<form id="incident-form"')
    response = alice_client.post(url, INCIDENT_POST, **HTMX)
    assert response["HX-Redirect"] == reverse("client_detail", args=[acme.pk])
    incident.refresh_from_db()
    assert incident.category == "verbal_abuse"


def test_deleting_an_incident_asks_first(alice_client, acme, factories):
    incident = factories.incident(client=acme)
    html = page(alice_client.get(reverse("incident_delete", args=[incident.pk])))
    assert "Delete this incident?" in html
    assert Incident.objects.exists()
    response = alice_client.post(reverse("incident_delete", args=[incident.pk]))
    assert response.url == reverse("client_detail", args=[acme.pk])
    assert not Incident.objects.exists()


def test_deleting_an_incident_with_htmx_returns_the_timeline(alice_client, acme, factories):
    incident = factories.incident(client=acme, description="Logged by mistake")
    response = alice_client.post(
        reverse("incident_delete", args=[incident.pk]), HTTP_HX_TARGET="timeline", **HTMX
    )
    html = page(response, fragment=True)
    assert html.lstrip().startswith('<section id="timeline"')
    assert "Logged by mistake" not in html
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("incident_edit", "get"),
        ("incident_edit", "post"),
        ("incident_delete", "get"),
        ("incident_delete", "post"),
        ("incident_evidence", "get"),
    ],
)
def test_bob_gets_404_for_alices_incidents(client, bob, acme, factories, name, method):
    incident = factories.incident(
        client=acme, evidence_file=ContentFile(b"%PDF-1.4 proof", name="proof.pdf")
    )
    client.force_login(bob)
    response = getattr(client, method)(reverse(name, args=[incident.pk]), INCIDENT_POST)
    assert response.status_code == 404
    assert Incident.objects.get(pk=incident.pk).category == "unresponsive"


@pytest.mark.parametrize("method", ["get", "post"])
def test_bob_cannot_log_incidents_for_alices_client(client, bob, acme, method):
    client.force_login(bob)
    response = getattr(client, method)(reverse("incident_create", args=[acme.pk]), INCIDENT_POST)
    assert response.status_code == 404
    assert not Incident.objects.exists()


# Evidence files leave with their record


def _evidence(factories, acme, name="proof.pdf"):
    incident = factories.incident(
        client=acme, evidence_file=ContentFile(b"%PDF-1.4 proof", name=name)
    )
    path = Path(incident.evidence_file.path)
    assert path.exists()
    return incident, path


def test_a_cleared_evidence_file_is_removed_from_storage(
    alice_client, acme, factories, django_capture_on_commit_callbacks
):
    incident, path = _evidence(factories, acme)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            reverse("incident_edit", args=[incident.pk]),
            INCIDENT_POST | {"evidence_file-clear": "on"},
        )
    assert not path.exists()


def test_a_replaced_evidence_file_is_removed_and_the_new_one_kept(
    alice_client, acme, factories, django_capture_on_commit_callbacks
):
    incident, old = _evidence(factories, acme)
    upload = SimpleUploadedFile("chat.png", PNG, content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            reverse("incident_edit", args=[incident.pk]), INCIDENT_POST | {"evidence_file": upload}
        )
    incident.refresh_from_db()
    assert not old.exists()
    assert Path(incident.evidence_file.path).exists()


def test_an_edit_that_keeps_the_file_keeps_it_on_disk(
    alice_client, acme, factories, django_capture_on_commit_callbacks
):
    incident, path = _evidence(factories, acme)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            reverse("incident_edit", args=[incident.pk]), INCIDENT_POST | {"severity": "5"}
        )
    assert path.exists()


def test_deleting_an_incident_or_its_client_removes_the_evidence_files(
    alice_client, acme, factories, django_capture_on_commit_callbacks
):
    incident, first = _evidence(factories, acme, "first.pdf")
    _other, second = _evidence(factories, acme, "second.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("incident_delete", args=[incident.pk]))
    assert not first.exists()
    assert second.exists()
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("client_delete", args=[acme.pk]))
    assert not Client.objects.filter(pk=acme.pk).exists()
    assert not second.exists()
