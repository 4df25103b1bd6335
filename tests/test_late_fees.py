"""Late fees and interest: the arithmetic, charging with reminders, waiving, adding after
the fact, and what the client and the freelancer see."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clients.models import LateFeeChoice, LateFeeTiming
from clients.services import profile_for
from invoices import reminders
from invoices.fees import (
    INTEREST,
    NO_FEES,
    ChargedFee,
    FeePolicy,
    currency_round,
    fees_due,
    interest,
)
from invoices.late_fees import (
    LADDER,
    fee_policy,
    fee_waive,
    fees_backfill_apply,
    fees_backfill_preview,
    waived_fee_counts,
)
from invoices.models import LateFee, Reminder

DUE = date(2026, 3, 31)
amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2, allow_nan=False
)
rates = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)
currencies = st.sampled_from(["EUR", "USD", "JPY", "KWD", "MYR", "IDR"])
policies = st.builds(
    FeePolicy,
    flat=st.none() | amounts,
    percent=st.none() | rates,
    each_stage=st.booleans(),
    yearly_interest=st.none() | rates,
)
stage_sets = st.sets(st.sampled_from(LADDER)).map(lambda s: [x for x in LADDER if x in s])


# --- Arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("10.005"), "EUR", Decimal("10.01")),
        (Decimal("10.004"), "EUR", Decimal("10.00")),
        (Decimal("1234.5"), "JPY", Decimal("1235")),
        (Decimal("1234.49"), "JPY", Decimal("1234")),
        # Three places in ISO 4217; the database keeps two.
        (Decimal("1.2345"), "KWD", Decimal("1.23")),
    ],
)
def test_amounts_round_half_up_to_the_currency(amount, currency, expected):
    assert currency_round(amount, currency) == expected
    assert str(currency_round(amount, currency)) == str(expected)


def test_interest_is_simple_interest_over_365_days():
    assert interest(
        balance=Decimal("1000"), yearly_percent=Decimal("8"), days=365, currency="EUR"
    ) == Decimal("80.00")
    assert interest(
        balance=Decimal("1000"), yearly_percent=Decimal("8"), days=30, currency="EUR"
    ) == Decimal("6.58")
    assert interest(
        balance=Decimal("1000"), yearly_percent=Decimal("8"), days=0, currency="EUR"
    ) == Decimal("0.00")


@given(
    policy=policies,
    stages=stage_sets,
    balance=amounts,
    currency=currencies,
    days=st.integers(0, 2000),
)
def test_fees_are_never_negative_or_zero_and_rounded_for_the_currency(
    policy, stages, balance, currency, days
):
    lines = fees_due(
        policy,
        stages=stages,
        ladder=LADDER,
        charged=[],
        balance=balance,
        currency=currency,
        due_on=DUE,
        as_of=DUE + timedelta(days=days),
    )
    for line in lines:
        assert line.amount > 0
        assert line.amount == currency_round(line.amount, currency)
    if not policy.enabled or not stages:
        assert lines == []


@given(policy=policies, stages=stage_sets, balance=amounts, days=st.integers(1, 2000))
def test_a_fee_on_record_waived_or_not_is_never_charged_again(policy, stages, balance, days):
    def due(charged):
        return fees_due(
            policy,
            stages=stages,
            ladder=LADDER,
            charged=charged,
            balance=balance,
            currency="EUR",
            due_on=DUE,
            as_of=DUE + timedelta(days=days),
        )

    first = due([])
    on_record = [ChargedFee(line.kind, line.stage, line.period_end) for line in first]
    assert due(on_record) == []


@given(
    balance=amounts,
    rate=rates,
    days=st.integers(1, 1000),
    factor=st.integers(2, 5),
)
def test_interest_is_proportional_to_days(balance, rate, days, factor):
    one = balance * rate / 100 * days / 365
    many = interest(balance=balance, yearly_percent=rate, days=days * factor, currency="EUR")
    # Each figure is rounded once to the cent: the difference is rounding only.
    assert abs(many - one * factor) <= Decimal("0.005")
    assert many >= interest(balance=balance, yearly_percent=rate, days=days, currency="EUR")


def test_once_charges_the_flat_and_percentage_fee_with_the_first_stage_only():
    policy = FeePolicy(flat=Decimal("25"), percent=Decimal("2"))
    lines = fees_due(
        policy,
        stages=LADDER,
        ladder=LADDER,
        charged=[],
        balance=Decimal("1000"),
        currency="EUR",
        due_on=DUE,
        as_of=DUE + timedelta(days=30),
    )
    assert [(line.kind, line.stage, line.amount) for line in lines] == [
        ("flat", "nudge", Decimal("25.00")),
        ("percent", "nudge", Decimal("20.00")),
    ]


def test_interest_runs_on_from_the_last_charge_without_counting_a_day_twice():
    policy = FeePolicy(yearly_interest=Decimal("10"))
    first = fees_due(
        policy,
        stages=["nudge"],
        ladder=LADDER,
        charged=[],
        balance=Decimal("3650"),
        currency="EUR",
        due_on=DUE,
        as_of=DUE + timedelta(days=1),
    )
    assert [(line.amount, line.period_start, line.period_end) for line in first] == [
        (Decimal("1.00"), DUE, DUE + timedelta(days=1))
    ]
    later = fees_due(
        policy,
        stages=["nudge", "paused"],
        ladder=LADDER,
        charged=[ChargedFee(INTEREST, "nudge", DUE + timedelta(days=1))],
        balance=Decimal("3650"),
        currency="EUR",
        due_on=DUE,
        as_of=DUE + timedelta(days=7),
    )
    assert [(line.stage, line.amount, line.period_start) for line in later] == [
        ("paused", Decimal("6.00"), DUE + timedelta(days=1))
    ]


# --- Terms per client --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_client_follows_the_freelancers_terms_has_none_or_its_own(alice, acme):
    profile = profile_for(alice)
    assert fee_policy(acme, profile, "EUR") == NO_FEES  # off by default
    profile.late_fee_flat_amounts = {"EUR": "15.00", "IDR": "250000.00"}
    assert fee_policy(acme, profile, "EUR").flat == Decimal("15")
    assert fee_policy(acme, profile, "IDR").flat == Decimal("250000")
    assert fee_policy(acme, profile, "USD") == NO_FEES  # none set for dollars
    acme.late_fees = LateFeeChoice.NONE
    assert not fee_policy(acme, profile, "EUR").enabled
    acme.late_fees = LateFeeChoice.CUSTOM
    acme.late_interest_percent = Decimal("8")
    acme.late_fee_timing = LateFeeTiming.EACH_STAGE
    assert fee_policy(acme, profile, "EUR") == FeePolicy(
        yearly_interest=Decimal("8"), each_stage=True
    )


# --- Charged with the reminders --------------------------------------------------------


@pytest.fixture
def overdue(alice, factories):
    profile = profile_for(alice)
    profile.late_fee_flat_amounts = {"EUR": "25.00"}
    profile.late_fee_timing = LateFeeTiming.EACH_STAGE
    profile.late_interest_percent = Decimal("10")
    profile.late_fees_with_nudge = True
    profile.save()
    client = factories.client(owner=alice, name="Slow Pay Ltd", email="ap@slowpay.example")
    today = date.today()
    return factories.invoice(
        client=client,
        number="INV-9",
        issued_on=today - timedelta(days=54),
        due_on=today - timedelta(days=40),
        amount=Decimal("3650.00"),
    )


def run_day(alice, invoice, day):
    return reminders.freelancer_reminders_run(
        owner=alice, as_of=invoice.due_on + timedelta(days=day)
    )


@pytest.mark.django_db
def test_each_reminder_brings_its_fees_once_and_the_email_shows_them(smtp_server, alice, overdue):
    for day in range(0, 25):
        run_day(alice, overdue, day)
        run_day(alice, overdue, day)  # the job running twice charges nothing twice
    fees = list(LateFee.objects.filter(invoice=overdue).order_by("charged_on", "kind"))
    assert [(f.stage, f.kind, f.amount) for f in fees] == [
        ("nudge", "flat", Decimal("25.00")),
        ("nudge", "interest", Decimal("1.00")),  # 1 day at 10% on 3,650
        ("paused", "flat", Decimal("25.00")),
        ("paused", "interest", Decimal("6.00")),  # days 2-7
        ("final", "flat", Decimal("25.00")),
        ("final", "interest", Decimal("14.00")),  # days 8-21
    ]
    *_earlier, final = smtp_server.mailbox.messages
    text = final.get_body(("plain",)).get_content()
    assert "Late fee: €25.00" in text
    assert "Interest at 10% a year" in text
    # The invoice itself is unchanged; the total adds the fees on top.
    assert "Amount: €3,650.00" in text
    assert "Total now due: €3,746.00" in text
    html = final.get_body(("html",)).get_content()
    assert "€3,746.00" in html
    assert overdue.__class__.objects.get(pk=overdue.pk).amount == Decimal("3650.00")


@pytest.mark.django_db
def test_no_fees_by_default(smtp_server, alice, factories):
    client = factories.client(owner=alice)
    invoice = factories.invoice(
        client=client, due_on=date.today() - timedelta(days=30), amount=Decimal("100")
    )
    for day in (1, 7, 21):
        run_day(alice, invoice, day)
    assert Reminder.objects.filter(invoice=invoice).count() == 3
    assert not LateFee.objects.exists()
    assert (
        "Total now due" not in smtp_server.mailbox.messages[-1].get_body(("plain",)).get_content()
    )


@pytest.mark.django_db
def test_a_waived_fee_is_left_out_of_the_next_reminder_and_never_charged_again(
    smtp_server, alice, overdue
):
    run_day(alice, overdue, 1)
    flat = LateFee.objects.get(invoice=overdue, stage="nudge", kind="flat")
    fee_waive(fee=flat, note="Good client, first time late")
    run_day(alice, overdue, 1)
    assert LateFee.objects.filter(invoice=overdue, stage="nudge", kind="flat").count() == 1
    run_day(alice, overdue, 7)
    text = smtp_server.mailbox.messages[-1].get_body(("plain",)).get_content()
    # Nudge interest 1.00 + paused flat 25.00 + paused interest 6.00 on top of 3,650.
    assert "Total now due: €3,682.00" in text
    assert waived_fee_counts([overdue.client_id]) == {overdue.client_id: 1}


@pytest.mark.django_db
def test_waiving_needs_a_reason(alice, overdue):
    run_day(alice, overdue, 1)
    fee = LateFee.objects.filter(invoice=overdue).first()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        fee_waive(fee=fee, note="   ")
    fee.refresh_from_db()
    assert fee.waived_on is None


@pytest.mark.django_db
def test_a_client_with_no_fees_is_never_charged(alice, overdue):
    client = overdue.client
    client.late_fees = LateFeeChoice.NONE
    client.save()
    for day in (1, 7, 21):
        run_day(alice, overdue, day)
    assert not LateFee.objects.exists()


# --- After the fact ---------------------------------------------------------------------


@pytest.fixture
def terms_set_late(alice, factories):
    """Invoices already overdue before the freelancer set late-fee terms."""
    client = factories.client(owner=alice, name="Old Debts", email="x@old.example")
    today = date.today()
    invoices = [
        factories.invoice(
            client=client,
            number=f"OLD-{days}",
            issued_on=today - timedelta(days=days + 14),
            due_on=today - timedelta(days=days),
            amount=Decimal("500"),
        )
        for days in (3, 10, 45)
    ]
    profile = profile_for(alice)
    profile.late_fee_flat_amounts = {"EUR": "40.00"}
    profile.late_fees_with_nudge = True
    profile.save()
    return invoices


@pytest.mark.django_db
def test_adding_fees_after_the_fact_previews_first_then_adds_only_what_was_ticked(
    alice_client, alice, terms_set_late
):
    page = alice_client.get("/fees/overdue/")
    assert page.status_code == 200
    for invoice in terms_set_late:
        assert invoice.number in page.text
    assert "€120.00" in page.text  # three times 40, once each
    assert not LateFee.objects.exists()  # a preview writes nothing

    chosen = terms_set_late[:2]
    response = alice_client.post("/fees/overdue/", {"invoice": [i.pk for i in chosen]})
    assert response.status_code == 302
    assert sorted(LateFee.objects.values_list("invoice__number", flat=True)) == [
        "OLD-10",
        "OLD-3",
    ]
    remaining = fees_backfill_preview(owner=alice, as_of=date.today())
    assert [row.invoice.number for row in remaining] == ["OLD-45"]


@pytest.mark.django_db
def test_nothing_ticked_is_a_clear_error(alice_client, terms_set_late):
    response = alice_client.post("/fees/overdue/", {}, follow=True)
    assert "Tick at least one invoice" in response.text
    assert not LateFee.objects.exists()


@pytest.mark.django_db
def test_after_the_fact_never_reaches_another_freelancers_invoices(
    client, bob, alice, terms_set_late
):
    client.force_login(bob)
    page = client.get("/fees/overdue/")
    assert "OLD-3" not in page.text
    client.post("/fees/overdue/", {"invoice": [i.pk for i in terms_set_late]})
    assert not LateFee.objects.exists()
    assert (
        fees_backfill_apply(owner=bob, as_of=date.today(), invoice_ids=[terms_set_late[0].pk]) == []
    )


@pytest.mark.django_db
def test_empty_state_points_to_the_terms(alice_client):
    page = alice_client.get("/fees/overdue/")
    assert "No fees to add" in page.text


# --- On the invoice page -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_invoice_page_lists_fees_and_waives_one_with_a_note(
    alice_client, alice, terms_set_late
):
    invoice = terms_set_late[0]
    fees_backfill_apply(owner=alice, as_of=date.today(), invoice_ids=[invoice.pk])
    fee = LateFee.objects.get(invoice=invoice)
    page = alice_client.get(f"/invoices/{invoice.pk}/")
    assert "Late fees" in page.text and "€40.00" in page.text

    rejected = alice_client.post(f"/fees/{fee.pk}/waive/", {"waive_note": ""}, follow=True)
    assert "Say why you waive this fee" in rejected.text
    fee.refresh_from_db()
    assert fee.waived_on is None

    alice_client.post(f"/fees/{fee.pk}/waive/", {"waive_note": "Goodwill"})
    fee.refresh_from_db()
    assert fee.waived_on == date.today() and fee.waive_note == "Goodwill"
    page = alice_client.get(f"/invoices/{invoice.pk}/")
    assert "Waived on" in page.text and "Goodwill" in page.text


@pytest.mark.django_db
def test_marking_a_fee_paid(alice_client, alice, terms_set_late):
    invoice = terms_set_late[0]
    fees_backfill_apply(owner=alice, as_of=date.today(), invoice_ids=[invoice.pk])
    fee = LateFee.objects.get(invoice=invoice)
    alice_client.post(f"/fees/{fee.pk}/paid/")
    fee.refresh_from_db()
    assert fee.paid_on == date.today()
    assert not LateFee.objects.charged().exists()
    # A paid fee cannot then be waived.
    response = alice_client.post(f"/fees/{fee.pk}/waive/", {"waive_note": "x"}, follow=True)
    assert "cannot be waived" in response.text


@pytest.mark.django_db
def test_another_freelancer_cannot_touch_a_fee(client, bob, alice, terms_set_late):
    fees_backfill_apply(owner=alice, as_of=date.today(), invoice_ids=[terms_set_late[0].pk])
    fee = LateFee.objects.get()
    client.force_login(bob)
    assert client.post(f"/fees/{fee.pk}/paid/").status_code == 404
    assert client.post(f"/fees/{fee.pk}/waive/", {"waive_note": "x"}).status_code == 404
    fee.refresh_from_db()
    assert fee.is_charged


@pytest.mark.django_db
def test_the_preview_shows_the_fees_the_stage_would_bring_without_charging_them(
    alice_client, overdue
):
    page = alice_client.get(f"/invoices/{overdue.pk}/reminders/nudge/")
    assert page.status_code == 200
    assert "Late fee" in page.text and "€25.00" in page.text
    assert not LateFee.objects.exists()


# --- What the freelancer leaves out, and the face-saving nudge -------------------------


@pytest.fixture
def two_overdue(alice, factories):
    """Two invoices 3 days overdue whose nudge has not gone out yet (reminders were off)."""
    profile = profile_for(alice)
    profile.late_fee_flat_amounts = {"EUR": "40.00"}
    profile.late_interest_percent = Decimal("10")
    profile.late_fees_with_nudge = True
    profile.save()
    client = factories.client(owner=alice, name="Two Debts", email="ap@two.example")
    today = date.today()
    return [
        factories.invoice(
            client=client,
            number=number,
            issued_on=today - timedelta(days=17),
            due_on=today - timedelta(days=3),
            amount=Decimal("3650"),
            reminders_enabled=False,
        )
        for number in ("KEEP-1", "SKIP-1")
    ]


@pytest.mark.django_db
def test_an_unticked_invoice_is_not_charged_by_a_later_reminder(alice_client, alice, two_overdue):
    from invoices.reminders import reminders_claim_due

    ticked, unticked = two_overdue
    page = alice_client.get("/fees/overdue/")
    assert "SKIP-1" in page.text and "KEEP-1" in page.text
    response = alice_client.post(
        "/fees/overdue/",
        {"invoice": [ticked.pk], "shown": [ticked.pk, unticked.pk]},
        follow=True,
    )
    assert "1 invoice left out" in response.text
    assert sorted(LateFee.objects.charged().values_list("invoice__number", "kind")) == [
        ("KEEP-1", "flat"),
        ("KEEP-1", "interest"),
    ]
    # Left out is on record, as waived by the page, but not counted as the freelancer waiving.
    left = LateFee.objects.get(invoice=unticked, kind="flat")
    assert left.left_out and left.waived_on == date.today() and left.waive_note
    assert waived_fee_counts([unticked.client_id]) == {}
    # Nothing more is offered for the unticked one either.
    assert fees_backfill_preview(owner=alice, as_of=date.today()) == []

    type(ticked).objects.filter(pk__in=[ticked.pk, unticked.pk]).update(reminders_enabled=True)
    reminders_claim_due(owner=alice, as_of=date.today() + timedelta(days=2))
    assert Reminder.objects.filter(stage="nudge").count() == 2
    assert not LateFee.objects.charged().filter(invoice=unticked).exists()
    # The ticked one: its nudge fees are on record, so the nudge charges only new interest.
    kept = LateFee.objects.charged().filter(invoice=ticked).order_by("id")
    assert [(f.kind, f.stage) for f in kept] == [("flat", "nudge"), ("interest", "nudge")]


@pytest.mark.django_db
def test_a_later_stage_charges_the_ticked_invoice_as_before_and_not_the_unticked_one(
    alice, two_overdue
):
    from invoices.reminders import reminders_claim_due, reminders_deliver

    ticked, unticked = two_overdue
    today = date.today()
    fees_backfill_apply(
        owner=alice, as_of=today, invoice_ids=[ticked.pk], left_out_ids=[unticked.pk]
    )
    type(ticked).objects.filter(pk=ticked.pk).update(reminders_enabled=True)
    for day in (1, 5):
        reminders_claim_due(owner=alice, as_of=today + timedelta(days=day))
        # "Work paused" follows a nudge that went out, not one still waiting to be sent.
        reminders_deliver(owner=alice)
    stages = set(LateFee.objects.charged().filter(invoice=ticked).values_list("stage", flat=True))
    assert stages == {"nudge", "paused"}
    assert not LateFee.objects.charged().filter(invoice=unticked).exists()


@pytest.mark.django_db
def test_nothing_ticked_with_invoices_shown_leaves_them_all_out(alice_client, two_overdue):
    shown = [i.pk for i in two_overdue]
    response = alice_client.post("/fees/overdue/", {"shown": shown}, follow=True)
    assert "2 invoices left out" in response.text
    assert not LateFee.objects.charged().exists()
    assert LateFee.objects.filter(left_out=True).count() == 4


@pytest.mark.django_db
def test_the_nudge_charges_nothing_by_default(smtp_server, alice, factories):
    profile = profile_for(alice)
    profile.late_fee_flat_amounts = {"EUR": "25.00"}
    profile.late_interest_percent = Decimal("10")
    profile.save()
    assert profile.late_fees_with_nudge is False
    client = factories.client(owner=alice, name="Slow Pay Ltd", email="ap@slowpay.example")
    invoice = factories.invoice(
        client=client,
        issued_on=date.today() - timedelta(days=54),
        due_on=date.today() - timedelta(days=40),
        amount=Decimal("3650.00"),
    )
    run_day(alice, invoice, 1)
    assert Reminder.objects.filter(invoice=invoice, stage="nudge").exists()
    assert not LateFee.objects.exists()
    nudge = smtp_server.mailbox.messages[-1].get_body(("plain",)).get_content()
    assert "Late fee" not in nudge and "Total now due" not in nudge
    # "Once" then comes with work paused, and interest runs from the due date.
    run_day(alice, invoice, 7)
    fees = list(LateFee.objects.filter(invoice=invoice).order_by("kind"))
    assert [(f.stage, f.kind, f.amount) for f in fees] == [
        ("paused", "flat", Decimal("25.00")),
        ("paused", "interest", Decimal("7.00")),  # 7 days at 10% on 3,650
    ]
    assert fees[1].period_start == invoice.due_on


@pytest.mark.django_db
def test_the_nudge_charges_when_the_freelancer_opts_in(alice, overdue):
    run_day(alice, overdue, 1)
    assert set(LateFee.objects.values_list("stage", flat=True)) == {"nudge"}


@pytest.mark.django_db
def test_a_backup_keeps_what_was_left_out(alice, bob, two_overdue):
    from clients.backup import backup_export, backup_import

    ticked, unticked = two_overdue
    fees_backfill_apply(
        owner=alice, as_of=date.today(), invoice_ids=[ticked.pk], left_out_ids=[unticked.pk]
    )
    backup_import(owner=bob, document=backup_export(owner=alice))
    copied = LateFee.objects.for_owner(bob)
    assert sorted(copied.filter(left_out=True).values_list("invoice__number", "kind")) == [
        ("SKIP-1", "flat"),
        ("SKIP-1", "interest"),
    ]
    assert all(fee.waived_on for fee in copied.filter(left_out=True))


# --- Flat fees per currency ------------------------------------------------------------

SETTINGS_POST = {
    "business_name": "Alice Design",
    "currency": "EUR",
    "default_payment_terms_days": "14",
    "time_zone": "UTC",
    "reminder_nudge_days": "1",
    "reminder_pause_days": "7",
    "reminder_final_days": "21",
    "digest_hour": "8",
    "paper_size": "A4",
}


@pytest.mark.django_db
def test_an_invoice_in_a_currency_without_a_flat_fee_gets_none(smtp_server, alice, factories):
    profile = profile_for(alice)
    profile.late_fee_flat_amounts = {"EUR": "25.00"}
    profile.late_interest_percent = Decimal("10")
    profile.late_fees_with_nudge = True
    profile.save()
    client = factories.client(owner=alice, currency="IDR", email="ap@besar.example")
    rupiah = factories.invoice(
        client=client,
        currency="IDR",
        amount=Decimal("36500000"),
        issued_on=date.today() - timedelta(days=30),
        due_on=date.today() - timedelta(days=20),
    )
    euro = factories.invoice(
        client=factories.client(owner=alice, email="ap@euro.example"),
        amount=Decimal("3650"),
        issued_on=date.today() - timedelta(days=30),
        due_on=date.today() - timedelta(days=20),
    )
    for invoice in (rupiah, euro):
        run_day(alice, invoice, 1)
    assert list(LateFee.objects.filter(invoice=rupiah).values_list("kind", flat=True)) == [
        "interest"
    ]
    assert set(LateFee.objects.filter(invoice=euro).values_list("kind", flat=True)) == {
        "flat",
        "interest",
    }


@pytest.mark.django_db
def test_a_clients_own_flat_fee_is_per_currency_too(alice, factories):
    client = factories.client(
        owner=alice,
        currency="USD",
        late_fees=LateFeeChoice.CUSTOM,
        late_fee_flat_amounts={"USD": "30.00"},
    )
    profile = profile_for(alice)
    assert fee_policy(client, profile, "USD").flat == Decimal("30.00")
    assert fee_policy(client, profile, "EUR") == NO_FEES


@pytest.mark.django_db
def test_the_settings_page_sets_flat_fees_per_currency_and_names_those_without(
    alice_client, alice, factories
):
    factories.client(owner=alice, currency="IDR")
    factories.client(owner=alice, currency="EUR")
    post = SETTINGS_POST | {"late_fee_flat_amounts": "eur 25\nUSD 30.5"}
    assert alice_client.post(reverse("profile_settings"), post).status_code == 302
    profile = profile_for(alice)
    assert profile.late_fee_flat_amounts == {"EUR": "25.00", "USD": "30.50"}
    page = alice_client.get(reverse("profile_settings")).content.decode()
    assert "No flat fee for invoices in IDR: none set." in page
    assert "EUR 25.00\nUSD 30.50" in page  # shown back as typed, one a line


@pytest.mark.django_db
def test_no_note_about_missing_flat_fees_when_none_is_set_at_all(alice_client, alice, factories):
    factories.client(owner=alice, currency="IDR")
    assert (
        "No flat fee for invoices in"
        not in alice_client.get(reverse("profile_settings")).content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("EUR", "Write each flat fee as a currency and an amount"),
        ("DEM 25", "DEM is not a known ISO 4217 currency code"),
        ("EUR 0", "The flat fee in EUR must be more than 0"),
        ("EUR 25\neur 30", "EUR is listed twice."),
        ("EUR lots", "“lots” is not an amount"),
        ("IDR 1000000000000000", "at most 15 digits before the decimal point"),
        ("EUR 2.555", "and 2 after it"),
    ],
)
def test_a_flat_fee_that_is_not_currency_and_amount_is_refused(alice_client, alice, typed, error):
    response = alice_client.post(
        reverse("profile_settings"), SETTINGS_POST | {"late_fee_flat_amounts": typed}
    )
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors["late_fee_flat_amounts"])
    assert profile_for(alice).late_fee_flat_amounts == {}


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_the_single_flat_fee_to_the_own_currency():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    # Found by name, whatever number it ends up with among the other apps' migrations.
    (target,) = [
        key
        for key in graph.nodes
        if key[0] == "clients" and key[1].endswith("_amounts_and_flat_fees_per_currency")
    ]
    before = [node.key for node in graph.node_map[target].parents if node.key[0] == "clients"]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("auth", "User").objects.create(username="old")
    old.get_model("clients", "Profile").objects.create(
        user=user, currency="MYR", late_fee_flat=Decimal("40")
    )
    Client = old.get_model("clients", "Client")
    Client.objects.create(owner=user, ref="a", name="A", email="a@a.example", currency="IDR",
                          late_fee_flat=Decimal("150000"))  # fmt: skip
    Client.objects.create(owner=user, ref="b", name="B", email="b@b.example", currency="USD")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    from clients.models import Client as NewClient
    from clients.models import Profile

    assert Profile.objects.get(user_id=user.pk).late_fee_flat_amounts == {"MYR": "40.00"}
    assert dict(NewClient.objects.values_list("ref", "late_fee_flat_amounts")) == {
        "a": {"IDR": "150000.00"},
        "b": {},
    }


@pytest.mark.django_db
def test_the_client_form_takes_its_own_flat_fees_per_currency(alice_client, alice):
    from clients.models import Client
    from tests.test_client_pages import CLIENT_POST

    post = CLIENT_POST | {"late_fees": "custom", "late_fee_flat_amounts": "EUR 15\nMYR 60"}
    assert alice_client.post(reverse("client_create"), post).status_code == 302
    client = Client.objects.get(owner=alice)
    assert client.late_fee_flat_amounts == {"EUR": "15.00", "MYR": "60.00"}
    page = alice_client.get(reverse("client_edit", args=[client.pk])).content.decode()
    assert "EUR 15.00\nMYR 60.00" in page
    response = alice_client.post(
        reverse("client_edit", args=[client.pk]),
        CLIENT_POST | {"late_fees": "custom", "late_fee_flat_amounts": ""},
    )
    assert "Give this client&#x27;s own flat fee" in response.content.decode()
