"""The Invoice Ninja sync against a small local HTTP server.

The real server cannot run here. `FakeNinja` answers as Invoice Ninja's documented API v5
does: `/api/v1/clients`, `/api/v1/invoices`, `/api/v1/payments` (and `/{id}` for one
record), the token in the `X-API-TOKEN` header (401 without the right one), lists as
`{"data": [...], "meta": {"pagination": {...}}}` filtered by `updated_at` (records
updated at or after that Unix time), sorted by `sort=updated_at|asc`, paged by
`per_page` and `page`, payments with their `paymentables` when `include=paymentables`.
"""

import json
import threading
import time
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from clients.models import Client
from invoices.models import Invoice, Payment
from invoices.ninja import api
from invoices.ninja.api import NinjaError
from invoices.ninja.models import NinjaAccount
from invoices.ninja.services import ninja_account_save, ninja_pull
from invoices.ninja.tasks import pull_from_ninja

pytestmark = pytest.mark.django_db

TOKEN = "ninja-token-0123456789abcdef"


class FakeNinja:
    def __init__(self) -> None:
        self.records = {"clients": [], "invoices": [], "payments": []}
        self.mode = "ok"  # "ok", "slow", "malformed"
        self.requests: list[tuple[str, dict]] = []
        self.after_first_page = None  # called once, after the first list page is served
        self.clock = 1_700_000_000

    def tick(self) -> int:
        self.clock += 10
        return self.clock

    def add(self, entity: str, **record) -> dict:
        record.setdefault("updated_at", self.tick())
        record.setdefault("is_deleted", False)
        self.records[entity].append(record)
        return record

    def change(self, entity: str, ninja_id: str, **values) -> None:
        record = next(r for r in self.records[entity] if r["id"] == ninja_id)
        record.update(values, updated_at=self.tick())

    def answer(self, path: str, query: dict, token: str | None):
        self.requests.append((path, query))
        if token != TOKEN:
            return 401, {"message": "Invalid token"}
        parts = path.strip("/").split("/")  # api, v1, entity[, id]
        entity = parts[2]
        rows = self.records.get(entity)
        if rows is None:
            return 404, {"message": "Not found"}
        if len(parts) == 4:
            found = [r for r in rows if r["id"] == parts[3]]
            return (200, {"data": found[0]}) if found else (404, {"message": "Not found"})
        since = int(query.get("updated_at", ["0"])[0])
        per_page = int(query.get("per_page", ["20"])[0])
        page = int(query.get("page", ["1"])[0])
        chosen = sorted(
            (r for r in rows if r["updated_at"] >= since), key=lambda r: r["updated_at"]
        )
        data = chosen[(page - 1) * per_page : page * per_page]
        if entity == "payments" and "paymentables" not in query.get("include", [""])[0]:
            data = [{k: v for k, v in r.items() if k != "paymentables"} for r in data]
        meta = {
            "pagination": {
                "total": len(chosen),
                "count": len(data),
                "per_page": per_page,
                "current_page": page,
                "total_pages": max(1, -(-len(chosen) // per_page)),
            }
        }
        if self.after_first_page is not None:
            hook, self.after_first_page = self.after_first_page, None
            body = {"data": [dict(r) for r in data], "meta": meta}
            hook()
            return 200, body
        return 200, {"data": data, "meta": meta}


@pytest.fixture
def ninja():
    fake = FakeNinja()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlparse(self.path)
            if fake.mode == "slow":
                time.sleep(1.5)
            status, body = fake.answer(
                url.path, parse_qs(url.query), self.headers.get("X-API-TOKEN")
            )
            payload = (
                b"<html>Service unavailable"
                if fake.mode == "malformed"
                else json.dumps(body).encode()
            )
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def account(alice, ninja, settings):
    settings.INVOICE_NINJA_ALLOW_HTTP = True
    return ninja_account_save(owner=alice, url=ninja.url, token=TOKEN)


def seed(ninja):
    """One client with a paid invoice, a partly paid one and a draft."""
    ninja.add(
        "clients",
        id="Wpmbk5ezJn",
        number="0001",
        name="Acme Studio",
        display_name="Acme Studio",
        contacts=[{"email": "billing@acme.example", "first_name": "Ann"}],
        settings={"currency_id": "3", "payment_terms": "14"},
        created_at=1_690_000_000,
    )
    for ninja_id, number, amount, status in (
        ("VolejRejNm", "INV-0001", 1200, "4"),
        ("Opnel5aKBz", "INV-0002", 300, "3"),
        ("Lj5Ob7d3ax", "INV-0003", 999, "1"),
    ):
        ninja.add(
            "invoices",
            id=ninja_id,
            number=number,
            client_id="Wpmbk5ezJn",
            date="2026-10-01",
            due_date="2026-10-15",
            amount=amount,
            balance=0,
            status_id=status,
        )
    ninja.add(
        "payments",
        id="gl9avmeG1v",
        number="P-1",
        client_id="Wpmbk5ezJn",
        date="2026-10-14",
        amount=1300,
        status_id="4",
        paymentables=[
            {"invoice_id": "VolejRejNm", "amount": 1200, "refunded": 0},
            {"invoice_id": "Opnel5aKBz", "amount": 100, "refunded": 0},
        ],
    )


def test_a_first_pull_brings_clients_sent_invoices_and_payments(account, ninja):
    seed(ninja)
    result = ninja_pull(account=account)
    client = Client.objects.get(ref="in-0001")
    assert (client.name, client.email, client.currency, client.payment_terms_days) == (
        "Acme Studio",
        "billing@acme.example",
        "EUR",
        14,
    )
    assert sorted(Invoice.objects.values_list("number", "amount")) == [
        ("INV-0001", Decimal("1200.00")),
        ("INV-0002", Decimal("300.00")),
    ]  # the draft stays out
    assert sorted(Payment.objects.values_list("invoice__number", "paid_on", "amount")) == [
        ("INV-0001", date(2026, 10, 14), Decimal("1200.00")),
        ("INV-0002", date(2026, 10, 14), Decimal("100.00")),
    ]
    assert result["payments"]["created"] == 2
    account.refresh_from_db()
    assert account.last_success_at is not None and account.failures == 0
    assert account.cursors == {
        "clients": 1_700_000_010,
        "invoices": 1_700_000_040,
        "payments": 1_700_000_050,
    }
    # Every request carried the token; the lists were asked for in updated_at order.
    assert all(q.get("sort") == ["updated_at|asc"] for p, q in ninja.requests if p.count("/") == 3)


def test_pulling_again_asks_only_for_what_changed_and_changes_nothing(account, ninja):
    seed(ninja)
    ninja_pull(account=account)
    ninja.requests.clear()
    result = ninja_pull(account=account)
    lists = [(p, q["updated_at"]) for p, q in ninja.requests if p.count("/") == 3]
    assert lists == [
        ("/api/v1/clients", ["1700000010"]),
        ("/api/v1/invoices", ["1700000040"]),
        ("/api/v1/payments", ["1700000050"]),
    ]
    assert result["invoices"]["created"] == result["payments"]["created"] == 0
    assert Payment.objects.count() == 2 and Invoice.objects.count() == 2


def test_a_page_of_results_changed_between_two_pulls(account, ninja):
    seed(ninja)
    ninja_pull(account=account)
    # In Invoice Ninja, meanwhile: INV-0002 gets its second payment, INV-0003 is sent.
    ninja.change("invoices", "Opnel5aKBz", status_id="4")
    ninja.change("invoices", "Lj5Ob7d3ax", status_id="2", amount=450)
    ninja.add(
        "payments",
        id="Xa1Bc2Dd3e",
        number="P-2",
        client_id="Wpmbk5ezJn",
        date="2026-11-02",
        amount=200,
        status_id="4",
        paymentables=[{"invoice_id": "Opnel5aKBz", "amount": 200, "refunded": 0}],
    )
    ninja_pull(account=account)
    assert Invoice.objects.get(number="INV-0003").amount == Decimal("450.00")
    assert sorted(
        Invoice.objects.get(number="INV-0002").payments.values_list("amount", flat=True)
    ) == [
        Decimal("100.00"),
        Decimal("200.00"),
    ]


def test_a_record_changed_while_the_pull_pages_through_is_not_missed(account, ninja, monkeypatch):
    monkeypatch.setattr(api, "PER_PAGE", 2)
    for n in range(5):
        ninja.add(
            "clients",
            id=f"client{n}",
            number=f"10{n}",
            name=f"Client {n}",
            contacts=[{"email": f"c{n}@example.com"}],
            settings={},
        )
    # After the first page: client0 is edited, which moves it to the end of the order
    # (and, read by page numbers, would shift client2 onto the page already read).
    ninja.after_first_page = lambda: ninja.change("clients", "client0", name="Client 0 renamed")
    ninja_pull(account=account)
    assert sorted(Client.objects.values_list("ref", flat=True)) == [f"in-10{n}" for n in range(5)]
    assert Client.objects.get(ref="in-100").name == "Client 0 renamed"


def test_a_bad_token_is_recorded_and_shown_nothing_written(alice, alice_client, ninja, settings):
    settings.INVOICE_NINJA_ALLOW_HTTP = True
    seed(ninja)
    account = ninja_account_save(owner=alice, url=ninja.url, token="wrong-token-1234")
    with pytest.raises(NinjaError) as failed:
        ninja_pull(account=account)
    assert not failed.value.transient
    assert not Client.objects.exists()
    account.refresh_from_db()
    assert account.failures == 1
    assert account.last_error == "Invoice Ninja refused the API token (401)"
    page = alice_client.get(reverse("profile_settings")).content.decode()
    assert "Invoice Ninja refused the API token (401)" in page
    assert "wrong-token-1234" not in page and "…1234" in page


def test_a_slow_server_times_out_is_recorded_and_retried(account, ninja, monkeypatch):
    seed(ninja)
    ninja.mode = "slow"
    with pytest.raises(NinjaError) as failed:
        ninja_pull(account=account, timeout=0.3)
    assert failed.value.transient
    assert "did not answer within 0.3 seconds" in str(failed.value)
    assert not Client.objects.exists()
    # The task tries again later for a transient failure.
    monkeypatch.setattr(api, "TIMEOUT", 0.3)
    retried = []
    monkeypatch.setattr(pull_from_ninja, "retry", lambda **kw: retried.append(kw) or RuntimeError())
    with pytest.raises(RuntimeError):
        pull_from_ninja.apply(args=[account.pk], throw=True)
    assert retried and retried[0]["countdown"] == 60


def test_a_server_down_or_malformed_answer_writes_nothing(account, ninja):
    seed(ninja)
    ninja.mode = "malformed"
    with pytest.raises(NinjaError, match="not JSON"):
        ninja_pull(account=account)
    account.refresh_from_db()
    assert account.failures == 1
    ninja.mode = "ok"
    NinjaAccount.objects.filter(pk=account.pk).update(url="http://127.0.0.1:9")
    account.refresh_from_db()
    with pytest.raises(NinjaError, match="could not be reached"):
        ninja_pull(account=account)
    assert not Client.objects.exists() and not Invoice.objects.exists()


def test_a_pull_refused_by_the_import_checks_writes_nothing(account, ninja):
    seed(ninja)
    # More paid than the invoice's amount: backup_import refuses the whole pull.
    ninja.change(
        "payments", "gl9avmeG1v", paymentables=[{"invoice_id": "Opnel5aKBz", "amount": 900}]
    )
    with pytest.raises(NinjaError, match="refused"):
        ninja_pull(account=account)
    assert not Client.objects.exists() and not Payment.objects.exists()


def test_the_settings_page_saves_the_token_and_never_shows_it(alice_client, alice, settings):
    settings.INVOICE_NINJA_ALLOW_HTTP = False
    url = reverse("ninja_settings")
    page = alice_client.post(url, {"url": "http://ninja.example", "token": TOKEN})
    assert "Use an https:// address" in page.content.decode()
    response = alice_client.post(url, {"url": "https://ninja.example", "token": TOKEN})
    assert response.status_code == 302
    account = NinjaAccount.objects.get(owner=alice)
    assert account.token == TOKEN
    html = alice_client.get(url).content.decode()
    assert TOKEN not in html and "…cdef" in html
    # Saving again without a token keeps it.
    alice_client.post(url, {"url": "https://ninja.example/", "token": ""})
    account.refresh_from_db()
    assert account.token == TOKEN and account.url == "https://ninja.example/"


def test_another_freelancer_sees_nothing_of_the_connection(alice, client, bob):
    ninja_account_save(owner=alice, url="https://ninja.example", token=TOKEN)
    client.force_login(bob)
    html = client.get(reverse("ninja_settings")).content.decode()
    assert "ninja.example" not in html
    assert "Connect Invoice Ninja" in client.get(reverse("profile_settings")).content.decode()
