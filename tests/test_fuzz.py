"""Hostile input, generated: no form and no import answers with a server error, and no
text comes back as live markup."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clients.backup import BackupInvalid, backup_import, backup_parse
from clients.models import Client
from tests.fuzzing import FUZZ, hostile_json_text, hostile_text, live_markup

pytestmark = pytest.mark.django_db

FORMS = {
    "client_create": (
        "name",
        "company",
        "email",
        "currency",
        "rate",
        "payment_terms_days",
        "boundaries",
        "deposit_percent",
        "started_on",
        "language",
        "billing_mode",
    ),
    "incident_create": ("occurred_on", "category", "severity", "description", "evidence"),
    "step_create": ("taken_on", "kind", "addresses", "note"),
    "invoice_create": ("number", "issued_on", "due_on", "amount", "currency", "dispute_reason"),
    "work_log_create": ("worked_on", "hours", "description"),
}


@pytest.mark.parametrize("name", FORMS)
@FUZZ
@given(data=st.data())
def test_no_form_answers_hostile_input_with_a_server_error(alice_client, acme, name, data):
    fields = {field: data.draw(hostile_text, label=field) for field in FORMS[name]}
    url = reverse(name) if name == "client_create" else reverse(name, args=[acme.pk])
    for headers in ({}, {"HX-Request": "true"}):
        response = alice_client.post(url, fields, headers=headers)
        assert response.status_code < 500
        assert not live_markup(response.content)  # shown escaped, if at all


# Forms that are not on the client page: keyed by URL name, with what the URL needs.
MORE_FORMS = {
    "payment_create": (("paid_on", "amount", "note"), "invoice"),
    "account_item_create": (("name", "notes"), "client"),
    "client_drop": (("when", "end_on", "tone", "letter", "reason_note"), "client"),
    "profile_settings": (
        (
            "business_name",
            "currency",
            "target_hourly_rate",
            "time_zone",
            "reminder_nudge_days",
            "reminder_pause_days",
            "reminder_final_days",
            "digest_hour",
            "paper_size",
        ),
        None,
    ),
    "rule_settings": (("keep_at", "watch_at", "half_life_days", "late_day_points"), None),
    "signup": (("username", "email", "password1", "password2"), None),
}


@pytest.mark.parametrize("name", MORE_FORMS)
@FUZZ
@given(data=st.data())
def test_no_other_form_answers_hostile_input_with_a_server_error(
    alice_client, acme, factories, name, data
):
    fields, target = MORE_FORMS[name]
    values = {field: data.draw(hostile_text, label=field) for field in fields}
    if target == "invoice":
        url = reverse(name, args=[factories.invoice(client=acme).pk])
    elif target == "client":
        url = reverse(name, args=[acme.pk])
    else:
        url = reverse(name)
    response = alice_client.post(url, values)
    assert response.status_code < 500
    assert not live_markup(response.content)


@FUZZ
@given(
    document=st.recursive(
        st.one_of(
            st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile_json_text
        ),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(hostile_json_text, children, max_size=4),
        ),
        max_leaves=20,
    )
)
def test_the_import_rejects_any_malformed_document_cleanly(alice, document):
    wrapped = {"clients": [document]} if not isinstance(document, dict) else document
    try:
        backup_import(owner=alice, document=backup_parse(json.dumps(wrapped)))
    except BackupInvalid as problems:
        assert problems.problems


CSV_COLUMNS = (
    "client_ref",
    "client_name",
    "client_email",
    "currency",
    "payment_terms_days",
    "rate",
    "invoice_number",
    "issued_on",
    "due_on",
    "amount",
    "paid_on",
    "paid_amount",
)


@FUZZ
@given(data=st.data())
def test_no_csv_import_answers_hostile_cells_with_a_server_error(alice_client, alice, data):
    def cell(label: str) -> str:
        text = data.draw(hostile_text, label=label)
        return '"' + text.replace('"', '""') + '"'

    rows = [",".join(CSV_COLUMNS)]
    rows += [",".join(cell(f"{c}{n}") for c in CSV_COLUMNS) for n in range(2)]
    upload = SimpleUploadedFile("c.csv", "\n".join(rows).encode(), "text/csv")
    response = alice_client.post(reverse("csv_import"), {"file": upload})
    assert response.status_code < 500
    assert not live_markup(response.content)
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    if token:
        confirm = alice_client.post(reverse("csv_import_confirm"), {"token": token[1]})
        assert confirm.status_code < 500
    else:
        assert not Client.objects.for_owner(alice).exists()
