"""seed_demo: a demo freelancer with a year of clients that show every pattern in docs/domain.md."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Max, Min, Sum
from django.test import override_settings
from django.utils import timezone

from clients.demo import CLIENTS, DEFAULT_PASSWORD, demo_plan
from clients.models import AccountItem, Client, ExchangeRate, Profile, WorkLog
from invoices.models import Invoice, InvoiceStatus, Payment
from redflags.assess import assess_clients
from redflags.models import Category, ClientScore, Incident, Step

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 3, 16)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            get_user_model(),
            Profile,
            Client,
            Invoice,
            Payment,
            Incident,
            Step,
            WorkLog,
            AccountItem,
        )
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once for the module as of AS_OF (it takes seconds); every test's own
    changes roll back, and the demo user is deleted at the end. Its logo goes to a
    temporary folder."""
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
        output = seed("--as-of", AS_OF.isoformat())
        try:
            yield output
        finally:
            get_user_model().objects.filter(username="demo").delete()


def demo_client(ref: str) -> Client:
    return Client.objects.get(owner__username="demo", ref=ref)


def test_seed_demo_creates_the_freelancer_with_twelve_clients_and_a_year_of_data(demo):
    user = get_user_model().objects.get(username="demo")
    assert user.check_password(DEFAULT_PASSWORD)
    profile = Profile.objects.get(user=user)
    assert profile.business_name
    # Everything onboarding asks for, so the demo's mail and letters show a real sender.
    assert profile.signature == "Sanne de Vries"
    assert profile.reply_to_email.endswith(".example")
    assert profile.business_details
    assert (profile.time_zone, profile.language) == ("Europe/Amsterdam", "fy")
    with profile.logo.open("rb") as logo:
        assert logo.read(8) == b"\x89PNG\r\n\x1a\n"
    assert profile.target_hourly_rate == Decimal("75")
    assert profile.currency == "EUR"

    clients = Client.objects.for_owner(user).annotate(
        invoices_n=Count("invoices", distinct=True),
        work_logs_n=Count("work_logs", distinct=True),
        accounts_n=Count("account_items", distinct=True),
    )
    assert len(clients) == 12
    for client in clients:
        assert client.invoices_n == 12, client.ref
        assert client.work_logs_n >= 52, client.ref
        assert client.accounts_n >= 3, client.ref
    assert Payment.objects.for_owner(user).count() > 100
    assert Incident.objects.for_owner(user).count() > 20
    assert 'Login: username "demo", password "demo-password-2026"' in demo


def test_clients_are_plausible_and_use_only_reserved_addresses(demo):
    clients = Client.objects.filter(owner__username="demo")
    for client in clients:
        assert client.email.endswith(("@example.com", "@example.org")), client.email
        assert client.name and client.company and client.boundaries
    assert {c.language for c in clients} == {"en", "ms", "id", "fi", "fy"}
    assert {c.currency for c in clients} == {"EUR", "USD", "MYR", "IDR"}
    assert {c.billing_mode for c in clients} == set(Client.Billing.values)
    names = set(
        AccountItem.objects.filter(client__owner__username="demo").values_list("name", flat=True)
    )
    assert {"Instagram business account", "Google Ads", "DNS at registrar"} <= names


def test_every_incident_category_used_is_a_valid_slug(demo):
    used = set(
        Incident.objects.filter(client__owner__username="demo").values_list("category", flat=True)
    )
    assert used <= set(Category.values)
    assert {
        "unresponsive",
        "micromanaging",
        "verbal_abuse",
        "invoice_dispute",
        "scope_change",
        "competitor_leverage",
        "ignored_advice",
        "legal_risk",
    } <= used


def test_no_payment_exceeds_its_invoice(demo):
    invoices = Invoice.objects.filter(owner__username="demo").with_paid()
    assert all(invoice.paid_total <= invoice.amount for invoice in invoices)
    assert not Payment.objects.filter(invoice__owner__username="demo", is_overpayment=True).exists()


