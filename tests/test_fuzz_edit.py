"""Hostile input on every edit page, with and without htmx: never a server error; a
rejected edit says why and leaves the row (and its evidence file) as it was; whatever is
accepted is shown escaped wherever it appears."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django import forms
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clients.forms import AccountItemForm, ClientForm, WorkLogForm
from clientwatch.validity import validate_phone
from invoices.forms import InvoiceForm, PaymentForm
from redflags.forms import IncidentForm, StepForm
from tests.fuzzing import FUZZ, IMG, SCRIPT, hostile_text, live_markup

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@dataclass
class EditPage:
    """How to make one object of a kind, its edit form, and the pages that show it."""

    make: Callable[[Any, Any, Any], tuple[models.Model, forms.ModelForm]]
    shown_on: Callable[[Any], list[str]]


def _client(alice, acme, factories):
    client = factories.client(owner=alice)
    return client, ClientForm(instance=client, owner=alice)


def _invoice(alice, acme, factories):
    invoice = factories.invoice(client=acme)
    return invoice, InvoiceForm(instance=invoice, owner=alice, client=acme)


def _payment(alice, acme, factories):
    payment = factories.payment(invoice=factories.invoice(client=acme))
    return payment, PaymentForm(instance=payment)


def _incident(alice, acme, factories):
    incident = factories.incident(
        client=acme, evidence_file=ContentFile(b"They said no.\n", name="chat.txt")
    )
    return incident, IncidentForm(instance=incident)


def _step(alice, acme, factories):
    step = factories.step(client=acme)
    return step, StepForm(instance=step)


def _work_log(alice, acme, factories):
    work_log = factories.work_log(client=acme)
    return work_log, WorkLogForm(instance=work_log)


def _account_item(alice, acme, factories):
    item = factories.account_item(client=acme)
    return item, AccountItemForm(instance=item)


def _client_page(obj) -> str:
    return reverse("client_detail", args=[obj.client_id])


EDIT_PAGES = {
    "client_edit": EditPage(
        _client, lambda c: [reverse("client_detail", args=[c.pk]), reverse("dashboard")]
    ),
    "invoice_edit": EditPage(
        _invoice, lambda i: [reverse("invoice_detail", args=[i.pk]), _client_page(i)]
    ),
    "payment_edit": EditPage(
        _payment,
        lambda p: [
            reverse("invoice_detail", args=[p.invoice_id]),
            reverse("client_detail", args=[p.invoice.client_id]),
        ],
    ),
    "incident_edit": EditPage(_incident, lambda i: [_client_page(i)]),
    "step_edit": EditPage(_step, lambda s: [_client_page(s)]),
    "work_log_edit": EditPage(_work_log, lambda w: [_client_page(w)]),
    "account_item_edit": EditPage(_account_item, lambda a: [_client_page(a)]),
}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def form_data(form: forms.ModelForm) -> dict[str, str]:
    """What a browser posts for the form as the edit page shows it: the stored values."""
    data = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField):
            continue
        value = form[name].value()
        if isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        elif isinstance(value, date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    return data


def stored(obj: models.Model) -> dict[str, Any]:
    return type(obj)._default_manager.filter(pk=obj.pk).values().get()


def stored_evidence(obj: models.Model) -> bytes | None:
    name = stored(obj).get("evidence_file")
    if not name:
        return None
    with obj.evidence_file.storage.open(name) as handle:
        return handle.read()


def was_accepted(response, headers: dict[str, str]) -> bool:
    if headers:
        return "HX-Redirect" in response.headers
    return response.status_code == 302


def check_edit(
    client,
    name: str,
    obj: models.Model,
    post: Callable[[], Any],
    headers: dict[str, str],
    *,
    unparseable: bool = False,
) -> bool:
    """Post once and check what every edit must honour; say whether it was accepted.
    `unparseable`: the body may be one Django refuses (400) before the view runs."""
    before = stored(obj)
    evidence_before = stored_evidence(obj)
    response = post()
    assert response.status_code < 500
    assert not live_markup(response.content)
    if was_accepted(response, headers):
        obj.refresh_from_db()
        for url in [*EDIT_PAGES[name].shown_on(obj), reverse(name, args=[obj.pk])]:
            page = client.get(url)
            assert page.status_code == 200
            assert not live_markup(page.content), url
        return True
    # Rejected: nothing written, and the page says what is wrong.
    assert stored(obj) == before
    if not (unparseable and response.status_code == 400):
        assert response.status_code == (422 if headers else 200)
        assert b'class="form-errors" role="alert"' in response.content
    if evidence_before is not None:
        download = client.get(reverse("incident_evidence", args=[obj.pk]))
        assert b"".join(download.streaming_content) == evidence_before
    return False


@pytest.mark.parametrize("name", EDIT_PAGES)
@FUZZ
@given(data=st.data())
def test_no_edit_page_answers_hostile_input_with_a_server_error(
    alice_client, alice, acme, factories, name, data
):
    obj, form = EDIT_PAGES[name].make(alice, acme, factories)
    baseline = form_data(form)
    fields = {}
    for field in form.fields:
        if isinstance(form.fields[field], forms.FileField):
            continue
        value = data.draw(
            st.one_of(st.just(baseline.get(field)), hostile_text, st.none()), label=field
        )
        if value is not None:
            fields[field] = value
    url = reverse(name, args=[obj.pk])
    for headers in ({}, HTMX):
        check_edit(
            alice_client,
            name,
            obj,
            lambda headers=headers: alice_client.post(url, fields, headers=headers),
            headers,
        )


# The content the form keeps (by signature), beside content it must refuse.
evidence_content = st.one_of(
    st.binary(max_size=2000),
    st.sampled_from([b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"\xff\xd8\xff"]).flatmap(
        lambda head: st.binary(max_size=500).map(lambda tail: head + tail)
    ),
    hostile_text.map(lambda text: text.encode()),
    st.just(f"<html>{SCRIPT}{IMG}</html>".encode()),
)
evidence_name = st.one_of(
    st.text(min_size=1, max_size=120).filter(lambda n: n.strip('\r\n"\\/. ') == n and n),
    st.sampled_from(["x.html", "x.svg", "x.exe", "chat.txt", "x.pdf.php", f"{SCRIPT}.txt"]),
)


@FUZZ
@given(
    content=evidence_content,
    filename=evidence_name,
    clear=st.booleans(),
    htmx=st.booleans(),
)
def test_a_hostile_evidence_file_never_breaks_the_incident_edit(
    alice_client, alice, acme, factories, content, filename, clear, htmx
):
    incident, form = _incident(alice, acme, factories)
    fields: dict[str, Any] = form_data(form)
    fields["evidence_file"] = SimpleUploadedFile(filename, content)
    if clear:
        fields["evidence_file-clear"] = "on"
    headers = HTMX if htmx else {}
    url = reverse("incident_edit", args=[incident.pk])

    def post():
        return alice_client.post(url, fields, headers=headers)

    before = incident.evidence_file.name
    if not check_edit(alice_client, "incident_edit", incident, post, headers):
        return
    incident.refresh_from_db()
    download = alice_client.get(reverse("incident_evidence", args=[incident.pk]))
    if not incident.evidence_file:  # cleared; the upload had a name Django drops
        assert clear
        assert download.status_code == 404
        return
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    body = b"".join(download.streaming_content)
    if incident.evidence_file.name == before:  # no usable file name: no upload at all
        assert body == b"They said no.\n"
    else:
        assert incident.evidence_file.name.rsplit(".", 1)[-1] in {"pdf", "png", "jpg", "gif", "txt"}
        assert body == content


CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=nothing-like-the-body",
    "multipart/form-data",
]


@pytest.mark.parametrize("name", EDIT_PAGES)
@FUZZ
@given(
    content_type=st.sampled_from(CONTENT_TYPES),
    body=st.one_of(st.binary(max_size=500), st.just(None)),
    htmx=st.booleans(),
)
def test_an_edit_posted_as_the_wrong_content_type_changes_nothing(
    alice_client, alice, acme, factories, name, content_type, body, htmx
):
    obj, form = EDIT_PAGES[name].make(alice, acme, factories)
    if body is None:  # the right fields, in the wrong wrapping
        body = json.dumps(form_data(form)).encode()
    headers = HTMX if htmx else {}
    url = reverse(name, args=[obj.pk])
    check_edit(
        alice_client,
        name,
        obj,
        lambda: alice_client.post(url, body, content_type=content_type, headers=headers),
        headers,
        unparseable=True,
    )


def free_text_fields(form: forms.ModelForm) -> list[str]:
    """Fields that take any text: a phone number has its own characters, and its form
    refuses a script as it refuses any letter."""
    return [
        name
        for name, field in form.fields.items()
        if type(field) is forms.CharField
        and validate_phone not in form._meta.model._meta.get_field(name).validators
    ]


@pytest.mark.parametrize("name", EDIT_PAGES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_script_saved_through_an_edit_is_stored_as_typed_and_shown_inert(
    alice_client, alice, acme, factories, name, headers
):
    obj, form = EDIT_PAGES[name].make(alice, acme, factories)
    texts = free_text_fields(form)
    assert texts
    fields = form_data(form) | dict.fromkeys(texts, SCRIPT)
    response = alice_client.post(reverse(name, args=[obj.pk]), fields, headers=headers)
    assert was_accepted(response, headers), response.content.decode()[:2000]
    row = stored(obj)
    assert all(row[text] == SCRIPT for text in texts)
    edit_page = alice_client.get(reverse(name, args=[obj.pk]))
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in edit_page.content
    obj.refresh_from_db()
    for url in [*EDIT_PAGES[name].shown_on(obj), reverse(name, args=[obj.pk])]:
        page = alice_client.get(url)
        assert page.status_code == 200
        assert not live_markup(page.content), url


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_another_freelancer_cannot_edit_and_changes_nothing(
    client, alice, bob, acme, factories, name
):
    obj, form = EDIT_PAGES[name].make(alice, acme, factories)
    before = stored(obj)
    client.force_login(bob)
    fields = form_data(form) | dict.fromkeys(free_text_fields(form), "bob was here")
    for headers in ({}, HTMX):
        response = client.post(reverse(name, args=[obj.pk]), fields, headers=headers)
        assert response.status_code == 404
    assert stored(obj) == before
