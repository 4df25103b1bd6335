"""Exchange rates the freelancer keeps: added by hand, imported from a reference-rate file,
used to compare money across currencies (docs/domain.md, "Value")."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import ExchangeRate
from clients.services import exchange_rate_add, profile_for, profile_update
from redflags.assess import client_score_refresh, scores_refresh
from redflags.models import ClientScore

pytestmark = pytest.mark.django_db

ECB_HISTORY = (
    b"Date,USD,JPY,IDR,MYR,GBP,\n"
    b"2024-01-05,1.0921,158.34,16968.50,5.0728,0.86040,\n"
    b"2024-01-04,1.0953,158.79,N/A,5.0807,0.86280,\n"
)
ECB_ONE_DAY = b"Date, USD, JPY, IDR, \n04 January 2024, 1.0953, 158.79, 16998.42, \n"


def add(client, **fields):
    data = {"base": "EUR", "quote": "USD", "on": "2024-01-04", "rate": "1.0953", **fields}
    return client.post(reverse("exchange_rate_add"), data)


def upload(client, content: bytes, name: str = "eurofxref-hist.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("exchange_rates_import"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def uses(owner, *currencies, factories):
    for code in currencies:
        factories.client(owner=owner, currency=code)


def test_a_rate_added_by_hand_is_listed_on_the_settings_page(alice_client, alice):
    response = add(alice_client)

    assert response.status_code == 302
    assert response["Location"].endswith("#rates")
    rate = ExchangeRate.objects.get()
    assert (rate.owner, rate.base, rate.quote, rate.rate) == (
        alice,
        "EUR",
        "USD",
        Decimal("1.0953"),
    )
    page = alice_client.get(reverse("profile_settings")).content.decode()
    assert "EUR → USD" in page
    assert "1 EUR = 1.0953 USD" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"base": "XYZ"}, "is not a currency we know"),
        ({"quote": "EUR"}, "Choose two different currencies."),
        ({"rate": "0"}, "A rate must be more than 0."),
        ({"rate": "-1.5"}, "A rate must be more than 0."),
        ({"rate": "abc"}, "Enter a number."),
        ({"on": "yesterday"}, "Enter a valid date."),
        ({"rate": "12345678901.5"}, "Ensure that there are no more than"),
    ],
)
def test_a_bad_rate_is_refused_with_a_clear_error_and_nothing_stored(alice_client, fields, message):
    response = add(alice_client, **fields)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ExchangeRate.objects.exists()


def test_the_same_pair_on_the_same_day_is_refused_either_way_round(alice_client):
    add(alice_client)

    again = add(alice_client, rate="1.2")
    assert again.status_code == 422
    assert "You already have a rate for these currencies on this day" in again.content.decode()

    inverse = add(alice_client, base="USD", quote="EUR", rate="0.91")
    assert inverse.status_code == 422
    assert "You already have a rate from EUR to USD on this day" in inverse.content.decode()
    assert ExchangeRate.objects.count() == 1

    # Another day is a new rate.
    assert add(alice_client, on="2024-01-05").status_code == 302


def test_a_rate_is_deleted_one_by_one_or_a_whole_pair(alice_client, alice):
    for day in ("2024-01-04", "2024-01-05"):
        add(alice_client, on=day)
    add(alice_client, quote="IDR", rate="17000")
    first = ExchangeRate.objects.filter(quote="USD").order_by("on").first()

    alice_client.post(reverse("exchange_rate_delete", args=[first.pk]))
    assert ExchangeRate.objects.filter(quote="USD").count() == 1

    response = alice_client.post(
        reverse("exchange_rate_pair_delete"), {"base": "EUR", "quote": "USD"}
    )
    assert response.status_code == 302
    assert list(ExchangeRate.objects.values_list("quote", flat=True)) == ["IDR"]


def test_rates_are_each_freelancers_own(alice_client, alice, bob, client):
    bobs = exchange_rate_add(
        owner=bob,
        fields={"base": "EUR", "quote": "JPY", "on": date(2024, 1, 4), "rate": Decimal(158)},
    )

    page = alice_client.get(reverse("profile_settings")).content.decode()
    listed = page.split('id="rates"')[1].split('id="rate-add"')[0]
    assert "No exchange rates yet." in listed
    assert "JPY" not in listed
    assert alice_client.post(reverse("exchange_rate_delete", args=[bobs.pk])).status_code == 404
    alice_client.post(reverse("exchange_rate_pair_delete"), {"base": "EUR", "quote": "JPY"})
    assert ExchangeRate.objects.filter(pk=bobs.pk).exists()
    # Alice's rate of the same pair and day is no clash with Bob's.
    assert add(alice_client, quote="JPY", rate="158").status_code == 302
    client.logout()
    assert client.post(reverse("exchange_rate_add"), {}).status_code == 302  # to the login


def test_the_ecb_history_imports_the_currencies_in_use(alice_client, alice, factories):
    uses(alice, "USD", "IDR", factories=factories)

    response = upload(alice_client, ECB_HISTORY)

    assert response.status_code == 302
    stored = set(ExchangeRate.objects.values_list("base", "quote", "on", "rate"))
    assert stored == {
        ("EUR", "USD", date(2024, 1, 5), Decimal("1.0921")),
        ("EUR", "USD", date(2024, 1, 4), Decimal("1.0953")),
        ("EUR", "IDR", date(2024, 1, 5), Decimal("16968.5")),  # N/A on the 4th: no rate
    }
    page = alice_client.get(reverse("profile_settings")).content.decode()
    assert "3 exchange rates imported" in page


def test_importing_the_same_file_twice_changes_nothing_and_a_new_day_updates(
    alice_client, alice, factories
):
    uses(alice, "USD", "IDR", factories=factories)
    upload(alice_client, ECB_HISTORY)
    upload(alice_client, ECB_HISTORY)
    assert ExchangeRate.objects.count() == 3

    upload(alice_client, ECB_ONE_DAY, "eurofxref.csv")

    assert ExchangeRate.objects.count() == 4
    assert ExchangeRate.objects.get(quote="IDR", on=date(2024, 1, 4)).rate == Decimal("16998.42")


def test_a_bad_rate_file_imports_nothing_and_lists_every_problem(alice_client, alice, factories):
    uses(alice, "USD", "IDR", factories=factories)
    bad = (
        b"Date,USD,IDR,\n"
        b"2024-01-05,1.0921,16968.50,\n"
        b"5th of Jan,1.09,16900,\n"
        b"2024-01-03,-1.2,abc,\n"
        b"2024-01-05,1.0921,16968.50,\n"
    )

    response = upload(alice_client, bad)

    assert response.status_code == 422
    page = response.content.decode()
    assert "Nothing was imported: 4 problems in the file." in page
    assert "Line 3: “5th of Jan” is not a date" in page
    assert "Line 4, USD: “-1.2” is not a positive rate." in page
    assert "Line 4, IDR: “abc” is not a positive rate." in page
    assert "Line 5: 2024-01-05 appears twice." in page
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Client,Amount\nAcme,12\n", "The first line must be the header"),
        (b"Date,USD,XXQ\n2024-01-05,1.09,2\n", "XXQ is not a currency code"),
        ("Date,USD\n2024-01-05,1,09\n".encode("utf-16"), "The file is not text in UTF-8"),
        (b"", "The submitted file is empty."),
    ],
)
def test_a_file_that_is_no_rate_file_is_refused(alice_client, content, message):
    response = upload(alice_client, content)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ExchangeRate.objects.exists()


def test_a_file_with_none_of_the_currencies_in_use_says_so(alice_client):
    response = upload(alice_client, b"Date,JPY,\n2024-01-05,158.34,\n")

    assert response.status_code == 422
    assert "The file holds no rate for the currencies you use (EUR)." in response.content.decode()


def test_a_rate_makes_the_effort_of_a_client_in_another_currency_compare(alice, factories):
    today = timezone.localdate()
    profile = profile_for(alice)
    profile_update(profile=profile, fields={"target_hourly_rate": Decimal(60)})
    jakarta = factories.client(owner=alice, currency="IDR", name="Jakarta Mart")
    invoice = factories.invoice(
        client=jakarta, amount=Decimal("1000000.00"), issued_on=today - timedelta(days=40)
    )
    factories.payment(invoice=invoice)
    for days in range(1, 60, 3):
        factories.work_log(client=jakarta, hours=Decimal(8), worked_on=today - timedelta(days=days))

    client_score_refresh(jakarta)
    score = ClientScore.objects.get(client=jakarta)
    assert "effort" not in [reason["rule"] for reason in score.reasons]
    assert score.worth.notes[0]["msgid"].startswith("Money in {source} could not be compared")
    assert score.worth.share_percent is None

    exchange_rate_add(
        owner=alice,
        fields={
            "base": "EUR",
            "quote": "IDR",
            "on": today - timedelta(days=5),
            "rate": Decimal(17000),
        },
    )

    score = ClientScore.objects.get(client=jakarta)
    assert "effort" in [reason["rule"] for reason in score.reasons]
    assert score.worth.notes == []
    assert score.worth.share_percent == 100
    assert score.worth.hourly < 1  # 1,000,000 IDR over 160 hours: 0.37 EUR an hour


@pytest.mark.parametrize("clients", [2, 20])
def test_scoring_everyone_with_rates_costs_the_same_queries_for_2_or_20_clients(
    alice, factories, django_assert_num_queries, clients
):
    exchange_rate_add(
        owner=alice,
        fields={"base": "EUR", "quote": "USD", "on": date(2024, 1, 4), "rate": Decimal("1.09")},
    )
    for _ in range(clients):
        client = factories.client(owner=alice, currency="USD")
        factories.payment(invoice=factories.invoice(client=client))
    # Profile, six fact tables (steps too), the rates (money in USD), stored scores, the
    # upsert, and the savepoint around it.
    with django_assert_num_queries(12):
        scores_refresh(alice)
