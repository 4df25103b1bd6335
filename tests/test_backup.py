"""Import and export of a freelancer's data (clients/backup.py, import_data, export_data)."""

import copy
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from clients.backup import BackupInvalid, backup_export, backup_import, backup_parse
from clients.models import AccountItem, Client, ExchangeRate, Profile, WorkLog
from invoices.models import Invoice, LateFee, Payment, Receipt
from redflags.models import ClientScore, Incident, Step

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def document() -> dict:
    """A small valid document: two clients with a bit of everything."""
    return {
        "settings": {
            "target_hourly_rate": "75.00",
            "currency": "EUR",
            "default_payment_terms_days": 30,
            "time_zone": "Europe/Amsterdam",
            "reminder_nudge_days": 2,
            "rule_overrides": {"keep_at": 75},
            "late_fee_flat_amounts": {"EUR": "25.00", "idr": 400000},
            "late_interest_percent": 8,
            "receipts_enabled": True,
            "letter_with_final": True,
        },
        "clients": [
            {
                "ref": "acme",
                "name": "Acme Studio",
                "email": "ops@acme.example",
                "language": "fi",
                "currency": "EUR",
                "billing": "hourly",
                "rate": "80.00",
                "payment_terms_days": 14,
                "started_on": days_ago(400),
                "company": "Acme Oy",
                "autopay": True,
                "late_fees": "custom",
                "late_fee_percent": "1.5",
                "late_fee_timing": "each_stage",
                "invoices": [
                    {
                        "number": "INV-001",
                        "issued_on": days_ago(60),
                        "due_on": days_ago(46),
                        "amount": "1200.00",
                        "payments": [
                            {"paid_on": days_ago(50), "amount": "200.00"},
                            {"paid_on": days_ago(40), "amount": "1000.00"},
                        ],
                        "fees": [
                            {
                                "kind": "percent",
                                "stage": "nudge",
                                "amount": "18.00",
                                "charged_on": days_ago(45),
                                "rate": "1.5",
                                "waived_on": days_ago(44),
                                "waive_note": "Paid most of it the week before.",
                            },
                            {
                                "kind": "interest",
                                "stage": "nudge",
                                "amount": "1.32",
                                "charged_on": days_ago(41),
                                "rate": 8,
                                "period_start": days_ago(46),
                                "period_end": days_ago(41),
                                "paid_on": days_ago(40),
                            },
                        ],
                    },
                    {
                        "number": "INV-002",
                        "issued_on": days_ago(30),
                        "due_on": days_ago(16),
                        "amount": "950.50",
                        "disputed": True,
                        "dispute_reason": "Says the banner was not in scope.",
                        "autopay_failed_on": days_ago(15),
                    },
                ],
                "incidents": [
                    {
                        "category": "unresponsive",
                        "occurred_on": days_ago(20),
                        "severity": 3,
                        "note": "No answer to three emails.",
                    },
                    {
                        "category": "scope_change",
                        "occurred_on": days_ago(10),
                        "severity": 2,
                        "note": "New homepage idea mid-sprint.",
                        "evidence": "Email of 14:02.",
                    },
                ],
                "steps": [
                    {"kind": "warned", "taken_on": days_ago(10), "about": "scope_change"},
                    {
                        "kind": "asked_deposit",
                        "taken_on": days_ago(5),
                        "about": "",
                        "note": "Half up front from now on.",
                    },
                ],
                "work_logs": [
                    {
                        "date": days_ago(12),
                        "hours": "2.50",
                        "description": "Layout",
                        "billable": True,
                    },
                    {
                        "date": days_ago(12),
                        "hours": "0.5",
                        "description": "Chasing",
                        "billable": False,
                    },
                    {
                        "date": days_ago(12),
                        "hours": "0.5",
                        "description": "Chasing",
                        "billable": False,
                    },
                ],
                "accounts": [
                    {"name": "Instagram business account", "handed_over": False},
                    {"name": "Facebook page", "handed_over": True, "notes": "Admin role."},
                ],
            },
            {
                "ref": "kettu",
                "name": "Aino Virtanen",
                "email": "aino@kettu.example",
                "language": "en",
                "currency": "MYR",
                "billing": "retainer",
                "rate": 1800,
                "payment_terms_days": 7,
                "started_on": days_ago(100),
                "reminders": False,
                "receipts": False,
                "late_fees": "none",
                "invoices": [
                    {
                        "number": "K-1",
                        "issued_on": days_ago(20),
                        "due_on": days_ago(13),
                        "amount": "1800.00",
                        "state": "draft",
                    }
                ],
            },
        ],
    }


MODELS = (Client, Invoice, Payment, LateFee, Incident, Step, WorkLog, AccountItem)
# What this version added to the format; a document without any of it is an older backup.
NEW_SETTINGS = (
    "late_fee_flat_amounts",
    "late_fees_with_nudge",
    "late_fee_percent",
    "late_fee_timing",
    "late_interest_percent",
    "receipts_enabled",
    "letter_with_nudge",
    "letter_with_paused",
    "letter_with_final",
    "statement_with_final",
)
NEW_CLIENT_KEYS = (
    "autopay",
    "receipts",
    "late_fees",
    "late_fee_flat",
    "late_fee_flat_amounts",
    "late_fee_percent",
    "late_fee_timing",
    "late_interest_percent",
)
NEW_INVOICE_KEYS = ("autopay_failed_on", "fees")
NEW_CLIENT_LISTS = ("steps",)


def older_format(doc: dict) -> dict:
    """The document as a backup written before late fees, receipts, autopay and steps
    existed."""
    for key in NEW_SETTINGS:
        doc.get("settings", {}).pop(key, None)
    for client in doc["clients"]:
        for key in (*NEW_CLIENT_KEYS, *NEW_CLIENT_LISTS):
            client.pop(key, None)
        for invoice in client.get("invoices", []):
            for key in NEW_INVOICE_KEYS:
                invoice.pop(key, None)
    return doc


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def totals(owner) -> dict[str, object]:
    """Counts and sums per model: what a faithful copy must reproduce."""
    return {
        "clients": Client.objects.for_owner(owner).aggregate(n=Count("id"), rate=Sum("rate")),
        "invoices": Invoice.objects.for_owner(owner).aggregate(n=Count("id"), amount=Sum("amount")),
        "payments": Payment.objects.for_owner(owner).aggregate(n=Count("id"), amount=Sum("amount")),
        "fees": LateFee.objects.for_owner(owner).aggregate(
            n=Count("id"),
            amount=Sum("amount"),
            rate=Sum("rate"),
            waived=Count("waived_on"),
            paid=Count("paid_on"),
        ),
        "autopay_failed": Invoice.objects.for_owner(owner).aggregate(n=Count("autopay_failed_on")),
        "incidents": Incident.objects.for_owner(owner).aggregate(
            n=Count("id"), severity=Sum("severity")
        ),
        "steps": sorted(
            Step.objects.for_owner(owner).values_list("taken_on", "kind", "addresses", "note")
        ),
        "work_logs": WorkLog.objects.for_owner(owner).aggregate(n=Count("id"), hours=Sum("hours")),
        "accounts": AccountItem.objects.for_owner(owner).aggregate(n=Count("id")),
        "flat_fees": sorted(
            (ref, sorted(amounts.items()))
            for ref, amounts in Client.objects.for_owner(owner).values_list(
                "ref", "late_fee_flat_amounts"
            )
        ),
        "client_terms": Client.objects.for_owner(owner).aggregate(
            autopay=Count("id", filter=Q(autopay=True)),
            receipts=Count("id", filter=Q(receipts_enabled=True)),
            custom=Count("id", filter=Q(late_fees="custom")),
            percent=Sum("late_fee_percent"),
            interest=Sum("late_interest_percent"),
        ),
    }


