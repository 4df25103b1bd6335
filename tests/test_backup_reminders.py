"""The history of reminders sent travels with a backup: exported as sent, imported as sent
(so the ladder does not send a stage again), never rewriting what an invoice already has."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from clients.backup import BackupInvalid, backup_export, backup_import
from invoices import reminders
from invoices.models import Invoice, Reminder, Stage
from tests.test_import_pages import client_data

TODAY = timezone.localdate()
SENT_AT = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)


def overdue_document() -> dict:
    """One client, one unpaid invoice 40 days overdue, its nudge sent."""
    data = client_data("slow", invoices=1)
    invoice = data["invoices"][0]
    invoice |= {
        "issued_on": (TODAY - timedelta(days=54)).isoformat(),
        "due_on": (TODAY - timedelta(days=40)).isoformat(),
        "payments": [],
        "reminders_sent": [
            {
                "stage": "nudge",
                "due_on": (TODAY - timedelta(days=37)).isoformat(),
                "sent_at": SENT_AT.isoformat(),
                "trigger": "automatic",
                "recipient": "slow@example.com",
                "subject": "A friendly nudge about slow-0000",
                "body_text": "Hello,\n\nInvoice slow-0000 may have slipped through.",
            }
        ],
    }
    return {"clients": [data]}


def test_sent_reminders_round_trip_and_are_not_sent_again(alice, bob):
    backup_import(owner=alice, document=overdue_document())
    nudge = Reminder.objects.get(invoice__owner=alice)
    assert (nudge.stage, nudge.state, nudge.sent_at) == (Stage.NUDGE, Reminder.State.SENT, SENT_AT)

    exported = backup_export(owner=alice)
    [sent] = exported["clients"][0]["invoices"][0]["reminders_sent"]
    assert sent["sent_at"] == "2026-11-20T14:05:00+00:00"
    assert sent["body_text"].startswith("Hello,")

    result = backup_import(owner=bob, document=exported)
    assert result.reminders.created == 1
    # The ladder sees the nudge as sent: only the later stages are claimed.
    invoice = Invoice.objects.get(owner=bob)
    reminders.reminders_claim_due(owner=bob, as_of=TODAY)
    stages = dict(Reminder.objects.filter(invoice=invoice).values_list("stage", "state"))
    assert stages[Stage.NUDGE] == Reminder.State.SENT
    assert Reminder.objects.filter(invoice=invoice, stage=Stage.NUDGE).count() == 1


def test_importing_the_history_again_changes_nothing(alice):
    backup_import(owner=alice, document=overdue_document())
    again = backup_import(owner=alice, document=overdue_document())
    assert (again.reminders.created, again.reminders.unchanged) == (0, 1)
    assert Reminder.objects.count() == 1


def test_only_sent_reminders_are_exported(alice):
    backup_import(owner=alice, document=overdue_document())
    invoice = Invoice.objects.get(owner=alice)
    Reminder.objects.create(invoice=invoice, stage=Stage.PAUSED, due_on=TODAY)  # waiting
    [invoice_data] = backup_export(owner=alice)["clients"][0]["invoices"]
    assert [r["stage"] for r in invoice_data["reminders_sent"]] == ["nudge"]


def test_an_older_backup_without_the_history_still_imports(alice):
    document = overdue_document()
    del document["clients"][0]["invoices"][0]["reminders_sent"]
    result = backup_import(owner=alice, document=document)
    assert result.invoices.created == 1
    assert not Reminder.objects.exists()


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("stage", "gentle", 'stage: unknown stage "gentle"'),
        ("sent_at", "2026-11-20 14:05", "sent_at: not a moment with its offset"),
        (
            "sent_at",
            "2099-01-01T00:00:00+00:00",
            "sent_at: a reminder cannot be sent in the future",
        ),
        ("recipient", "not an address", "recipient: Enter a valid email address."),
        ("subject", "x" * 301, "subject: Ensure this value has at most 300 characters"),
    ],
)
def test_a_bad_reminder_is_named_by_path_and_nothing_is_written(alice, key, value, problem):
    document = overdue_document()
    document["clients"][0]["invoices"][0]["reminders_sent"][0][key] = value
    with pytest.raises(BackupInvalid) as caught:
        backup_import(owner=alice, document=document)
    where = "clients[0].invoices[0].reminders_sent[0]."
    assert any(p.startswith(where + problem) for p in caught.value.problems), caught.value.problems
    assert not Invoice.objects.exists()


def test_the_same_stage_twice_is_refused(alice):
    document = overdue_document()
    history = document["clients"][0]["invoices"][0]["reminders_sent"]
    history.append(dict(history[0]))
    with pytest.raises(BackupInvalid) as caught:
        backup_import(owner=alice, document=document)
    assert caught.value.problems[0].startswith(
        'clients[0].invoices[0].reminders_sent[1].stage: a "nudge" reminder appears twice'
    )
