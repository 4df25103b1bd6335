"""The facts the rules engine reads, as built from the database."""

from datetime import timedelta

from django.utils import timezone

from invoices.models import Reminder, Stage
from redflags.assess import client_facts


def test_facts_count_the_reminders_sent_per_invoice_in_a_fixed_number_of_queries(
    alice, acme, bob, factories, django_assert_num_queries
):
    today = timezone.localdate()
    chased = factories.invoice(client=acme, issued_on=today - timedelta(days=60))
    never = factories.invoice(client=acme, issued_on=today - timedelta(days=50))
    for stage, state in ((Stage.NUDGE, Reminder.State.SENT), (Stage.PAUSED, Reminder.State.SENT)):
        Reminder.objects.create(invoice=chased, stage=stage, due_on=today, state=state)
    Reminder.objects.create(
        invoice=never, stage=Stage.NUDGE, due_on=today, state=Reminder.State.FAILED
    )
    other = factories.client(owner=alice)
    factories.invoice(client=other)
    factories.invoice(client=factories.client(owner=bob))

    with django_assert_num_queries(6):  # clients and five tables: one query each
        facts = client_facts(alice)

    sent = {invoice.id: invoice.reminders_sent for invoice in facts[acme.pk].invoices}
    assert sent == {chased.pk: 2, never.pk: 0}
    assert [invoice.reminders_sent for invoice in facts[other.pk].invoices] == [0]
    assert set(facts) == {acme.pk, other.pk}