def snapshot(owner) -> dict[str, list[tuple]]:
    """Every stored value of the owner's rows, ids included: equal means nothing moved."""
    return {
        model.__name__: sorted(
            tuple(str(value) for value in row.values())
            for row in model.objects.for_owner(owner).values()
        )
        for model in MODELS
    }


def problems_of(owner, doc) -> list[str]:
    with pytest.raises(BackupInvalid) as caught:
        backup_import(owner=owner, document=doc)
    return caught.value.problems


@pytest.fixture
def alice_history(alice, factories):
    """Alice's own data, made through factories (not the importer): a bit of everything."""
    profile = Profile.objects.for_user(alice)
    profile.target_hourly_rate = Decimal("60.00")
    profile.currency = "MYR"
    profile.rule_overrides = {"half_life_days": 60}
    profile.business_name = "Lytse Studio"
    profile.late_fee_flat_amounts = {"MYR": "40.00", "EUR": "9.00"}
    profile.late_fee_percent = Decimal("2.50")
    profile.late_fee_timing = "each_stage"
    profile.late_interest_percent = Decimal("9.75")
    profile.receipts_enabled = True
    profile.letter_with_paused = True
    profile.letter_with_final = True
    profile.statement_with_final = True
    profile.save()
    acme = factories.client(
        owner=alice,
        ref="acme",
        name="Acme",
        company="Acme Oy",
        boundaries="Mon-Fri only.",
        deposit_percent=20,
        autopay=True,
        receipts_enabled=False,
        late_fees="custom",
        late_fee_flat_amounts={"EUR": "15.00"},
        late_interest_percent=Decimal("12.00"),
        late_fee_timing="each_stage",
    )
    dropped = factories.client(
        owner=alice,
        ref="gone",
        name="Gone Ltd",
        status=Client.Status.DROPPED,
        ended_on=TODAY - timedelta(days=5),
        drop_reason="Abusive language.",
        dropped_on=TODAY - timedelta(days=5),
        farewell_letter="Dear Gone Ltd,\n\nI will no longer do business with you.",
        currency="MYR",
        late_fees="none",
    )
    for n, client in enumerate((acme, dropped)):
        for k in range(3):
            invoice = factories.invoice(
                client=client,
                number=f"{client.ref.upper()}-{k}",
                issued_on=TODAY - timedelta(days=90 - 30 * k),
                due_on=TODAY - timedelta(days=76 - 30 * k),
                amount=Decimal(f"{1000 + n}.{k}5"),
            )
            factories.payment(invoice=invoice, amount=Decimal("100.00"))
            if k == 0:
                add_fees(invoice)
            if k == 1 and client == acme:
                invoice.autopay_failed_on = invoice.due_on
                invoice.save()
        factories.invoice(
            client=client,
            number=f"{client.ref.upper()}-draft",
            state=Invoice.State.DRAFT,
            amount=Decimal("10.00"),
        )
        factories.invoice(
            client=client,
            number=f"{client.ref.upper()}-off",
            state=Invoice.State.WRITTEN_OFF,
            disputed=True,
            dispute_reason="Refused to pay.",
            amount=Decimal("99.99"),
        )
        factories.incident(
            client=client,
            category="verbal_abuse",
            severity=4,
            evidence="Voicemail.",
        )
        factories.step(client=client, kind="warned", addresses="verbal_abuse")
        factories.step(client=client, kind="paused_work", addresses="", note="")
        factories.incident(client=client, category="unresponsive")
        factories.work_log(client=client, hours=Decimal("1.25"), billable=False)
        factories.work_log(client=client, hours=Decimal("1.25"), billable=False)
        factories.work_log(client=client, hours=Decimal("7.00"))
        factories.account_item(client=client, name="Shopify store", notes="Staff account.")
        factories.account_item(client=client, name="Shopify store")
        factories.account_item(
            client=client,
            name="Facebook page",
            handed_over=True,
            handed_over_on=TODAY - timedelta(days=1),
        )
    for on, rate in ((TODAY - timedelta(days=40), "4.9512"), (TODAY - timedelta(days=3), "5.08")):
        ExchangeRate.objects.create(owner=alice, base="EUR", quote="MYR", on=on, rate=Decimal(rate))
    ExchangeRate.objects.create(owner=alice, base="USD", quote="MYR", on=TODAY, rate=Decimal(4))
    return alice


def add_fees(invoice: Invoice) -> list[LateFee]:
    """A waived flat fee, paid interest and a percentage still owed, charged with reminders."""
    due = invoice.due_on
    return [
        LateFee.objects.create(
            invoice=invoice,
            kind=LateFee.Kind.FLAT,
            stage="nudge",
            amount=Decimal("15.00"),
            currency=invoice.currency,
            charged_on=due + timedelta(days=1),
            waived_on=due + timedelta(days=2),
            waive_note="Good client; first time late.",
        ),
        LateFee.objects.create(
            invoice=invoice,
            kind=LateFee.Kind.INTEREST,
            stage="paused",
            amount=Decimal("1.97"),
            currency=invoice.currency,
            charged_on=due + timedelta(days=7),
            rate=Decimal("12.00"),
            period_start=due,
            period_end=due + timedelta(days=7),
            paid_on=due + timedelta(days=9),
        ),
        LateFee.objects.create(
            invoice=invoice,
            kind=LateFee.Kind.PERCENT,
            stage="final",
            amount=Decimal("22.51"),
            currency=invoice.currency,
            charged_on=due + timedelta(days=21),
            rate=Decimal("2.50"),
        ),
    ]


# Round trips and idempotency


