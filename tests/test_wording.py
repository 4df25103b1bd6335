"""The freelancer's own wording, per client language: what a client receives is in one language."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from clients.backup import BackupInvalid, backup_export, backup_import
from clients.exit import Tone, farewell_draft
from clients.models import Wording
from clients.reports import report_context
from clients.services import profile_for
from clients.wording import (
    Kind,
    payment_instructions_missing,
    wording_book,
    wording_reset,
    wording_save,
    wording_text,
)
from clients.wording_views import _sample_invoice
from invoices import reminders
from invoices.letters import statement_document_context
from invoices.models import Reminder, Stage
from invoices.reminders import reminder_render
from invoices.statement import statement_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ENGLISH_WORDS = "Just checking in about this one, no rush."
ENGLISH_PAY = "Bank transfer to IBAN GB00 ENGL 1111, quoting the invoice number."
MALAY_WORDS = "Saya harap semuanya baik. Boleh tolong semak invois ini untuk saya?"
MALAY_PAY = "Pindahan bank ke Maybank 5140 1234 5678, dengan menyebut nombor invois."


def overdue(factories, owner, language: str, number: str = "INV-1"):
    client = factories.client(owner=owner, name="Lambat Sdn Bhd", language=language)
    return factories.invoice(
        client=client,
        number=number,
        issued_on=TODAY - timedelta(days=40),
        due_on=TODAY - timedelta(days=26),
        amount=Decimal("1200.00"),
    )


@pytest.fixture
def alice_wording(alice):
    for language, words, pay in (
        ("en", ENGLISH_WORDS, ENGLISH_PAY),
        ("ms", MALAY_WORDS, MALAY_PAY),
    ):
        wording_save(owner=alice, kind=Kind.REMINDER_NUDGE, language=language, text=words)
        wording_save(owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language=language, text=pay)
    return alice


# --- What the client receives -------------------------------------------------------


def test_a_malay_clients_reminder_has_the_malay_words_and_payment_instructions_only(
    alice_wording, factories
):
    invoice = overdue(factories, alice_wording, "ms")
    email = reminder_render(invoice, Stage.NUDGE, profile_for(alice_wording))
    assert email.language == "ms"
    for body in (email.text, email.html):
        assert MALAY_WORDS in body
        assert "Maybank 5140 1234 5678" in body
        assert "IBAN GB00" not in body
        assert "Just checking in" not in body
        assert "slipped through" not in body  # the default paragraph gave way to the own words


def test_an_english_client_gets_the_english_texts(alice_wording, factories):
    email = reminder_render(
        overdue(factories, alice_wording, "en"), Stage.NUDGE, profile_for(alice_wording)
    )
    assert ENGLISH_WORDS in email.text
    assert ENGLISH_PAY in email.text
    assert "Maybank" not in email.text


def test_without_a_text_in_the_clients_language_nothing_of_another_language_goes_in(
    alice, factories
):
    invoice = overdue(factories, alice, "fi")
    before = {stage: reminder_render(invoice, stage, profile_for(alice)) for stage in Stage}
    for language, words, pay in (
        ("en", ENGLISH_WORDS, ENGLISH_PAY),
        ("ms", MALAY_WORDS, MALAY_PAY),
    ):
        for kind in (Kind.REMINDER_NUDGE, Kind.REMINDER_PAUSED, Kind.REMINDER_FINAL):
            wording_save(owner=alice, kind=kind, language=language, text=words)
        wording_save(owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language=language, text=pay)

    for stage in Stage:
        email = reminder_render(invoice, stage, profile_for(alice))
        # The Finnish client gets the default Finnish wording and no payment instructions,
        # exactly as before any text was written in other languages.
        assert (email.subject, email.text, email.html) == (
            before[stage].subject,
            before[stage].text,
            before[stage].html,
        )
        for foreign in (ENGLISH_WORDS, MALAY_WORDS, "IBAN GB00", "Maybank"):
            assert foreign not in email.text + email.html


def test_each_stage_reads_its_own_words(alice, factories):
    wording_save(owner=alice, kind=Kind.REMINDER_FINAL, language="ms", text="Notis akhir saya.")
    invoice = overdue(factories, alice, "ms")
    profile = profile_for(alice)
    assert "Notis akhir saya." in reminder_render(invoice, Stage.FINAL, profile).text
    assert "Notis akhir saya." not in reminder_render(invoice, Stage.NUDGE, profile).text


def test_the_statement_carries_payment_instructions_in_the_clients_language(
    alice_wording, factories
):
    invoice = overdue(factories, alice_wording, "ms")
    context = statement_document_context(
        statement_for(invoice.client, as_of=TODAY), profile_for(alice_wording)
    )
    assert context["payment_instructions"] == MALAY_PAY


def test_the_handover_report_has_the_clients_payment_instructions_the_internal_record_english(
    alice_wording, factories
):
    client = overdue(factories, alice_wording, "ms").client
    assert report_context(client, internal=False)["payment_instructions"] == MALAY_PAY
    assert report_context(client, internal=True)["payment_instructions"] == ENGLISH_PAY


def test_the_farewell_letter_takes_the_own_words_of_its_tone_in_the_clients_language(
    alice, factories
):
    wording_save(
        owner=alice, kind=Kind.FAREWELL_DIRECT, language="fi", text="Yhteistyömme päättyy tähän."
    )
    wording_save(owner=alice, kind=Kind.FAREWELL_DIRECT, language="en", text="We are done here.")
    client = factories.client(owner=alice, name="Hidas Oy", language="fi")

    def draft(tone):
        return farewell_draft(
            client=client, profile=profile_for(alice), tone=tone, reasons=[], end_on=TODAY
        )

    direct = draft(Tone.DIRECT)
    assert "Yhteistyömme päättyy tähän." in direct
    assert "We are done here." not in direct
    vague = draft(Tone.VAGUE)
    assert "Yhteistyömme" not in vague  # the vague letter has its own words (none yet)


# --- The batch ----------------------------------------------------------------------


def _a_day_with(n_invoices, factories, settings, username):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = factories.user(username=username)
    languages = ["en", "ms", "id", "fi", "fy"]
    for language in languages:
        wording_save(owner=owner, kind=Kind.REMINDER_NUDGE, language=language, text=f"W-{language}")
        wording_save(
            owner=owner, kind=Kind.PAYMENT_INSTRUCTIONS, language=language, text=f"P-{language}"
        )
    for n in range(n_invoices):
        factories.invoice(
            client=factories.client(owner=owner, language=languages[n % 5]),
            issued_on=TODAY - timedelta(days=30),
            due_on=TODAY - timedelta(days=2 + n % 5),
        )
    with CaptureQueriesContext(connection) as queries:
        counts = reminders.freelancer_reminders_run(owner=owner, as_of=TODAY)
    assert counts["sent"] == n_invoices
    for reminder in Reminder.objects.for_owner(owner).select_related("invoice__client"):
        language = reminder.invoice.client.language
        assert f"W-{language}" in reminder.body_text
        assert f"P-{language}" in reminder.body_text
        assert [w for w in ("W-", "P-") if reminder.body_text.count(w) != 1] == []
    return len(queries)


def test_the_daily_batch_reads_the_wording_once_whatever_the_number_of_reminders(
    factories, settings
):
    from tests.test_reminders import QUERIES_PER_REMINDER

    few = _a_day_with(5, factories, settings, "few")
    many = _a_day_with(30, factories, settings, "many")
    # Each reminder costs its own claim and outcome; the wording adds nothing per reminder.
    assert many - few == 25 * QUERIES_PER_REMINDER


# --- Saving, resetting, validation, tenancy -----------------------------------------


def test_saving_an_empty_text_resets_to_the_default(alice):
    wording_save(owner=alice, kind=Kind.REMINDER_NUDGE, language="id", text="Halo!")
    assert wording_text(owner_id=alice.pk, kind=Kind.REMINDER_NUDGE, language="id") == "Halo!"
    wording_save(owner=alice, kind=Kind.REMINDER_NUDGE, language="id", text="  \r\n ")
    assert not Wording.objects.filter(owner=alice).exists()


def test_reset_deletes_only_that_kind_and_language(alice):
    wording_save(owner=alice, kind=Kind.REMINDER_NUDGE, language="id", text="Halo!")
    wording_save(owner=alice, kind=Kind.REMINDER_NUDGE, language="fy", text="Hoi!")
    wording_reset(owner=alice, kind=Kind.REMINDER_NUDGE, language="id")
    assert wording_book(alice.pk).texts == {(Kind.REMINDER_NUDGE, "fy"): "Hoi!"}


def test_nul_characters_are_refused_with_a_clear_error(alice):
    with pytest.raises(ValidationError) as error:
        wording_save(owner=alice, kind=Kind.REMINDER_NUDGE, language="en", text="a\x00b")
    assert "NUL character" in str(error.value)
    assert not Wording.objects.exists()


def test_payment_instructions_are_limited_to_1000_characters_own_words_to_2000(alice):
    wording_save(owner=alice, kind=Kind.REMINDER_NUDGE, language="en", text="x" * 2000)
    with pytest.raises(ValidationError, match="1,000"):
        wording_save(owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language="en", text="x" * 1001)
    with pytest.raises(ValidationError, match="2,000"):
        wording_save(owner=alice, kind=Kind.REMINDER_NUDGE, language="ms", text="x" * 2001)


def test_another_freelancers_texts_never_reach_alices_clients(alice, bob, factories):
    wording_save(owner=bob, kind=Kind.PAYMENT_INSTRUCTIONS, language="ms", text="Bob's bank")
    wording_save(owner=bob, kind=Kind.REMINDER_NUDGE, language="ms", text="Bob's words")
    email = reminder_render(overdue(factories, alice, "ms"), Stage.NUDGE, profile_for(alice))
    assert "Bob's" not in email.text
    assert wording_book(alice.pk).texts == {}


def test_missing_payment_instructions_are_named_per_client_language(alice, factories):
    factories.client(owner=alice, language="ms")
    factories.client(owner=alice, language="fi")
    factories.client(owner=alice, language="en")
    # None in any language: nothing to point out.
    assert payment_instructions_missing(owner=alice) == []
    wording_save(owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language="en", text=ENGLISH_PAY)
    assert payment_instructions_missing(owner=alice) == ["ms", "fi"]
    assert payment_instructions_missing(owner=alice, languages=["en"]) == []
    assert payment_instructions_missing(owner=alice, languages=["id"]) == ["id"]


# --- Moving the old single-language texts -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_old_texts_into_the_default_language():
    executor = MigrationExecutor(connection)
    # The migration just before the wording one, whatever its number after merges.
    wording = next(
        key
        for key in executor.loader.graph.leaf_nodes("clients") + list(executor.loader.graph.nodes)
        if key[0] == "clients" and key[1].endswith("_wording")
    )
    old = [
        dep for dep in executor.loader.get_migration(*wording).dependencies if dep[0] == "clients"
    ]
    new = executor.loader.graph.leaf_nodes("clients")
    try:
        executor.migrate(old)
        apps = executor.loader.project_state(old).apps
        User = apps.get_model("auth", "User")
        Profile = apps.get_model("clients", "Profile")
        carol = User.objects.create(username="carol")
        Profile.objects.create(
            user=carol,
            payment_instructions="IBAN NL00 CARO 0000",
            reminder_nudge_message="A gentle nudge.",
            reminder_pause_message="",
            reminder_final_message="Last call.",
        )
        Profile.objects.create(user=User.objects.create(username="dave"))

        executor = MigrationExecutor(connection)
        executor.migrate(new)

        assert sorted(
            Wording.objects.values_list("owner__username", "kind", "language", "text")
        ) == [
            ("carol", "payment_instructions", "en", "IBAN NL00 CARO 0000"),
            ("carol", "reminder_final", "en", "Last call."),
            ("carol", "reminder_nudge", "en", "A gentle nudge."),
        ]

        # And back: the default language's texts return to the profile fields.
        executor = MigrationExecutor(connection)
        executor.migrate(old)
        Profile = executor.loader.project_state(old).apps.get_model("clients", "Profile")
        assert Profile.objects.filter(user__username="carol").values_list(
            "payment_instructions", "reminder_nudge_message", "reminder_final_message"
        ).get() == ("IBAN NL00 CARO 0000", "A gentle nudge.", "Last call.")
    finally:
        MigrationExecutor(connection).migrate(new)


# --- Backups ------------------------------------------------------------------------


def test_wording_round_trips_through_a_backup(alice_wording, bob):
    wording_save(owner=alice_wording, kind=Kind.FAREWELL_VAGUE, language="fy", text="Oant sjen!")
    exported = backup_export(owner=alice_wording)
    assert exported["settings"]["wording"]["payment_instructions"] == {
        "en": ENGLISH_PAY,
        "ms": MALAY_PAY,
    }
    assert "payment_instructions" not in exported["settings"]

    result = backup_import(owner=bob, document=exported)

    assert result.settings.updated == 1
    assert wording_book(bob.pk) == wording_book(alice_wording.pk)
    assert backup_import(owner=bob, document=exported).settings.unchanged == 1


def test_an_old_backup_brings_its_texts_in_the_default_language(bob):
    document = {
        "settings": {
            "payment_instructions": "IBAN NL00 OLD 0000",
            "reminder_nudge_message": "",
            "reminder_pause_message": "Work stops now.",
            "reminder_final_message": "Final word.",
        },
        "clients": [],
    }
    backup_import(owner=bob, document=document)
    assert wording_book(bob.pk).texts == {
        (Kind.PAYMENT_INSTRUCTIONS, "en"): "IBAN NL00 OLD 0000",
        (Kind.REMINDER_PAUSED, "en"): "Work stops now.",
        (Kind.REMINDER_FINAL, "en"): "Final word.",
    }


@pytest.mark.parametrize(
    ("wording", "problem"),
    [
        (
            {"payment_instruction": {"en": "x"}},
            "settings.wording.payment_instruction: unknown kind",
        ),
        ({"reminder_nudge": {"de": "x"}}, "settings.wording.reminder_nudge.de: unknown language"),
        ({"reminder_nudge": {"en": 5}}, "settings.wording.reminder_nudge.en: must be text"),
        ({"reminder_nudge": {"en": "a\x00b"}}, "settings.wording.reminder_nudge.en: This text"),
        ({"payment_instructions": {"en": "x" * 1001}}, "under 1,000 characters"),
        ({"reminder_nudge": "hello"}, "settings.wording.reminder_nudge: must be an object"),
    ],
)
def test_a_bad_wording_in_a_backup_is_named_by_its_path(bob, wording, problem):
    with pytest.raises(BackupInvalid) as error:
        backup_import(owner=bob, document={"settings": {"wording": wording}, "clients": []})
    assert any(problem in message for message in error.value.problems), error.value.problems
    assert not Wording.objects.exists()


# --- The Wording page ---------------------------------------------------------------


def page(client, language: str):
    return client.get(reverse("wording"), {"language": language})


def post(client, language: str, kind: str, text: str | None = None, reset: bool = False):
    data = {"language": language, "kind": kind}
    if text is not None:
        data[f"{kind}-text"] = text
    if reset:
        data["reset"] = "1"
    return client.post(reverse("wording"), data)


@pytest.mark.parametrize("language", ["en", "ms", "id", "fi", "fy"])
def test_the_page_saves_and_previews_each_language(alice_client, alice, language):
    response = post(alice_client, language, "reminder_nudge", f"Own words in {language}.")
    assert response.status_code == 302
    post(alice_client, language, "payment_instructions", f"Pay in {language}.")
    assert wording_book(alice.pk).texts == {
        (Kind.REMINDER_NUDGE, language): f"Own words in {language}.",
        (Kind.PAYMENT_INSTRUCTIONS, language): f"Pay in {language}.",
    }

    html = page(alice_client, language).content.decode()
    # The preview is the real nudge for a sample client of this language.
    sample = reminder_render(_sample_for(alice, language), Stage.NUDGE, profile_for(alice))
    assert f"Own words in {language}." in sample.text
    assert f"Pay in {language}." in sample.text
    assert escape(sample.subject) in html
    assert escape(sample.text.strip().splitlines()[0]) in html
    assert html.count(f"Pay in {language}.") >= 4  # textarea, and the reminder previews
    # The other languages' previews carry none of it.
    other = "fi" if language != "fi" else "ms"
    assert f"Pay in {language}." not in page(alice_client, other).content.decode()


def _sample_for(owner, language):
    return _sample_invoice(profile_for(owner), language)


def test_the_farewell_preview_shows_the_own_words_in_place_of_the_closing(alice_client, alice):
    before = page(alice_client, "en").content.decode()
    post(alice_client, "en", "farewell_vague", "Take care!")
    html = page(alice_client, "en").content.decode()
    assert "every success" in before
    assert "Take care!" in html
    assert "every success" not in html
    assert "This has crossed a line" in html  # the direct letter keeps its default


def test_reset_to_the_default_deletes_the_text(alice_client, alice):
    wording_save(owner=alice, kind=Kind.REMINDER_FINAL, language="id", text="Pemberitahuan akhir.")
    assert "Reset to the default" in page(alice_client, "id").content.decode()
    response = post(alice_client, "id", "reminder_final", reset=True)
    assert response.status_code == 302
    assert not Wording.objects.filter(owner=alice).exists()
    assert "Pemberitahuan akhir." not in page(alice_client, "id").content.decode()


def test_a_nul_character_is_refused_on_the_page_with_a_clear_error(alice_client, alice):
    response = post(alice_client, "en", "reminder_nudge", "Hello\x00there")
    assert response.status_code == 422
    assert "NUL character" in response.content.decode()
    assert not Wording.objects.exists()


def test_too_long_a_text_is_refused_on_the_page(alice_client):
    response = post(alice_client, "ms", "payment_instructions", "x" * 1001)
    assert response.status_code == 422
    assert "Keep this under 1,000 characters." in response.content.decode()
    assert not Wording.objects.exists()


def test_unknown_languages_and_kinds_are_not_found(alice_client):
    assert post(alice_client, "de", "reminder_nudge", "x").status_code == 404
    assert post(alice_client, "en", "signature", "x").status_code == 404


def test_bob_can_neither_read_nor_change_alices_texts(client, alice, bob):
    wording_save(owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language="ms", text="Alice's bank")
    client.force_login(bob)
    assert "Alice's bank" not in page(client, "ms").content.decode()
    post(client, "ms", "payment_instructions", reset=True)
    post(client, "ms", "payment_instructions", "Bob's")
    assert wording_text(owner_id=alice.pk, kind=Kind.PAYMENT_INSTRUCTIONS, language="ms") == (
        "Alice's bank"
    )
    assert wording_text(owner_id=bob.pk, kind=Kind.PAYMENT_INSTRUCTIONS, language="ms") == "Bob's"


def test_the_page_needs_a_login(client):
    response = page(client, "en")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_settings_link_to_the_page_and_name_the_languages_without_payment_instructions(
    alice_client, alice, factories
):
    factories.client(owner=alice, language="ms")
    wording_save(owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language="en", text=ENGLISH_PAY)
    html = alice_client.get(reverse("profile_settings")).content.decode()
    assert reverse("wording") in html
    assert "Your Malay clients will see no payment instructions: add them in Malay." in html
    wording_save(owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language="ms", text=MALAY_PAY)
    html = alice_client.get(reverse("profile_settings")).content.decode()
    assert "will see no payment instructions" not in html


def test_the_reminder_preview_says_when_the_clients_language_has_no_payment_instructions(
    alice_client, alice, factories
):
    wording_save(owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language="en", text=ENGLISH_PAY)
    invoice = overdue(factories, alice, "ms")
    url = reverse("reminder_preview", args=[invoice.pk, "nudge"])
    html = alice_client.get(url).content.decode()
    assert "Your Malay clients will see no payment instructions: add them in Malay." in html
    assert "IBAN GB00" not in html
    wording_save(owner=alice, kind=Kind.PAYMENT_INSTRUCTIONS, language="ms", text=MALAY_PAY)
    html = alice_client.get(url).content.decode()
    assert "will see no payment instructions" not in html
    assert "Maybank 5140 1234 5678" in html


def test_the_page_reads_a_fixed_number_of_queries(alice_client, alice, django_assert_num_queries):
    for language in ("en", "ms"):
        for kind in Kind:
            wording_save(owner=alice, kind=kind, language=language, text=f"{kind} {language}")
    # Session, user, profile, the texts, the two farewell drafts' own words, and which
    # languages have payment instructions.
    with django_assert_num_queries(7):
        response = page(alice_client, "ms")
    assert response.status_code == 200


def test_the_sample_client_is_named_in_the_previews_language(alice_client):
    html = page(alice_client, "ms").content.decode()
    assert "Pelanggan Contoh" in html
    assert "Sample Client" not in html
    assert "Now: none." in html  # no payment instructions in Malay yet
