"""One freelancer never sees another's data: walk every URL with alice's ids as bob."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from clients.import_previews import tool_preview_create
from clients.imports.reading import read_file
from clients.models import ExchangeRate, ImportJob, Report
from invoices.bank.models import BankImport
from invoices.models import LateFee, Reminder

pytestmark = pytest.mark.django_db

# Which object a `pk` belongs to, by the URL name's prefix (longest match wins).
PK_OWNERS = {
    "client": "client",
    "invoice": "invoice",
    "payment": "payment",
    "incident": "incident",
    "step": "step",
    "work_log": "work_log",
    "account_item": "account_item",
    "reminder": "reminder",
    "report": "report",
    "import_job": "import_job",
    "tool_import_preview": "import_preview",
    "fee": "fee",
    "authenticator": "authenticator",
    "passkey": "passkey",
    "exchange_rate": "exchange_rate",
    "bank_statement": "bank_statement",
}
SKIPPED_NAMESPACES = {"admin"}
# Values for the non-id parts of URLs.
OTHER_KWARGS = {"stage": "nudge", "kind": "handover"}
# Pages that take no object id of a freelancer: the development mailbox (tested on its
# own), the password-reset and email verification links (signed tokens).
NOT_OWNED = {
    "dev_mail_message",
    "dev_mail_html",
    "dev_mail_raw",
    "dev_mail_part",
    "password_reset_confirm",
    "email_verify",
}


def url_patterns(resolver: URLResolver | None = None, prefix: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            yield from url_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry


def object_kind(name: str, kwarg: str) -> str:
    if kwarg.endswith("_pk"):
        return kwarg.removesuffix("_pk")
    matches = [p for p in PK_OWNERS if name == p or name.startswith(p + "_")]
    if not matches:
        raise AssertionError(f"URL {name!r} takes {kwarg!r}: add it to PK_OWNERS")
    return PK_OWNERS[max(matches, key=len)]


@pytest.fixture
def alices_objects(alice, bob, factories, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Rows of bob's first, a different number of each kind, so that no two kinds of
    # alice's objects share an id by chance: a URL fed the wrong kind of id then fails.
    for n in range(1, 4):
        bobs = factories.invoice(client=factories.client(owner=bob))
        for _ in range(n):
            factories.payment(invoice=bobs, amount=1)
            factories.work_log(client=bobs.client)
    client = factories.client(owner=alice)
    invoice = factories.invoice(client=client)
    return {
        "authenticator": TOTPDevice.objects.create(user=alice, name="phone"),
        "passkey": WebAuthnCredential.objects.create(
            user=alice, name="laptop", credential_id=b"alice-laptop", public_key=b"key"
        ),
        "exchange_rate": ExchangeRate.objects.create(
            owner=alice, base="EUR", quote="USD", on=invoice.issued_on, rate="1.0953"
        ),
        "client": client,
        "invoice": invoice,
        "payment": factories.payment(invoice=invoice, amount=invoice.amount / 2),
        "incident": factories.incident(
            client=client, evidence_file=ContentFile(b"%PDF-1.4 evidence", name="evidence.pdf")
        ),
        "step": factories.step(client=client),
        "work_log": factories.work_log(client=client),
        "account_item": factories.account_item(client=client),
        "import_job": ImportJob.objects.create(owner=alice, payload='{"clients": []}'),
        "import_preview": tool_preview_create(
            owner=alice,
            source=read_file(
                b"Client,Description,Billable,Start date,Start time,Duration\n"
                + f'"{client.name}",Logo,Yes,2026-01-05,09:00:00,01:00:00\n'.encode()
            ),
        ),
        "bank_statement": BankImport.objects.create(
            owner=alice,
            token="alices-statement",
            filename="statement.xml",
            source="camt053",
            expires_at=timezone.now() + timedelta(hours=1),
            credits=[
                {
                    "date": "2026-11-03",
                    "amount": "10.00",
                    "currency": "EUR",
                    "reference": client.name,
                    "counterparty": client.name,
                    "bank_id": "B1",
                    "key": "k1",
                }
            ],
        ),
        "report": Report.objects.create(
            client=client,
            kind="handover",
            state="ready",
            pdf=ContentFile(b"%PDF-1.7 report", name="report.pdf"),
        ),
        "reminder": Reminder.objects.create(
            invoice=invoice,
            stage="nudge",
            due_on=invoice.due_on,
            state="sent",
            subject="A friendly reminder",
            body_text=f"Dear {client.name}",
        ),
        "fee": LateFee.objects.create(
            invoice=invoice,
            kind="flat",
            stage="nudge",
            amount=10,
            currency=invoice.currency,
            charged_on=invoice.due_on,
        ),
    }


def owned_urls(objects):
    urls = []
    for pattern in url_patterns():
        if pattern.name in NOT_OWNED:
            continue
        kwargs = {}
        for kwarg, converter in pattern.pattern.converters.items():
            if kwarg in OTHER_KWARGS:
                kwargs[kwarg] = OTHER_KWARGS[kwarg]
                continue
            owned = objects[object_kind(pattern.name, kwarg)]
            if kwarg == "token":  # an unguessable id in the address, as for a statement
                kwargs[kwarg] = owned.token
                continue
            assert type(converter).__name__ == "IntConverter", (pattern.name, kwarg)
            kwargs[kwarg] = owned.pk
        if kwargs:
            urls.append((pattern.name, reverse(pattern.name, kwargs=kwargs)))
    return urls


def test_the_walk_covers_every_kind_of_object(alices_objects):
    names = {name for name, _ in owned_urls(alices_objects)}
    for kind in PK_OWNERS:
        assert any(name.startswith(kind) for name in names), f"no URL walks {kind}"


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_another_freelancer_gets_404_on_every_url_with_an_id(client, bob, alices_objects, htmx):
    client.force_login(bob)
    headers = {"HX-Request": "true"} if htmx else {}
    for name, url in owned_urls(alices_objects):
        for method in (client.get, client.post):
            response = method(url, headers=headers)
            assert response.status_code in (404, 405), (name, url, method.__name__)
            if response.status_code == 405:
                continue
            assert alices_objects["client"].name not in response.content.decode(), (name, url)


def test_the_owner_reaches_the_same_urls(alice_client, alices_objects):
    for name, url in owned_urls(alices_objects):
        response = alice_client.get(url)
        assert response.status_code in (200, 302, 405), (name, url, response.status_code)


def test_the_admin_is_for_staff_only(alice_client):
    response = alice_client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
