"""Random ladders: sends by hand and daily runs, interleaved with payments, disputes and
days passing. Whatever the order, the client never gets a stage before its day, one after
a later one, one on a paid or disputed invoice, or the same stage twice."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clients.services import profile_for
from invoices import reminders
from invoices.models import LADDER, Invoice, Payment, Reminder, Stage
from redflags.assess import today_for

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

days_pass = st.tuples(st.just("days"), st.integers(1, 10))
daily_run = st.tuples(st.just("run"), st.none())
by_hand = st.tuples(st.just("by_hand"), st.tuples(st.sampled_from(LADDER), st.booleans()))
# Days, runs and clicks weigh more than payments and disputes, so ladders get climbed.
steps = st.lists(
    st.one_of(
        days_pass,
        days_pass,
        daily_run,
        daily_run,
        by_hand,
        by_hand,
        st.tuples(st.just("pay"), st.sampled_from(["100.00", "100.00", "1200.00"])),
        st.tuples(st.just("dispute"), st.booleans()),
    ),
    min_size=8,
    max_size=30,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    overdue=st.integers(-5, 30),
    nudge=st.integers(1, 5),
    pause=st.integers(6, 12),
    final=st.integers(13, 25),
    steps=steps,
)
def test_the_ladder_never_tells_a_lie(
    alice, factories, settings, overdue, nudge, pause, final, steps
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    days = {Stage.NUDGE: nudge, Stage.PAUSED: pause, Stage.FINAL: final}
    with transaction.atomic():
        mail.outbox = []
        profile = profile_for(alice)
        profile.reminder_nudge_days, profile.reminder_pause_days = nudge, pause
        profile.reminder_final_days = final
        profile.save()
        now = START
        with time_machine.travel(now, tick=False):
            today = today_for(alice)
            invoice = factories.invoice(
                client=factories.client(owner=alice),
                issued_on=today - timedelta(days=overdue + 14),
                due_on=today - timedelta(days=overdue),
                amount=Decimal("1200.00"),
            )
        sent_before: dict[str, datetime] = {}
        for action, value in steps:
            if action == "days":
                now += timedelta(days=value)
                continue
            with time_machine.travel(now, tick=False):
                today = today_for(alice)
                facts = Invoice.objects.with_paid().get(pk=invoice.pk)
                paid, disputed = facts.paid_total >= facts.amount, facts.disputed
                if action == "run":
                    reminders.freelancer_reminders_run(owner=alice, as_of=today)
                elif action == "by_hand":
                    stage, skip = value
                    preview = reminders.reminder_send_preview(
                        invoice=facts, stage=stage, profile=profile
                    )
                    try:
                        reminders.reminder_send_now(
                            invoice=invoice,
                            stage=stage,
                            confirmation=preview.confirmation,
                            skip_earlier=skip,
                        )
                        event(f"{stage} sent by hand{' skipping' if skip else ''}")
                    except ValidationError as exc:
                        event("refused: " + exc.messages[0][:40])
                elif action == "pay":
                    Payment.objects.create(invoice=invoice, paid_on=today, amount=Decimal(value))
                elif action == "dispute":
                    Invoice.objects.filter(pk=invoice.pk).update(
                        disputed=value, dispute_reason="Says the logo was late" if value else ""
                    )
            sent_now = dict(
                Reminder.objects.filter(invoice=invoice, state=Reminder.State.SENT).values_list(
                    "stage", "sent_at"
                )
            )
            for stage in sent_now.keys() - sent_before.keys():
                stage = Stage(stage)
                event(f"{stage} sent")
                assert not paid, f"{stage} sent on a paid invoice"
                assert not disputed, f"{stage} sent on a disputed invoice"
                assert (today - invoice.due_on).days >= days[stage], f"{stage} before its day"
                later = LADDER[LADDER.index(stage) + 1 :]
                assert not any(s in sent_before for s in later), f"{stage} after a later one"
            sent_before = sent_now
        ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
        assert len(ids) == len(set(ids)) == len(sent_before), "a stage went out twice"
        transaction.set_rollback(True)
