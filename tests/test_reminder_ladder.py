"""The ladder only tells the truth: a stage goes out, by hand or by the daily run, only
when its facts hold, never after a later one, and what the client reads is what happened."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from clients.models import Client, LateFeeChoice
from clients.services import profile_for
from invoices import reminders
from invoices.models import Invoice, LateFee, Reminder, Stage
from invoices.reminders import LadderFacts, next_stage, stage_sendable
from invoices.services import payment_record
from redflags.assess import today_for

DAYS = {Stage.NUDGE: 1, Stage.PAUSED: 7, Stage.FINAL: 21}
DUE = date(2026, 11, 16)


def facts(overdue: int, rows=None, **changes) -> LadderFacts:
    values = {
        "today": DUE + timedelta(days=overdue),
        "due_on": DUE,
        "days": DAYS,
        "invoice_state": "sent",
        "paid_in_full": False,
        "disputed": False,
        "reminders_on": True,
        "autopay_held": False,
        "rows": rows or {},
    }
    return LadderFacts(**(values | changes))


# --- The one function that says why not (no database) -----------------------------------


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_nudge_before_its_day_is_not_due_and_says_from_when():
    verdict = stage_sendable(facts(-7), Stage.NUDGE)
    assert not verdict.ok and not verdict.can_send
    assert verdict.reason == "Not due yet: the “Friendly nudge” can go out from November 17, 2026."


def test_a_final_notice_on_an_invoice_due_in_7_days_cannot_go_out():
    verdict = stage_sendable(facts(-7), Stage.FINAL, skip_earlier=True)
    assert not verdict.ok
    assert "Not due yet" in verdict.reason and "December 7, 2026" in verdict.reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"paid_in_full": True}, "Paid in full: nothing to remind."),
        ({"disputed": True}, "Disputed: reminders wait until the dispute is settled."),
        ({"invoice_state": "draft"}, "Still a draft: nothing to remind."),
        ({"invoice_state": "written_off"}, "Written off: nothing to remind."),
        ({"reminders_on": False}, "Reminders are off for this invoice or its client"),
        ({"autopay_held": True}, "the client pays by autopay"),
    ],
)
def test_an_invoice_not_to_remind_says_why(change, reason):
    verdict = stage_sendable(facts(30, **change), Stage.NUDGE)
    assert not verdict.ok and not verdict.can_send
    assert reason in verdict.reason


def test_a_stage_already_sent_says_when():
    rows = {"nudge": ("sent", DUE + timedelta(days=1))}
    verdict = stage_sendable(facts(3, rows), Stage.NUDGE)
    assert not verdict.can_send
    assert verdict.reason == "The “Friendly nudge” was already sent on November 17, 2026."


def test_no_stage_after_a_later_one():
    rows = {"final": ("sent", DUE + timedelta(days=25)), "nudge": ("skipped", DUE)}
    verdict = stage_sendable(facts(30, rows), Stage.PAUSED, skip_earlier=True)
    assert not verdict.can_send
    assert "The “Final notice” already went out on December 11, 2026" in verdict.reason
    queued = stage_sendable(facts(30, {"paused": ("pending", DUE)}), Stage.NUDGE)
    assert not queued.can_send and "already under way" in queued.reason


def test_a_later_stage_with_the_earlier_ones_unsent_needs_the_skip_confirmed():
    verdict = stage_sendable(facts(30), Stage.FINAL)
    assert not verdict.ok and verdict.needs_skip
    assert verdict.skips == (Stage.NUDGE, Stage.PAUSED)
    assert "“Friendly nudge”, “Work paused”" in verdict.reason
    confirmed = stage_sendable(facts(30), Stage.FINAL, skip_earlier=True)
    assert confirmed.ok and confirmed.skips == (Stage.NUDGE, Stage.PAUSED)


def test_earlier_stages_sent_or_skipped_let_the_next_one_go():
    rows = {"nudge": ("skipped", DUE), "paused": ("sent", DUE + timedelta(days=7))}
    verdict = stage_sendable(facts(21, rows), Stage.FINAL)
    assert verdict.ok and verdict.skips == ()


def test_an_earlier_stage_being_sent_holds_the_next_one():
    verdict = stage_sendable(facts(8, {"nudge": ("sending", DUE)}), Stage.PAUSED, skip_earlier=True)
    assert not verdict.can_send and "being sent right now" in verdict.reason


def test_next_stage_never_claims_below_the_highest_claimed():
    assert next_stage(days_overdue=30, already={"paused"}, days=DAYS) == Stage.FINAL
    assert next_stage(days_overdue=30, already={"final"}, days=DAYS) is None
    assert next_stage(days_overdue=10, already={"paused"}, days=DAYS) is None
    assert next_stage(days_overdue=10, already=set(), days=DAYS) == Stage.NUDGE


# --- Sending by hand, against a real SMTP server ------------------------------------------


pytestmark = pytest.mark.django_db(databases=["default"])


def make_invoice(factories, owner, overdue: int, **fields):
    today = today_for(owner)
    client = factories.client(owner=owner, name="Slow Pay Ltd", email="ap@slowpay.example")
    return factories.invoice(
        client=client,
        number=fields.pop("number", "INV-7"),
        issued_on=today - timedelta(days=overdue + 14),
        due_on=today - timedelta(days=overdue),
        amount=Decimal("1200.00"),
        **fields,
    )


def by_hand(invoice, stage, *, skip=False, confirmation=None, **kwargs):
    """What the preview then the confirm button do."""
    if confirmation is None:
        preview = reminders.reminder_send_preview(
            invoice=Invoice.objects.with_paid().select_related("client").get(pk=invoice.pk),
            stage=stage,
            profile=profile_for(invoice.owner),
        )
        confirmation = preview.confirmation
    return reminders.reminder_send_now(
        invoice=invoice, stage=stage, confirmation=confirmation, skip_earlier=skip, **kwargs
    )


def test_a_final_notice_for_an_invoice_due_in_7_days_is_refused_and_nothing_is_stored(
    smtp_server, alice, factories
):
    invoice = make_invoice(factories, alice, overdue=-7)
    with pytest.raises(ValidationError, match="Not due yet"):
        by_hand(invoice, Stage.FINAL, skip=True, confirmation="anything")
    assert smtp_server.mailbox.messages == []
    assert not Reminder.objects.exists()
    assert Client.objects.get(pk=invoice.client_id).status == Client.Status.ACTIVE


def test_a_paid_invoice_is_refused_by_hand(smtp_server, alice, factories):
    invoice = make_invoice(factories, alice, overdue=30)
    payment_record(invoice=invoice, paid_on=today_for(alice), amount=Decimal("1200.00"))
    with pytest.raises(ValidationError, match="Paid in full"):
        by_hand(invoice, Stage.NUDGE, confirmation="x")
    assert smtp_server.mailbox.messages == []


def test_a_send_by_hand_needs_the_confirmation_of_the_email_read(smtp_server, alice, factories):
    invoice = make_invoice(factories, alice, overdue=3)
    with pytest.raises(ValidationError, match="changed since you read it"):
        by_hand(invoice, Stage.NUDGE, confirmation="not what was shown")
    assert smtp_server.mailbox.messages == []
    assert not Reminder.objects.exists()
    reminder = by_hand(invoice, Stage.NUDGE)
    assert reminder.state == Reminder.State.SENT
    assert reminder.trigger == Reminder.Trigger.MANUAL
    assert len(smtp_server.mailbox.messages) == 1


def test_skipping_needs_its_own_confirmation_and_is_recorded(smtp_server, alice, factories):
    invoice = make_invoice(factories, alice, overdue=30)
    with pytest.raises(ValidationError, match="Not sent yet"):
        by_hand(invoice, Stage.FINAL)
    assert not Reminder.objects.exists()
    by_hand(invoice, Stage.FINAL, skip=True)
    assert dict(Reminder.objects.values_list("stage", "state")) == {
        "nudge": "skipped",
        "paused": "skipped",
        "final": "sent",
    }
    # The daily run never sends a skipped stage later, nor anything below the final.
    for day in range(30, 60):
        reminders.freelancer_reminders_run(owner=alice, as_of=invoice.due_on + timedelta(days=day))
    assert len(smtp_server.mailbox.messages) == 1


def test_a_final_notice_with_nothing_sent_before_does_not_speak_of_earlier_reminders(
    smtp_server, alice, factories
):
    invoice = make_invoice(factories, alice, overdue=30)
    by_hand(invoice, Stage.FINAL, skip=True)
    [message] = smtp_server.mailbox.messages
    for body in (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    ):
        assert "earlier reminder" not in body
        assert "on hold" not in body
        assert "remains unpaid. This is my final notice." in body


@pytest.mark.parametrize(
    ("sent", "words"),
    [
        (["nudge"], "Despite my earlier reminder, invoice INV-7"),
        (["paused"], "Despite my earlier reminder, invoice INV-7"),
        (["nudge", "paused"], "Despite my earlier reminders, invoice INV-7"),
    ],
)
def test_the_final_notice_says_which_reminders_went_before(
    smtp_server, alice, factories, sent, words
):
    invoice = make_invoice(factories, alice, overdue=30)
    for stage in sent:
        by_hand(invoice, Stage(stage), skip=True)
    by_hand(invoice, Stage.FINAL, skip=True)
    final = smtp_server.mailbox.messages[-1].get_body(("plain",)).get_content()
    assert words in final
    assert ("work on your account is on hold" in final) == ("paused" in sent)


def test_a_final_notice_in_finnish_after_no_reminders_is_translated(smtp_server, alice, factories):
    invoice = make_invoice(factories, alice, overdue=30)
    client = invoice.client
    client.language = "fi"
    client.save()
    by_hand(invoice, Stage.FINAL, skip=True)
    body = smtp_server.mailbox.messages[0].get_body(("plain",)).get_content()
    assert "Tämä on viimeinen maksukehotukseni." in body
    assert "muistutuksistani" not in body


def test_work_paused_sent_by_hand_pauses_the_client(smtp_server, alice, factories):
    invoice = make_invoice(factories, alice, overdue=8)
    by_hand(invoice, Stage.NUDGE)
    by_hand(invoice, Stage.PAUSED)
    assert Client.objects.get(pk=invoice.client_id).status == Client.Status.PAUSED


def test_after_work_paused_by_hand_the_daily_run_sends_no_nudge(smtp_server, alice, factories):
    invoice = make_invoice(factories, alice, overdue=8)
    by_hand(invoice, Stage.PAUSED, skip=True)
    for day in range(8, 21):
        reminders.freelancer_reminders_run(owner=alice, as_of=invoice.due_on + timedelta(days=day))
    assert len(smtp_server.mailbox.messages) == 1
    assert Reminder.objects.get(stage="nudge").state == Reminder.State.SKIPPED
    reminders.freelancer_reminders_run(owner=alice, as_of=invoice.due_on + timedelta(days=21))
    assert [m["subject"] for m in smtp_server.mailbox.messages][-1].startswith("Final notice")


def test_a_stage_sent_or_being_sent_is_never_set_back_to_waiting(smtp_server, alice, factories):
    invoice = make_invoice(factories, alice, overdue=3)
    preview = reminders.reminder_send_preview(
        invoice=reminders.remindable_invoices().get(pk=invoice.pk),
        stage=Stage.NUDGE,
        profile=profile_for(alice),
    )
    by_hand(invoice, Stage.NUDGE, confirmation=preview.confirmation)
    # A second click with the same page: refused, the row stays sent, nothing resent.
    with pytest.raises(ValidationError, match="already sent"):
        by_hand(invoice, Stage.NUDGE, confirmation=preview.confirmation)
    Reminder.objects.update(state=Reminder.State.SENDING)
    with pytest.raises(ValidationError, match="being sent"):
        by_hand(invoice, Stage.NUDGE, confirmation=preview.confirmation)
    assert Reminder.objects.get().state == Reminder.State.SENDING
    assert len(smtp_server.mailbox.messages) == 1


def test_a_failed_send_by_hand_keeps_its_late_fee_for_the_retry(smtp_server, alice, factories):
    profile = profile_for(alice)
    profile.late_fee_flat_amounts = {"EUR": "40.00"}
    profile.late_fees_with_nudge = True  # the nudge charges nothing unless chosen
    profile.save()
    invoice = make_invoice(factories, alice, overdue=3)
    assert invoice.client.late_fees != LateFeeChoice.NONE
    smtp_server.mailbox.refusals = 1
    reminder = by_hand(invoice, Stage.NUDGE)
    assert reminder.state == Reminder.State.PENDING
    assert LateFee.objects.filter(invoice=invoice, stage="nudge").count() == 1
    Reminder.objects.update(next_attempt_at=None)  # the back-off has passed
    reminders.reminders_deliver()
    [message] = smtp_server.mailbox.messages
    assert "€40.00" in message.get_body(("plain",)).get_content()


def test_a_request_that_fails_before_its_commit_leaves_no_reminder_without_its_fee(
    alice, factories, monkeypatch
):
    profile = profile_for(alice)
    profile.late_fee_flat_amounts = {"EUR": "40.00"}
    profile.save()
    invoice = make_invoice(factories, alice, overdue=3)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(reminders, "fees_charge_with_reminders", broken)
    with pytest.raises(RuntimeError):
        by_hand(invoice, Stage.NUDGE)
    assert not Reminder.objects.exists()


# --- The pages ---------------------------------------------------------------------------


def page_text(response) -> str:
    import html

    return html.unescape(response.content.decode())


def test_the_preview_of_a_stage_not_due_shows_why_and_no_send_button(
    alice_client, alice, factories
):
    invoice = make_invoice(factories, alice, overdue=-7)
    response = alice_client.get(reverse("reminder_preview", args=[invoice.pk, "nudge"]))
    text = page_text(response)
    assert "Not due yet: the “Friendly nudge” can go out from" in text
    assert 'class="email-text"' not in text
    assert reverse("reminder_send", args=[invoice.pk, "nudge"]) not in text


def test_the_preview_of_a_paid_invoice_says_nothing_to_remind(alice_client, alice, factories):
    invoice = make_invoice(factories, alice, overdue=30)
    payment_record(invoice=invoice, paid_on=today_for(alice), amount=Decimal("1200.00"))
    text = page_text(alice_client.get(reverse("reminder_preview", args=[invoice.pk, "final"])))
    assert "Paid in full: nothing to remind." in text
    assert "Send “" not in text


def test_the_invoice_page_offers_preview_only_where_a_send_is_possible(
    alice_client, alice, factories
):
    invoice = make_invoice(factories, alice, overdue=3)
    text = page_text(alice_client.get(reverse("invoice_detail", args=[invoice.pk])))
    assert reverse("reminder_preview", args=[invoice.pk, "nudge"]) in text
    assert reverse("reminder_preview", args=[invoice.pk, "paused"]) not in text
    assert "Not due yet: the “Work paused” can go out from" in text
    assert "Not due yet: the “Final notice” can go out from" in text


def test_the_preview_shows_the_email_then_the_confirmed_post_sends_it(
    smtp_server, alice_client, alice, factories
):
    invoice = make_invoice(factories, alice, overdue=3)
    url = reverse("reminder_preview", args=[invoice.pk, "nudge"])
    response = alice_client.get(url)
    text = page_text(response)
    assert "A friendly reminder: invoice INV-7" in text
    confirmation = response.context["confirmation"]
    send = reverse("reminder_send", args=[invoice.pk, "nudge"])
    alice_client.post(send, {})  # no confirmation: nothing goes out
    assert smtp_server.mailbox.messages == []
    response = alice_client.post(send, {"confirmation": confirmation}, follow=True)
    assert "Friendly nudge sent to ap@slowpay.example." in page_text(response)
    [message] = smtp_server.mailbox.messages
    assert message["Subject"] == "A friendly reminder: invoice INV-7"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == str(
        response.context["sent"].body_text
    )


def test_the_skip_is_confirmed_on_the_page_that_shows_what_the_client_reads(
    smtp_server, alice_client, alice, factories
):
    invoice = make_invoice(factories, alice, overdue=30)
    response = alice_client.get(reverse("reminder_preview", args=[invoice.pk, "final"]))
    text = page_text(response)
    assert "Not sent yet: “Friendly nudge”, “Work paused”." in text
    assert 'name="skip_earlier"' in text
    assert "Invoice INV-7, due on" in text and "earlier reminder" not in text
    send = reverse("reminder_send", args=[invoice.pk, "final"])
    confirmation = response.context["confirmation"]
    alice_client.post(send, {"confirmation": confirmation})  # the skip box not ticked
    assert smtp_server.mailbox.messages == []
    alice_client.post(send, {"confirmation": confirmation, "skip_earlier": "yes"})
    assert len(smtp_server.mailbox.messages) == 1


def test_bob_cannot_preview_or_send_alices_reminders(client, bob, alice, factories):
    invoice = make_invoice(factories, alice, overdue=3)
    client.force_login(bob)
    assert client.get(reverse("reminder_preview", args=[invoice.pk, "nudge"])).status_code == 404
    response = client.post(reverse("reminder_send", args=[invoice.pk, "nudge"]), {})
    assert response.status_code == 404
    assert not Reminder.objects.exists()