def test_export_then_import_into_an_empty_account_reproduces_every_row(alice_history, bob):
    exported = backup_export(owner=alice_history)

    result = backup_import(owner=bob, document=json.loads(json.dumps(exported)))

    assert totals(bob) == totals(alice_history)
    assert result.clients.created == 2
    assert result.invoices.created == 10
    assert result.payments.created == 6
    assert result.accounts.created == 6
    assert result.fees.created == 6
    # Not only the sums: every field of every row, and the settings, come back the same.
    assert backup_export(owner=bob) == exported
    assert Profile.objects.get(user=bob).rule_overrides == {"half_life_days": 60}
    assert ClientScore.objects.for_owner(bob).count() == 2
    settings = Profile.objects.filter(user=bob).values(*NEW_SETTINGS).get()
    assert settings == Profile.objects.filter(user=alice_history).values(*NEW_SETTINGS).get()
    assert settings["late_interest_percent"] == Decimal("9.75")
    fee_currencies = LateFee.objects.for_owner(bob).values_list("currency", "invoice__currency")
    assert all(fee == invoice for fee, invoice in fee_currencies)
    # A restore is not a new payment: nobody gets a receipt for it.
    assert not Receipt.objects.exists()


def test_an_export_carries_the_late_fees_and_the_terms_they_came_from(alice_history):
    exported = backup_export(owner=alice_history)

    acme = exported["clients"][0]
    assert (acme["autopay"], acme["receipts"], acme["late_fees"]) == (True, False, "custom")
    assert (acme["late_fee_flat_amounts"], acme["late_fee_percent"]) == ({"EUR": "15.00"}, None)
    assert exported["settings"]["late_fee_percent"] == "2.50"
    assert acme["invoices"][1]["autopay_failed_on"] == acme["invoices"][1]["due_on"]
    assert acme["invoices"][0]["fees"][1] == {
        "kind": "interest",
        "stage": "paused",
        "amount": "1.97",
        "charged_on": (TODAY - timedelta(days=69)).isoformat(),
        "rate": "12.00",
        "period_start": (TODAY - timedelta(days=76)).isoformat(),
        "period_end": (TODAY - timedelta(days=69)).isoformat(),
        "paid_on": (TODAY - timedelta(days=67)).isoformat(),
        "waived_on": None,
        "waive_note": "",
        "left_out": False,
        "capped_from": None,
    }
    assert [f["stage"] for f in acme["invoices"][0]["fees"]] == ["nudge", "paused", "final"]
    assert acme["invoices"][2]["fees"] == []


def test_export_takes_a_fixed_number_of_queries(alice_history, django_assert_num_queries):
    # The profile, then one query per kind of row (wording and exchange rates too), however
    # many rows there are (sent reminders and steps too).
    with django_assert_num_queries(12):
        backup_export(owner=alice_history)


def test_export_data_then_import_data_commands_round_trip(alice_history, bob, tmp_path):
    path = tmp_path / "alice.json"
    call_command("export_data", "--user", "alice", "--out", str(path), stderr=StringIO())
    out = StringIO()

    call_command("import_data", str(path), "--user", "bob", stdout=out)

    assert totals(bob) == totals(alice_history)
    assert "clients: 2 created, 0 updated, 0 unchanged" in out.getvalue()


def test_export_data_writes_to_stdout_by_default(alice_history):
    out = StringIO()
    call_command("export_data", "--user", "alice", stdout=out)
    assert json.loads(out.getvalue()) == json.loads(json.dumps(backup_export(owner=alice_history)))


