"""Plain-text mail and letters carry names and numbers as written; HTML parts escape them."""

import html
from datetime import date

import pytest
from django.template.loader import render_to_string

from clients.exit import Tone, farewell_draft
from clients.services import profile_for
from invoices.models import Stage
from invoices.reminders import reminder_render

pytestmark = pytest.mark.django_db

NUMBER = 'R&D-7 "O\'Brien"'
NAME = "O'Brien & Daughters <Ltd>"


@pytest.fixture
def invoice(alice, factories):
    client = factories.client(owner=alice, name=NAME, language="en")
    return factories.invoice(client=client, number=NUMBER)


@pytest.mark.parametrize("stage", list(Stage))
def test_a_reminders_subject_and_text_read_as_written_and_its_html_is_escaped(
    invoice, alice, stage
):
    email = reminder_render(invoice, stage, profile_for(alice))
    assert NUMBER in email.subject
    assert NUMBER in email.text
    assert "&amp;" not in email.subject + email.text
    assert "&quot;" not in email.subject + email.text
    assert "&#x27;" not in email.subject + email.text
    assert html.escape(NUMBER) in email.html or html.escape(NUMBER, quote=False) in email.html
    assert NUMBER not in email.html


def test_a_farewell_letter_names_the_client_as_written(invoice, alice):
    letter = farewell_draft(
        client=invoice.client,
        profile=profile_for(alice),
        tone=Tone.VAGUE,
        reasons=[],
        end_on=date(2026, 12, 31),
    )
    assert NAME in letter


def test_html_templates_are_still_escaped():
    rendered = render_to_string("_messages.html", {"messages": [NAME]})
    assert NAME not in rendered
    assert html.escape(NAME) in rendered