def test_invoice_numbers_are_unique_and_follow_issue_order(demo):
    invoices = list(Invoice.objects.filter(owner__username="demo").order_by("issued_on", "number"))
    numbers = [invoice.number for invoice in invoices]
    assert len(set(numbers)) == len(numbers) == 12 * 12
    assert all(
        n.startswith(f"DEMO-{i.issued_on.year}-") for n, i in zip(numbers, invoices, strict=True)
    )
    assert numbers == sorted(numbers)


def test_with_as_of_everything_is_dated_relative_to_that_day(demo):
    invoices = Invoice.objects.filter(owner__username="demo").aggregate(
        first=Min("issued_on"), last=Max("issued_on")
    )
    assert AS_OF - timedelta(days=31) <= invoices["last"] <= AS_OF
    assert AS_OF - timedelta(days=400) <= invoices["first"] <= AS_OF - timedelta(days=330)
    latest = [
        Payment.objects.filter(invoice__owner__username="demo").aggregate(d=Max("paid_on"))["d"],
        Incident.objects.filter(client__owner__username="demo").aggregate(d=Max("occurred_on"))[
            "d"
        ],
        WorkLog.objects.filter(client__owner__username="demo").aggregate(d=Max("worked_on"))["d"],
    ]
    assert all(AS_OF - timedelta(days=14) <= day <= AS_OF for day in latest)


def test_slow_payer_pays_later_every_cycle_and_leaves_the_last_two_unpaid(demo):
    invoices = list(
        Invoice.objects.filter(client=demo_client("brightline-fitness"))
        .with_paid()
        .prefetch_related("payments")
        .order_by("issued_on")
    )
    days_late = [(i.payments.all()[0].paid_on - i.due_on).days for i in invoices[:-2]]
    assert days_late[0] <= 0
    assert days_late[3:] == sorted(set(days_late[3:]))  # strictly later every cycle
    assert days_late[-1] > 30
    assert [i.status(AS_OF) for i in invoices[-2:]] == [InvoiceStatus.OVERDUE] * 2


def test_abusive_client_repeats_verbal_abuse_after_being_warned(demo):
    abuse = list(
        Incident.objects.filter(
            client=demo_client("hakim-motors"), category="verbal_abuse"
        ).order_by("occurred_on")
    )
    warning = Step.objects.get(client=demo_client("hakim-motors"), addresses="verbal_abuse")
    assert warning.kind == "warned"
    assert abuse[0].occurred_on == warning.taken_on < abuse[1].occurred_on


def test_controlling_client_went_on_after_a_written_warning_and_is_fired(demo):
    client = demo_client("hoekstra-bou")
    warning = Step.objects.get(client=client, kind="warned", addresses="micromanaging")
    assert Incident.objects.filter(
        client=client, category="micromanaging", occurred_on__gt=warning.taken_on
    ).exists()
    score = ClientScore.objects.get(client=client)
    assert score.verdict == "fire"
    evidence = [item for reason in score.reasons for item in reason["evidence"]]
    assert {"kind": "step", "id": warning.pk} in [
        {"kind": item["kind"], "id": item["id"]} for item in evidence
    ]


def test_haggler_disputes_two_invoices_with_a_reason(demo):
    client = demo_client("bennett-hale")
    disputed = Invoice.objects.filter(client=client, disputed=True)
    assert len(disputed) == 2
    assert all(invoice.dispute_reason for invoice in disputed)
    assert Incident.objects.filter(client=client, category="invoice_dispute").count() == 2


def test_fixed_fee_client_keeps_changing_their_mind(demo):
    client = demo_client("revontuli-events")
    assert client.billing_mode == Client.Billing.FIXED
    assert Incident.objects.filter(client=client, category="scope_change").count() >= 5


def test_draining_client_earns_far_below_the_target_rate(demo):
    client = demo_client("dijkstra-fytsen")
    received = Payment.objects.filter(invoice__client=client).aggregate(s=Sum("amount"))["s"]
    hours = WorkLog.objects.filter(client=client).aggregate(s=Sum("hours"))["s"]
    assert received / hours < Decimal("75") / 2