def test_importing_the_same_document_twice_changes_nothing(alice):
    backup_import(owner=alice, document=document())
    before = snapshot(alice)
    profile_before = Profile.objects.filter(user=alice).values().get()

    result = backup_import(owner=alice, document=document())

    assert not result.changed
    assert snapshot(alice) == before
    assert Profile.objects.filter(user=alice).values().get() == profile_before
    assert result.clients.unchanged == 2
    assert result.invoices.unchanged == 3
    assert result.payments.unchanged == 2
    assert result.incidents.unchanged == 2
    assert result.steps.unchanged == 2
    assert result.work_logs.unchanged == 3  # two identical rows stay two rows
    assert result.accounts.unchanged == 2
    assert result.fees.unchanged == 2
    assert result.settings.unchanged == 1
    assert result.as_dict()["invoices"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert result.as_dict()["fees"] == {"created": 0, "updated": 0, "unchanged": 2}


def test_importing_an_export_back_into_the_same_account_changes_nothing(alice_history):
    before = snapshot(alice_history)
    result = backup_import(owner=alice_history, document=backup_export(owner=alice_history))
    assert not result.changed
    assert snapshot(alice_history) == before


def test_second_import_updates_matched_rows_and_adds_only_new_history(alice):
    backup_import(owner=alice, document=document())
    doc = document()
    acme = doc["clients"][0]
    acme["name"] = "Acme Studio Oy"
    acme["invoices"][1]["amount"] = "900.00"
    acme["invoices"][1]["payments"] = [{"paid_on": days_ago(1), "amount": "100.00"}]
    acme["incidents"].append(
        {"category": "lying", "occurred_on": days_ago(1), "severity": 4, "note": "Denied it."}
    )
    acme["accounts"][0]["handed_over"] = True
    del acme["company"]  # left out: kept as it is

    result = backup_import(owner=alice, document=doc)

    assert (result.clients.updated, result.clients.unchanged) == (1, 1)
    assert (result.invoices.updated, result.invoices.unchanged) == (1, 2)
    assert (result.payments.created, result.payments.unchanged) == (1, 2)
    assert (result.incidents.created, result.incidents.unchanged) == (1, 2)
    assert (result.accounts.updated, result.accounts.unchanged) == (1, 1)
    client = Client.objects.get(owner=alice, ref="acme")
    assert (client.name, client.company) == ("Acme Studio Oy", "Acme Oy")
    assert Invoice.objects.get(owner=alice, number="INV-002").amount == Decimal("900.00")
    assert Incident.objects.for_owner(alice).count() == 3
    instagram = AccountItem.objects.get(client=client, name="Instagram business account")
    assert instagram.handed_over and instagram.handed_over_on == TODAY
    assert ClientScore.objects.get(client=client).verdict == "fire"  # lying is a red flag


def test_a_second_import_updates_a_fee_in_place_matched_by_kind_and_stage(alice):
    backup_import(owner=alice, document=document())
    invoice = Invoice.objects.get(owner=alice, number="INV-001")
    ids = dict(LateFee.objects.filter(invoice=invoice).values_list("kind", "id"))
    doc = document()
    fees = doc["clients"][0]["invoices"][0]["fees"]
    fees[0]["waive_note"] = "Paid most of it the week before; a regular."
    del fees[1]["paid_on"]  # left out: kept as it is
    fees.append({"kind": "flat", "stage": "paused", "amount": "25.00", "charged_on": days_ago(39)})

    result = backup_import(owner=alice, document=doc)

    assert result.as_dict()["fees"] == {"created": 1, "updated": 1, "unchanged": 1}
    stored = {fee.kind: fee for fee in LateFee.objects.filter(invoice=invoice)}
    assert {kind: stored[kind].pk for kind in ids} == ids
    assert stored["percent"].waive_note == "Paid most of it the week before; a regular."
    assert stored["interest"].paid_on == TODAY - timedelta(days=40)
    assert (stored["flat"].amount, stored["flat"].currency) == (Decimal("25.00"), "EUR")


def test_a_fee_on_a_stored_waived_fee_cannot_also_be_paid(alice):
    backup_import(owner=alice, document=document())
    doc = document()
    fee = doc["clients"][0]["invoices"][0]["fees"][0]
    del fee["waived_on"]  # kept from the stored row, so it would be both
    fee["paid_on"] = days_ago(30)
    before = snapshot(alice)

    assert problems_of(alice, doc) == [
        "clients[0].invoices[0].fees[0].waived_on: a fee is either waived or paid, not both; "
        'set "waived_on" or "paid_on" to null'
    ]
    assert snapshot(alice) == before


def test_two_fees_of_the_same_kind_and_stage_on_one_invoice_are_rejected(bob):
    doc = document()
    fees = doc["clients"][0]["invoices"][0]["fees"]
    fees.append({**fees[0], "amount": "5.00"})

    assert problems_of(bob, doc) == [
        'clients[0].invoices[0].fees[2]: a "percent" fee for the "nudge" reminder appears '
        "twice in the invoice (also clients[0].invoices[0].fees[0]); there is one per kind "
        "and stage"
    ]
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_the_same_kind_and_stage_on_two_invoices_is_fine(bob):
    doc = document()
    doc["clients"][0]["invoices"][1]["fees"] = copy.deepcopy(
        doc["clients"][0]["invoices"][0]["fees"]
    )
    assert backup_import(owner=bob, document=doc).fees.created == 4


def test_a_backup_from_before_late_fees_still_imports_with_the_defaults(bob):
    doc = older_format(document())
    assert "fees" not in json.dumps(doc)

    result = backup_import(owner=bob, document=doc)

    assert (result.clients.created, result.invoices.created, result.fees.created) == (2, 3, 0)
    acme = Client.objects.get(owner=bob, ref="acme")
    assert (acme.autopay, acme.receipts_enabled, acme.late_fees) == (False, True, "default")
    assert (acme.late_fee_flat_amounts, acme.late_fee_timing) == ({}, "once")
    assert not Invoice.objects.for_owner(bob).filter(autopay_failed_on__isnull=False).exists()
    profile = Profile.objects.get(user=bob)
    assert (profile.late_fee_flat_amounts, profile.late_interest_percent) == ({}, None)
    assert (profile.receipts_enabled, profile.letter_with_final) == (False, False)
    assert not LateFee.objects.exists()


def test_an_older_backup_over_newer_data_keeps_the_fees_and_terms(alice):
    backup_import(owner=alice, document=document())
    before = snapshot(alice)
    profile_before = Profile.objects.filter(user=alice).values().get()

    result = backup_import(owner=alice, document=older_format(document()))

    assert not result.changed
    assert snapshot(alice) == before
    assert Profile.objects.filter(user=alice).values().get() == profile_before
    assert LateFee.objects.for_owner(alice).count() == 2


def test_import_fills_defaults_and_scores_the_clients(alice):
    result = backup_import(owner=alice, document=document())

    assert result.clients.created == 2
    kettu = Client.objects.get(owner=alice, ref="kettu")
    assert not kettu.reminders_enabled
    assert kettu.rate == Decimal("1800")
    draft = Invoice.objects.get(owner=alice, number="K-1")
    assert (draft.currency, draft.state) == ("MYR", Invoice.State.DRAFT)
    profile = Profile.objects.get(user=alice)
    assert profile.target_hourly_rate == Decimal("75.00")
    assert profile.rule_overrides == {"keep_at": 75}
    assert ClientScore.objects.for_owner(alice).count() == 2
    assert (kettu.receipts_enabled, kettu.late_fees, kettu.autopay) == (False, "none", False)
    acme = Client.objects.get(owner=alice, ref="acme")
    assert (acme.late_fee_percent, acme.late_fee_timing) == (Decimal("1.5"), "each_stage")
    assert profile.late_interest_percent == Decimal("8")
    assert (profile.receipts_enabled, profile.letter_with_final) == (True, True)
    assert (profile.late_fee_timing, profile.letter_with_nudge) == ("once", False)
    interest = LateFee.objects.get(invoice__owner=alice, kind="interest")
    assert (interest.currency, interest.rate, interest.waived_on) == ("EUR", Decimal("8"), None)
    assert interest.period_end - interest.period_start == timedelta(days=5)
    assert Invoice.objects.get(owner=alice, number="INV-002").autopay_failed_on == TODAY - (
        timedelta(days=15)
    )


def test_the_example_in_the_docs_imports_and_exports_as_documented(bob):
    text = (Path(__file__).parent.parent / "docs" / "data-format.md").read_text()
    example = re.findall(r"```json\n(.*?)```", text, re.DOTALL)[-1]

    result = backup_import(owner=bob, document=backup_parse(example))

    assert (result.clients.created, result.invoices.created, result.payments.created) == (2, 3, 2)
    assert (result.incidents.created, result.work_logs.created, result.accounts.created) == (
        3,
        2,
        2,
    )
    assert result.fees.created == 2
    assert result.steps.created == 2
    assert not backup_import(owner=bob, document=backup_parse(example)).changed
    exported = backup_export(owner=bob)
    assert exported["clients"][0]["ref"] == "hakim-motors"
    assert exported["clients"][1]["invoices"][1]["payments"][0]["note"] == "First half"
    assert exported["clients"][0]["late_fees"] == "custom"
    fees = exported["clients"][0]["invoices"][0]["fees"]
    assert [(f["kind"], f["stage"], f["amount"]) for f in fees] == [
        ("flat", "nudge", "150.00"),
        ("interest", "paused", "6.23"),
    ]
    assert LateFee.objects.for_owner(bob).first().currency == "MYR"
    assert exported["settings"]["statement_with_final"] is True


def test_dry_run_reports_and_writes_nothing(bob):
    result = backup_import(owner=bob, document=document(), dry_run=True)

    assert result.clients.created == 2
    assert result.invoices.created == 3
    assert result.fees.created == 2
    assert row_counts() == dict.fromkeys(row_counts(), 0)
    assert Profile.objects.get(user=bob).time_zone == "UTC"  # settings not applied either


def test_export_is_deterministic_and_ordered(alice_history):
    first, second = backup_export(owner=alice_history), backup_export(owner=alice_history)
    assert first == second
    assert [c["ref"] for c in first["clients"]] == ["acme", "gone"]
    issued = [i["issued_on"] for i in first["clients"][0]["invoices"]]
    assert issued == sorted(issued)
    assert first["clients"][0]["invoices"][0]["amount"] == "1000.05"


# Bad files: rejected as a whole, every problem by path, nothing written


def set_in(doc: dict, path: tuple, value) -> dict:
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


FUTURE = (TODAY + timedelta(days=3)).isoformat()
BAD_VALUES = [
    (
        ("clients", 0, "incidents", 0, "category"),
        "rudeness",
        'clients[0].incidents[0].category: unknown category "rudeness"',
    ),
    (("clients", 0, "name"), 42, "clients[0].name: must be text"),
    (("clients", 0, "reminders"), "yes", "clients[0].reminders: must be true or false"),
    (("clients", 0, "payment_terms_days"), "14", "clients[0].payment_terms_days: must be a whole"),
    (("clients", 0, "invoices"), {}, "clients[0].invoices: must be a list"),
    (
        ("clients", 0, "invoices", 0, "due_on"),
        "2025-02-30",
        "clients[0].invoices[0].due_on: not a date",
    ),
    (("clients", 0, "started_on"), "12/03/2025", "clients[0].started_on: not a date"),
    (
        ("clients", 0, "invoices", 0, "amount"),
        "-5.00",
        "clients[0].invoices[0].amount: must be more than 0",
    ),
    (
        ("clients", 0, "invoices", 0, "payments", 0, "amount"),
        "0",
        "clients[0].invoices[0].payments[0].amount: must be more than 0",
    ),
    (
        ("clients", 0, "invoices", 0, "amount"),
        1200.5,
        'clients[0].invoices[0].amount: use a decimal string like "1200.00"',
    ),
    (("clients", 0, "rate"), "80,00", 'clients[0].rate: "80,00" is not a decimal number'),
    (
        ("clients", 0, "invoices", 0, "due_on"),
        days_ago(70),
        "clients[0].invoices[0].due_on: The due date cannot be before the issue date.",
    ),
    (
        ("clients", 0, "invoices", 0, "payments", 1, "amount"),
        "1000.01",
        "clients[0].invoices[0].payments[1].amount: That is more than the €1,000.00 still owed",
    ),
    (
        ("clients", 0, "invoices", 0, "payments", 1, "paid_on"),
        FUTURE,
        "clients[0].invoices[0].payments[1].paid_on: A payment cannot be dated in the future.",
    ),
    (("clients", 1, "currency"), "XYZ", 'clients[1].currency: unknown currency "XYZ"'),
    (("clients", 0, "invoices", 1, "currency"), "DEM", "clients[0].invoices[1].currency: unknown"),
    (("clients", 0, "email"), "ops at acme", "clients[0].email: Enter a valid email address."),
    (
        ("clients", 0, "incidents", 1, "severity"),
        6,
        "clients[0].incidents[1].severity: Ensure this value is less than or equal to 5.",
    ),
    (
        ("clients", 0, "incidents", 1, "severity"),
        0,
        "clients[0].incidents[1].severity: Ensure this value is greater than or equal to 1.",
    ),
    (
        ("clients", 0, "name"),
        "x" * 121,
        "clients[0].name: Ensure this value has at most 120 characters (it has 121).",
    ),
    (
        ("clients", 0, "work_logs", 0, "description"),
        "x" * 501,
        "clients[0].work_logs[0].description: Ensure this value has at most 500 characters",
    ),
    (
        ("clients", 0, "incidents", 0, "occurred_on"),
        FUTURE,
        "clients[0].incidents[0].occurred_on: An incident cannot be in the future.",
    ),
    (
        ("clients", 1, "ref"),
        "acme",
        'clients[1].ref: "acme" appears twice in the file (also clients[0])',
    ),
    (
        ("clients", 1, "invoices", 0, "number"),
        "INV-001",
        'clients[1].invoices[0].number: "INV-001" appears twice in the file '
        "(also clients[0].invoices[0])",
    ),
    (
        ("clients", 0, "invoices", 1, "disputed"),
        "no",
        "clients[0].invoices[1].disputed: must be true",
    ),
    (
        ("clients", 0, "invoices", 1, "dispute_reason"),
        "",
        "clients[0].invoices[1].dispute_reason: Say what the client disputes.",
    ),
    (("clients", 0, "language"), "de", 'clients[0].language: unknown language "de"'),
    (("clients", 0, "work_logs", 0, "hours"), "25", "clients[0].work_logs[0].hours: Ensure"),
    (
        ("clients", 0, "accounts", 0, "handed_over_on"),
        days_ago(2),
        'clients[0].accounts[0].handed_over_on: only for an account with "handed_over": true',
    ),
    (
        ("clients", 0, "payment_terms"),
        14,
        'clients[0].payment_terms: unknown field (did you mean "payment_terms_days"?)',
    ),
    (
        ("settings", "rule_overrides"),
        {"keep_at": 500},
        "settings.rule_overrides: unknown or out-of-range rule settings: keep_at",
    ),
    (("settings", "time_zone"), "Mars/Olympus", "settings.time_zone: unknown time zone"),
    (("settings", "target_hourly_rate"), 75.5, "settings.target_hourly_rate: use a decimal string"),
    (("clients",), {"ref": "acme"}, "clients: must be a list"),
    (("version",), 2, "version: 2 is not a known version"),
    # What getting paid added: terms, receipts, autopay and late fees.
    (("settings", "late_fee_flat"), "0", "settings.late_fee_flat: must be more than 0, not 0"),
    (("settings", "late_fee_flat"), 25.5, "settings.late_fee_flat: use a decimal string"),
    (
        ("settings", "late_fee_flat_amounts"),
        {"EUR": "0"},
        "settings.late_fee_flat_amounts: EUR: must be more than 0, not 0",
    ),
    (
        ("settings", "late_fee_flat_amounts"),
        {"DEM": "25.00"},
        'settings.late_fee_flat_amounts: unknown currency "DEM"',
    ),
    (
        ("settings", "late_fee_flat_amounts"),
        "25.00",
        "settings.late_fee_flat_amounts: must be an object like",
    ),
    (
        ("settings", "late_fee_percent"),
        "150",
        "settings.late_fee_percent: must be from 0.01 to 100 (percent), not 150",
    ),
    (
        ("settings", "late_interest_percent"),
        "8.125",
        "settings.late_interest_percent: Ensure that there are no more than 2 decimal places.",
    ),
    (
        ("settings", "late_interest_percent"),
        "8%",
        'settings.late_interest_percent: "8%" is not a decimal number; use a number like "8.5"',
    ),
    (
        ("settings", "late_fee_timing"),
        "weekly",
        'settings.late_fee_timing: unknown late fee timing "weekly"; use one of: once, each_stage',
    ),
    (("settings", "receipts_enabled"), "yes", "settings.receipts_enabled: must be true or false"),
    (
        ("settings", "statement_with_final"),
        None,
        "settings.statement_with_final: must be true or false, not null",
    ),
    (
        ("settings", "receipt"),
        True,
        'settings.receipt: unknown field (did you mean "receipts_enabled"?)',
    ),
    (("clients", 0, "autopay"), 1, "clients[0].autopay: must be true or false, not 1"),
    (("clients", 1, "receipts"), "no", "clients[1].receipts: must be true or false"),
    (
        ("clients", 0, "late_fees"),
        "sometimes",
        'clients[0].late_fees: unknown late fees option "sometimes"; use one of: default, none, '
        "custom",
    ),
    (
        ("clients", 0, "late_fee_percent"),
        0,
        "clients[0].late_fee_percent: must be from 0.01 to 100 (percent), not 0",
    ),
    (
        ("clients", 0, "late_fee_flat"),
        "-15.00",
        "clients[0].late_fee_flat: must be more than 0, not -15.00",
    ),
    (
        ("clients", 0, "invoices", 1, "autopay_failed_on"),
        "last week",
        'clients[0].invoices[1].autopay_failed_on: not a date (use YYYY-MM-DD): "last week"',
    ),
    (("clients", 0, "invoices", 0, "fees"), {}, "clients[0].invoices[0].fees: must be a list"),
    (
        ("clients", 0, "invoices", 0, "fees", 0),
        "late",
        'clients[0].invoices[0].fees[0]: must be an object, not "late"',
    ),
    (
        ("clients", 0, "invoices", 0, "fees", 0, "kind"),
        "penalty",
        'clients[0].invoices[0].fees[0].kind: unknown kind "penalty"; use one of: flat, percent, '
        "interest",
    ),
    (
        ("clients", 0, "invoices", 0, "fees", 1, "stage"),
        "second",
        'clients[0].invoices[0].fees[1].stage: unknown stage "second"; use one of: nudge, paused, '
        "final",
    ),
    (
        ("clients", 0, "invoices", 0, "fees", 0, "amount"),
        "-18.00",
        "clients[0].invoices[0].fees[0].amount: must be more than 0, not -18.00",
    ),
    (
        ("clients", 0, "invoices", 0, "fees", 0, "amount"),
        "18.005",
        "clients[0].invoices[0].fees[0].amount: Ensure that there are no more than 2 decimal",
    ),
    (
        ("clients", 0, "invoices", 0, "fees", 1, "amount"),
        1.32,
        'clients[0].invoices[0].fees[1].amount: use a decimal string like "1200.00"',
    ),
    (
        ("clients", 0, "invoices", 0, "fees", 0, "paid_on"),
        days_ago(40),
        "clients[0].invoices[0].fees[0].waived_on: a fee is either waived or paid, not both",
    ),
    (
        ("clients", 0, "invoices", 0, "fees", 1, "rate"),
        "120",
        "clients[0].invoices[0].fees[1].rate: must be from 0.01 to 100 (percent), not 120",
    ),
    (
        ("clients", 0, "invoices", 0, "fees", 1, "rate"),
        True,
        'clients[0].invoices[0].fees[1].rate: must be a number like "8.5", not true',
    ),
    (
        ("clients", 0, "invoices", 0, "fees", 1, "period_end"),
        days_ago(47),
        f"clients[0].invoices[0].fees[1].period_end: cannot be before period_start "
        f"({days_ago(46)})",
    ),
    (
        ("clients", 0, "invoices", 0, "fees", 1, "charged_on"),
        "2025-02-29",
        "clients[0].invoices[0].fees[1].charged_on: not a date",
    ),
    (
        ("clients", 0, "invoices", 0, "fees", 0, "waive_note"),
        "x" * 501,
        "clients[0].invoices[0].fees[0].waive_note: Ensure this value has at most 500 characters",
    ),
    (
        ("clients", 0, "invoices", 0, "fees", 0, "waived"),
        True,
        'clients[0].invoices[0].fees[0].waived: unknown field (did you mean "waived_on"?)',
    ),
]


@pytest.mark.parametrize(("path", "value", "problem"), BAD_VALUES, ids=[p for *_, p in BAD_VALUES])
def test_a_bad_value_rejects_the_whole_file_naming_its_path(alice_history, path, value, problem):
    counts, before = row_counts(), snapshot(alice_history)
    profile_before = Profile.objects.filter(user=alice_history).values().get()

    problems = problems_of(alice_history, set_in(document(), path, value))

    assert any(p.startswith(problem) for p in problems), problems
    assert row_counts() == counts
    assert snapshot(alice_history) == before
    assert Profile.objects.filter(user=alice_history).values().get() == profile_before


def test_missing_required_fields_are_each_named(alice):
    doc = document()
    del doc["clients"][0]["email"]
    del doc["clients"][0]["invoices"][0]["payments"][0]["paid_on"]
    del doc["clients"][0]["invoices"][0]["fees"][0]["stage"]
    del doc["clients"][0]["invoices"][0]["fees"][1]["charged_on"]
    del doc["clients"][1]["invoices"][0]["amount"]
    assert problems_of(alice, doc) == [
        "clients[0].email: required",
        "clients[0].invoices[0].payments[0].paid_on: required",
        "clients[0].invoices[0].fees[0].stage: required",
        "clients[0].invoices[0].fees[1].charged_on: required",
        "clients[1].invoices[0].amount: required",
    ]


def test_every_problem_in_the_file_is_listed_at_once(bob):
    doc = document()
    doc["clients"][0]["invoices"][0]["due_on"] = "soon"
    doc["clients"][0]["incidents"][1]["category"] = "rudeness"
    doc["clients"][1]["currency"] = "ZZZ"
    doc["clients"][1]["invoices"][0]["payments"] = [{"paid_on": days_ago(1), "amount": 5.5}]

    problems = problems_of(bob, doc)

    assert [p.split(":")[0] for p in problems] == [
        "clients[0].invoices[0].due_on",
        "clients[0].incidents[1].category",
        "clients[1].currency",
        "clients[1].invoices[0].payments[0].amount",
    ]
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_an_invoice_number_of_another_of_my_clients_is_rejected(alice, factories):
    other = factories.client(owner=alice, ref="other")
    factories.invoice(client=other, number="INV-002")

    problems = problems_of(alice, document())

    assert problems == [
        'clients[0].invoices[1].number: "INV-002" is already used by your client "other"'
    ]
    assert Client.objects.for_owner(alice).count() == 1


def test_payments_beyond_the_amount_pass_when_marked_as_overpayment(bob):
    doc = document()
    doc["clients"][0]["invoices"][0]["payments"].append(
        {"paid_on": days_ago(39), "amount": "50.00", "overpayment": True, "note": "Tip"}
    )
    result = backup_import(owner=bob, document=doc)
    assert result.payments.created == 3


def test_lowering_an_invoice_below_what_was_paid_is_rejected(alice):
    backup_import(owner=alice, document=document())
    doc = document()
    doc["clients"][0]["invoices"][0]["amount"] = "1000.00"
    assert problems_of(alice, doc) == [
        "clients[0].invoices[0].amount: "
        "That is less than the €1,200.00 already paid on this invoice."
    ]


def test_invalid_json_is_reported_with_line_and_column():
    with pytest.raises(BackupInvalid) as caught:
        backup_parse(b'{\n  "clients": [\n    {"ref": "acme",}\n  ]\n}')
    assert caught.value.problems == [
        "line 3, column 20: not valid JSON (Expecting property name enclosed in double quotes)"
    ]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"\xff\xfe{}", "document: not UTF-8 text"),
        (b"[]", "document: must be a JSON object"),
        (b'{"clients": [{"rate": NaN}]}', "document: NaN is not a number"),
        ("", "line 1, column 1: not valid JSON"),
    ],
)
def test_a_file_that_is_not_a_json_object_is_rejected(raw, problem):
    with pytest.raises(BackupInvalid) as caught:
        backup_parse(raw)
    assert caught.value.problems[0].startswith(problem)


