"""Long forms in sections: legends, the advanced parts folded with working defaults, the
time zone picked from a list, and the first error focused after a rejected submit."""

import re
import zoneinfo

import pytest
from django.urls import reverse

from clients.forms import ClientForm
from clients.models import Client, Profile
from clientwatch.forms import ProfileForm, RuleSettingsForm
from redflags.rules.settings import RuleSettings
from tests.test_client_pages import CLIENT_POST, HTMX

SETTINGS_POST = {
    "business_name": "Alice Design",
    "currency": "EUR",
    "target_hourly_rate": "85",
    "default_payment_terms_days": "14",
    "time_zone": "Europe/Helsinki",
    "reminder_nudge_days": "1",
    "reminder_pause_days": "7",
    "reminder_final_days": "21",
    "digest_hour": "8",
    "paper_size": "A4",
}


SECTION = re.compile(
    r'<details class="form-section"( open)?>\s*<summary>([^<]+)</summary>'
    r"|<fieldset>\s*<legend>([^<]+)</legend>"
)


def sections(html: str) -> list[tuple[str, str]]:
    """(legend, "open" / "folded" / "fieldset") per section of the page's forms."""
    return [
        (fieldset, "fieldset") if fieldset else (summary, "open" if is_open else "folded")
        for is_open, summary, fieldset in SECTION.findall(html)
    ]


def autofocused(html: str) -> list[str]:
    """The names of the fields that take the focus when the page loads."""
    tags = re.findall(r"<(?:input|select|textarea)\b[^>]*>", html)
    return [
        re.search(r'name="([^"]+)"', tag)[1] for tag in tags if re.search(r"\sautofocus\b", tag)
    ]


def test_every_client_field_is_in_exactly_one_section(alice):
    form = ClientForm(owner=alice)
    names = [field.name for section in form.fieldsets() for field in section.fields]
    assert sorted(names) == sorted(form.fields) and len(names) == len(set(names))
    assert [s.folded for s in form.fieldsets()] == [False, True, False, False, True, True, True]


def test_the_new_client_form_shows_the_essentials_and_folds_the_rest(alice_client):
    html = alice_client.get(reverse("client_create")).content.decode()
    assert sections(html) == [
        ("Who the client is", "fieldset"),
        ("Address, phone and tax number", "folded"),
        ("What you agreed", "fieldset"),
        ("Boundaries and availability", "fieldset"),
        ("Deposit, due rule, status and end date", "folded"),
        ("Reminders, receipts and autopay", "folded"),
        ("Late fees and interest", "folded"),
    ]
    assert autofocused(html) == []


def test_the_folded_sections_post_working_defaults_when_left_alone(alice_client, alice):
    form = ClientForm(owner=alice)
    folded = [field for section in form.fieldsets() if section.folded for field in section.fields]
    # What a browser posts for the folded fields nobody opened: their initial values.
    untouched = {}
    for field in folded:
        value = field.value()
        if field.widget_type == "checkbox":
            if value:
                untouched[field.name] = "on"
        elif value is not None:
            untouched[field.name] = value
    assert untouched["status"] == "active" and untouched["reminders_enabled"] == "on"
    essentials = {
        k: v for k, v in CLIENT_POST.items() if k not in form.fields or k not in untouched
    }
    essentials = {k: v for k, v in essentials.items() if k not in ("status", "reminders_enabled")}
    response = alice_client.post(reverse("client_create"), essentials | untouched)
    assert response.status_code == 302
    client = Client.objects.get(owner=alice)
    assert (client.status, client.reminders_enabled, client.autopay) == ("active", True, False)


def test_a_rejected_client_form_focuses_the_first_error_in_the_order_shown(alice_client):
    response = alice_client.post(
        reverse("client_create"), CLIENT_POST | {"email": "not an address", "rate": "lots"}
    )
    html = response.content.decode()
    assert autofocused(html) == ["email"]  # "Who the client is" comes before the rate


def test_an_error_in_a_folded_section_opens_it_and_is_focused(alice_client):
    response = alice_client.post(
        reverse("client_create"), CLIENT_POST | {"late_fee_percent": "a lot"}, **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert ("Late fees and interest", "open") in sections(html)
    assert ("Reminders, receipts and autopay", "folded") in sections(html)
    assert autofocused(html) == ["late_fee_percent"]


def test_the_settings_are_in_sections_with_the_advanced_ones_folded(alice_client):
    html = alice_client.get(reverse("profile_settings")).content.decode()
    assert sections(html) == [
        ("Your business", "fieldset"),
        ("How your clients see you", "fieldset"),
        ("Reminders and daily digest", "folded"),
        ("Late fees and interest", "folded"),
        ("Receipts, letters and paper", "folded"),
        ("Add a rate", "fieldset"),
        ("Import a reference-rate file", "fieldset"),
        ("Verdicts", "fieldset"),
        ("Paying late", "folded"),
        ("Disputes and scope creep", "folded"),
        ("Conduct", "folded"),
        ("Effort and reward", "folded"),
    ]


def test_every_setting_and_rule_weight_is_in_a_section(alice):
    profile = Profile.objects.for_user(alice)
    for form in (ProfileForm(instance=profile), RuleSettingsForm(current=RuleSettings())):
        names = [field.name for section in form.fieldsets() for field in section.fields]
        assert sorted(names) == sorted(form.fields)
        assert "More" not in [section.legend for section in form.fieldsets()]


def test_the_time_zone_is_picked_from_every_zone_the_system_knows(alice_client):
    html = alice_client.get(reverse("profile_settings")).content.decode()
    select = html.split('name="time_zone"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="([^"]+)"', select)
    assert sorted(options) == sorted(zoneinfo.available_timezones())
    assert 'value="UTC" selected' in select  # a new account's zone until set


@pytest.mark.parametrize("zone", ["Mars/Olympus", "europe/helsinki", "../etc/passwd", ""])
def test_a_time_zone_not_in_the_list_is_refused_and_focused(alice_client, alice, zone):
    response = alice_client.post(reverse("profile_settings"), SETTINGS_POST | {"time_zone": zone})
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    assert Profile.objects.for_user(alice).time_zone == "UTC"
    html = response.content.decode()
    assert autofocused(html) == ["time_zone"]


def test_a_time_zone_from_the_list_is_saved(alice_client, alice):
    response = alice_client.post(
        reverse("profile_settings"), SETTINGS_POST | {"time_zone": "Asia/Kuala_Lumpur"}
    )
    assert response.status_code == 302
    assert Profile.objects.for_user(alice).time_zone == "Asia/Kuala_Lumpur"


def test_a_rejected_rule_weight_opens_its_section_and_is_focused(alice_client):
    data = {
        name: field.initial
        for name, field in RuleSettingsForm(current=RuleSettings()).fields.items()
        if field.initial is not None
    }
    response = alice_client.post(reverse("rule_settings"), data | {"threat_points": "500"})
    assert response.status_code == 422
    html = response.content.decode()
    assert ("Conduct", "open") in sections(html)
    assert autofocused(html) == ["threat_points"]