def test_healthy_clients_pay_on_time_and_their_only_incident_is_a_year_old(demo):
    for ref in ("kettu-coffee", "batik-aisyah"):
        payments = Payment.objects.filter(invoice__client=demo_client(ref)).select_related(
            "invoice"
        )
        assert payments and all(p.paid_on <= p.invoice.due_on for p in payments)
    assert not Incident.objects.filter(client=demo_client("kettu-coffee")).exists()
    (old,) = Incident.objects.filter(client=demo_client("batik-aisyah"))
    assert old.severity == 1 and old.occurred_on <= AS_OF - timedelta(days=330)


def test_demo_clients_start_with_fresh_scores(demo):
    scores = ClientScore.objects.filter(client__owner__username="demo")
    assert len(scores) == 12
    assert all(score.as_of == AS_OF and not score.previous_verdict for score in scores)


def test_demo_clients_get_the_verdict_they_are_meant_to_show(demo):
    user = get_user_model().objects.get(username="demo")
    refs = dict(Client.objects.for_owner(user).values_list("pk", "ref"))
    verdicts = {refs[pk]: a.verdict for pk, a in assess_clients(user, as_of=AS_OF).items()}
    assert verdicts == {spec.fields["ref"]: spec.verdict for spec in CLIENTS}


def test_running_it_twice_creates_nothing_new(demo):
    before = row_counts()
    output = seed("--as-of", AS_OF.isoformat())
    assert row_counts() == before
    assert 'Demo user "demo" already exists; nothing changed' in output


def test_reset_deletes_the_demo_user_and_creates_it_again(demo, factories, bob):
    bobs_client = factories.client(owner=bob)
    old_user = get_user_model().objects.get(username="demo")
    before = row_counts()

    output = seed("--reset")

    assert 'Reset: deleted demo user "demo"' in output
    assert not get_user_model().objects.filter(pk=old_user.pk).exists()
    assert Client.objects.filter(owner__username="demo").count() == 12
    assert row_counts()["Client"] == before["Client"]
    assert Client.objects.filter(pk=bobs_client.pk).exists()
    # Without --as-of the data is relative to today.
    last = Invoice.objects.filter(owner__username="demo").aggregate(d=Max("issued_on"))["d"]
    assert timezone.localdate() - timedelta(days=31) <= last <= timezone.localdate()


def test_reset_refuses_to_delete_a_staff_account(factories):
    admin = factories.user(username="admin", is_staff=True)
    with pytest.raises(CommandError, match="does not look like a demo account"):
        seed("--username", "admin", "--reset")
    assert get_user_model().objects.filter(pk=admin.pk).exists()


def test_as_of_in_the_future_is_refused():
    before = row_counts()
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(CommandError, match="in the future"):
        seed("--username", "demo2", "--as-of", tomorrow.isoformat())
    assert row_counts() == before


def test_a_malformed_as_of_is_refused():
    with pytest.raises(CommandError, match="not a date"):
        seed("--as-of", "16/03/2026")


def test_a_weak_password_is_refused():
    with pytest.raises(CommandError, match="too short"):
        seed("--username", "demo2", "--password", "demo")
    assert not get_user_model().objects.filter(username="demo2").exists()


def test_an_invalid_username_is_refused():
    with pytest.raises(CommandError, match="username"):
        seed("--username", "demo user!")


def test_the_plan_is_the_same_every_time():
    assert demo_plan(AS_OF) == demo_plan(AS_OF)


def test_the_big_client_with_friction_is_watched_with_a_plan(demo):
    score = ClientScore.objects.get(client=demo_client("fjildwurk-reizen"))

    assert score.verdict == "watch"
    assert score.reasons[0]["rule"] == "value"
    assert "deposit" in score.reasons[0]["advice"]
    assert score.worth.share_percent >= 25
    assert not any(reason["red_flag"] for reason in score.reasons)


def test_clients_in_other_currencies_compare_through_the_demo_rates(demo):
    user = get_user_model().objects.get(username="demo")
    assert ExchangeRate.objects.for_owner(user).values("quote").distinct().count() == 3
    scores = ClientScore.objects.for_owner(user).select_related("client")
    assert all(score.worth.notes == [] for score in scores)
    rupiah = next(score for score in scores if score.client.ref == "sinar-rasa")
    assert rupiah.client.currency == "IDR"
    assert "effort" in [reason["rule"] for reason in rupiah.reasons]
    assert rupiah.worth.hourly < Decimal(75)