def test_backup_parse_keeps_fractions_exact_so_floats_are_caught_as_money():
    doc = backup_parse('{"clients": [], "x": 0.1}')
    assert doc["x"] == Decimal("0.1")


def test_import_data_command_lists_every_problem_and_writes_nothing(alice, tmp_path):
    doc = document()
    doc["clients"][0]["invoices"][0]["due_on"] = "2025-13-01"
    doc["clients"][1]["email"] = "nope"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))

    with pytest.raises(CommandError) as caught:
        call_command("import_data", str(path), "--user", "alice")

    lines = str(caught.value).splitlines()
    assert lines[0] == f"Nothing was imported: 2 problems in {path}:"
    assert lines[1].startswith("clients[0].invoices[0].due_on: not a date")
    assert lines[2] == "clients[1].email: Enter a valid email address."
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_import_data_command_rejects_invalid_json_and_unknown_users(alice, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"clients": [}')
    with pytest.raises(CommandError, match="line 1, column 14: not valid JSON"):
        call_command("import_data", str(path), "--user", "alice")
    with pytest.raises(CommandError, match="No freelancer with username 'carol'"):
        call_command("import_data", str(path), "--user", "carol")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_data", str(tmp_path / "missing.json"), "--user", "alice")
    with pytest.raises(CommandError, match="No freelancer with username 'carol'"):
        call_command("export_data", "--user", "carol")


def test_import_data_reports_a_second_run_as_nothing_to_change(alice, tmp_path):
    path = tmp_path / "clients.json"
    path.write_text(json.dumps(document()))
    call_command("import_data", str(path), "--user", "alice", stdout=StringIO())
    out = StringIO()
    call_command("import_data", str(path), "--user", "alice", stdout=out)
    assert out.getvalue().startswith("Nothing to change")


# Size: bulk writes, a fixed number of queries


def big_document(clients: int, invoices: int) -> dict:
    doc = {"clients": []}
    for c in range(clients):
        base = copy.deepcopy(document()["clients"][0])
        base["ref"] = f"client-{c}"
        base["name"] = f"Client {c}"
        base["invoices"] = [
            {
                "number": f"C{c}-{i}",
                "issued_on": days_ago(10 + i * 7),
                "due_on": days_ago(i * 7),
                "amount": "500.00",
                "payments": [{"paid_on": days_ago(i * 7), "amount": "500.00"}] if i % 2 else [],
                "fees": [
                    {
                        "kind": "flat",
                        "stage": "nudge",
                        "amount": "25.00",
                        "charged_on": days_ago(i * 7),
                    }
                ]
                if i % 3 == 0
                else [],
            }
            for i in range(invoices)
        ]
        doc["clients"].append(base)
    return doc


@pytest.mark.parametrize(("clients", "invoices"), [(2, 3), (100, 40)])
def test_import_uses_a_fixed_number_of_queries_whatever_the_size(
    bob, monkeypatch, django_assert_max_num_queries, clients, invoices
):
    # Django 5.2 assumes SQLite's pre-3.32 cap of 999 variables per statement and splits
    # each bulk insert into dozens. The SQLite linked here (like PostgreSQL) takes far more;
    # measure the import's own queries, not that assumption.
    import sqlite3

    if connection.vendor == "sqlite":
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        monkeypatch.setattr(connection.features, "max_query_params", limit)
    doc = big_document(clients, invoices)

    with django_assert_max_num_queries(30):
        result = backup_import(owner=bob, document=doc)

    assert result.invoices.created == clients * invoices
    assert Invoice.objects.for_owner(bob).count() == clients * invoices
    assert LateFee.objects.for_owner(bob).count() == result.fees.created > 0
    assert ClientScore.objects.for_owner(bob).count() == clients

    # Matching a second time (fees by kind and stage) is a fixed number of queries too.
    with django_assert_max_num_queries(30):
        assert not backup_import(owner=bob, document=doc).changed


# Tenancy


def test_an_import_never_touches_another_freelancers_rows(alice, bob, factories):
    # Bob uses the same ref and invoice number as alice's file: they are his, not hers.
    bobs = factories.client(owner=bob, ref="acme", name="Bob's Acme")
    add_fees(factories.invoice(client=bobs, number="INV-001"))
    factories.incident(client=bobs)
    factories.work_log(client=bobs)
    factories.account_item(client=bobs, name="Facebook page")
    before = snapshot(bob)

    result = backup_import(owner=alice, document=document())

    assert result.clients.created == 2
    assert result.invoices.created == 3
    assert result.fees.created == 2
    assert snapshot(bob) == before
    assert Client.objects.get(owner=alice, ref="acme").name == "Acme Studio"


def test_export_has_none_of_another_freelancers_data(alice_history, bob, factories):
    bobs = factories.client(owner=bob, ref="bobs-only", name="Bob Exclusive", email="b@bob.example")
    bob_fee = add_fees(factories.invoice(client=bobs, number="BOB-INV-1"))[0]
    bob_fee.waive_note = "Bob's own fee"
    bob_fee.save()
    factories.incident(client=bobs, description="Bob's own incident")
    factories.work_log(client=bobs, description="Bob's own work")
    factories.account_item(client=bobs, name="Bob's own account")
    out = StringIO()

    call_command("export_data", "--user", "alice", stdout=out)

    text = out.getvalue()
    for secret in ("bobs-only", "Bob Exclusive", "BOB-INV-1", "Bob's own"):
        assert secret not in text
    exported = json.loads(text)
    assert len(exported["clients"]) == Client.objects.for_owner(alice_history).count()


def test_export_of_a_new_freelancer_is_empty_and_creates_nothing(bob):
    exported = backup_export(owner=bob)
    assert exported["clients"] == []
    assert exported["settings"]["currency"] == "EUR"
    assert Profile.objects.filter(user=bob).count() == 1  # the one sign-up made
    assert backup_import(owner=bob, document=exported).settings.unchanged == 1


def test_import_of_an_unchanged_file_does_not_touch_the_scores(alice):
    backup_import(owner=alice, document=document())
    ClientScore.objects.for_owner(alice).update(as_of=date(2000, 1, 1))
    backup_import(owner=alice, document=document())
    assert set(ClientScore.objects.for_owner(alice).values_list("as_of", flat=True)) == {
        date(2000, 1, 1)
    }


def test_a_backup_with_one_flat_fee_gives_it_to_the_own_currency(bob):
    doc = older_format(document())
    doc["settings"]["currency"] = "MYR"
    doc["settings"]["late_fee_flat"] = "25.00"
    doc["clients"][0].update(late_fees="custom", late_fee_flat="15.00", currency="IDR")
    doc["clients"][1]["late_fee_flat"] = None
    backup_import(owner=bob, document=doc)
    assert Profile.objects.get(user=bob).late_fee_flat_amounts == {"MYR": "25.00"}
    acme = Client.objects.get(owner=bob, ref=doc["clients"][0]["ref"])
    assert acme.late_fee_flat_amounts == {"IDR": "15.00"}
    other = Client.objects.get(owner=bob, ref=doc["clients"][1]["ref"])
    assert other.late_fee_flat_amounts == {}


def test_flat_fees_per_currency_round_trip(bob):
    backup_import(owner=bob, document=document())
    profile = Profile.objects.get(user=bob)
    assert profile.late_fee_flat_amounts == {"EUR": "25.00", "IDR": "400000.00"}
    exported = backup_export(owner=bob)
    assert exported["settings"]["late_fee_flat_amounts"] == {"EUR": "25.00", "IDR": "400000.00"}
    assert "late_fee_flat" not in exported["settings"]


# Exchange rates


def test_exchange_rates_round_trip_and_importing_them_again_changes_nothing(alice_history, bob):
    exported = backup_export(owner=alice_history)
    assert exported["settings"]["exchange_rates"] == [
        {"base": "EUR", "quote": "MYR", "date": str(TODAY - timedelta(days=40)), "rate": "4.9512"},
        {"base": "EUR", "quote": "MYR", "date": str(TODAY - timedelta(days=3)), "rate": "5.08"},
        {"base": "USD", "quote": "MYR", "date": str(TODAY), "rate": "4"},
    ]

    backup_import(owner=bob, document=json.loads(json.dumps(exported)))

    assert ExchangeRate.objects.for_owner(bob).count() == 3
    assert (
        backup_export(owner=bob)["settings"]["exchange_rates"]
        == exported["settings"]["exchange_rates"]
    )
    again = backup_import(owner=bob, document=json.loads(json.dumps(exported)))
    assert again.settings.unchanged == 1
    assert not again.changed


def test_an_imported_rate_updates_the_stored_one_of_the_same_pair_and_day(alice_history):
    exported = backup_export(owner=alice_history)
    exported["settings"]["exchange_rates"][1]["rate"] = "5.10"
    exported["settings"]["exchange_rates"].append(
        {"base": "EUR", "quote": "IDR", "date": "2024-01-04", "rate": "16998.42"}
    )

    result = backup_import(owner=alice_history, document=exported)

    assert result.settings.updated == 1
    rates = dict(
        ExchangeRate.objects.for_owner(alice_history)
        .values_list("quote", "rate")
        .filter(on__in=[TODAY - timedelta(days=3), date(2024, 1, 4)])
    )
    assert rates == {"MYR": Decimal("5.10"), "IDR": Decimal("16998.42")}


def test_a_backup_from_before_exchange_rates_imports_and_keeps_the_stored_rates(alice_history):
    old = backup_export(owner=alice_history)
    del old["settings"]["exchange_rates"]

    result = backup_import(owner=alice_history, document=old)

    assert not result.changed
    assert ExchangeRate.objects.for_owner(alice_history).count() == 3


@pytest.mark.parametrize(
    ("rate", "problem"),
    [
        (
            {"base": "EUR", "quote": "XXQ", "date": "2024-01-04", "rate": "1"},
            "quote: unknown currency",
        ),
        (
            {"base": "EUR", "quote": "EUR", "date": "2024-01-04", "rate": "1"},
            "Choose two different",
        ),
        (
            {"base": "EUR", "quote": "USD", "date": "2024-01-04", "rate": "0"},
            "rate: must be more than 0",
        ),
        (
            {"base": "EUR", "quote": "USD", "date": "2024-01-04", "rate": "-2"},
            "must be more than 0",
        ),
        ({"base": "EUR", "quote": "USD", "date": "4.1.2024", "rate": "1"}, "date: not a date"),
        ({"base": "EUR", "quote": "USD", "date": "2024-01-04"}, "rate: required"),
        ({"base": "EUR", "quote": "USD", "date": "2024-01-04", "rate": "1.123456789"}, "8 decimal"),
        ({"base": "EUR", "quote": "USD", "date": "2024-01-04", "rate": "1", "x": 1}, "x: unknown"),
    ],
)
def test_a_bad_exchange_rate_rejects_the_whole_file(bob, rate, problem):
    doc = document()
    doc["settings"] = {"exchange_rates": [rate]}

    with pytest.raises(BackupInvalid) as error:
        backup_import(owner=bob, document=doc)

    assert any(
        p.startswith("settings.exchange_rates[0]") and problem in p for p in error.value.problems
    ), error.value.problems
    assert not ExchangeRate.objects.exists()
    assert not Client.objects.exists()


def test_the_same_rate_twice_in_one_file_is_rejected(bob):
    doc = document()
    same = {"base": "EUR", "quote": "USD", "date": "2024-01-04", "rate": "1.09"}
    doc["settings"] = {"exchange_rates": [same, {**same, "rate": "1.1"}]}

    with pytest.raises(BackupInvalid) as error:
        backup_import(owner=bob, document=doc)

    assert error.value.problems == [
        "settings.exchange_rates[1]: the same currencies and date as settings.exchange_rates[0]"
    ]


def test_an_old_file_with_warned_incidents_imports_them_as_warned_steps(alice):
    doc = older_format(document())
    scope = doc["clients"][0]["incidents"][1]
    scope["client_was_warned"] = True
    doc["clients"][0]["incidents"][0]["client_was_warned"] = False

    result = backup_import(owner=alice, document=doc)

    assert result.incidents.created == 2
    assert result.steps.created == 1
    step = Step.objects.for_owner(alice).get()
    assert (step.kind, step.addresses) == ("warned", "scope_change")
    assert step.taken_on.isoformat() == scope["occurred_on"]
    # Again, or as the export it now makes (the step, no flag): nothing new.
    assert not backup_import(owner=alice, document=doc).changed
    assert not backup_import(owner=alice, document=backup_export(owner=alice)).changed


def test_a_step_in_the_future_or_of_an_unknown_kind_is_named_and_nothing_is_written(alice):
    doc = document()
    doc["clients"][0]["steps"] = [
        {"kind": "shouted", "taken_on": days_ago(1)},
        {"kind": "warned", "taken_on": days_ago(-2), "about": "rudeness"},
    ]

    with pytest.raises(BackupInvalid) as error:
        backup_import(owner=alice, document=doc)

    text = "\n".join(error.value.problems)
    assert 'clients[0].steps[0].kind: unknown kind "shouted"' in text
    assert "clients[0].steps[1].about: unknown kind of trouble" in text
    assert "clients[0].steps[1].taken_on: A step cannot be in the future." in text
    assert not Step.objects.exists()
    assert not Client.objects.filter(owner=alice).exists()
