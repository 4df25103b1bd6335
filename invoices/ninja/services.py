"""Pull from Invoice Ninja: what changed since the last pull, written through
backup_import in one transaction, or nothing and the reason kept for the settings page."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from clients.backup import BackupInvalid, backup_import
from clients.import_views import known_clients
from clients.models import Profile
from clientwatch.dates import zone_active
from invoices.ninja.api import NinjaApi, NinjaError
from invoices.ninja.mapping import MappingProblem, pull_document
from invoices.ninja.models import NinjaAccount

ENTITIES = ("clients", "invoices", "payments")


def ninja_account_save(*, owner: AbstractBaseUser, url: str, token: str) -> NinjaAccount:
    """Connect, or change the address; an empty `token` keeps the stored one. A changed
    address or token starts from the beginning again (importing again changes nothing)."""
    account = NinjaAccount.objects.filter(owner=owner).first() or NinjaAccount(owner=owner)
    changed = account.url != url or bool(token and token != account.token)
    account.url = url
    if token:
        account.token = token
    if changed:
        account.cursors = {}
        account.failures = 0
        account.last_error = ""
    account.full_clean()
    account.save()
    return account


def ninja_pull(*, account: NinjaAccount, timeout: float | None = None) -> dict[str, Any]:
    """Pull what changed and import it; raises NinjaError, with the failure recorded on
    the account, and then nothing of the pull is written."""
    try:
        result = _pull(account, timeout)
    except NinjaError as error:
        NinjaAccount.objects.filter(pk=account.pk).update(
            last_failure_at=timezone.now(),
            last_error=str(error)[:500],
            failures=account.failures + 1,
        )
        account.refresh_from_db()
        raise
    return result


def _pull(account: NinjaAccount, timeout: float | None) -> dict[str, Any]:
    api = NinjaApi(account.url, account.token, timeout=timeout)
    cursors = dict(account.cursors)
    changed = {
        entity: api.changed(
            entity,
            int(cursors.get(entity, 0)),
            {"include": "paymentables"} if entity == "payments" else None,
        )
        for entity in ENTITIES
    }
    clients = {row["id"]: row for row in changed["clients"]}
    invoices = {row["id"]: row for row in changed["invoices"]}
    # What the changes refer to but did not change themselves: read one by one.
    for payment in changed["payments"]:
        for part in payment.get("paymentables") or []:
            invoice_id = part.get("invoice_id") if isinstance(part, dict) else None
            if invoice_id and invoice_id not in invoices:
                invoices[invoice_id] = api.one("invoices", invoice_id)
    for invoice in list(invoices.values()):
        client_id = str(invoice.get("client_id") or "")
        if client_id and client_id not in clients:
            clients[client_id] = api.one("clients", client_id)
    profile = Profile.objects.for_user(account.owner)
    defaults = {
        "currency": profile.currency,
        "payment_terms_days": profile.default_payment_terms_days,
        "today": timezone.localdate().isoformat(),
    }
    try:
        document = pull_document(
            clients=clients,
            invoices=invoices,
            payments=changed["payments"],
            stored=known_clients(account.owner),
            defaults=defaults,
        )
        with zone_active(account.owner):
            result = asdict(backup_import(owner=account.owner, document=document))
    except MappingProblem as problem:
        raise NinjaError(
            f"Invoice Ninja sent what cannot be imported: {problem}", transient=False
        ) from problem
    except BackupInvalid as invalid:
        shown = "; ".join(invalid.problems[:3])
        raise NinjaError(f"Invoice Ninja's data was refused: {shown}", transient=False) from invalid
    for entity, rows in changed.items():
        stamps = [row["updated_at"] for row in rows]
        if stamps:
            cursors[entity] = max(max(stamps), int(cursors.get(entity, 0)))
    NinjaAccount.objects.filter(pk=account.pk).update(
        cursors=cursors,
        last_success_at=timezone.now(),
        last_result=result,
        failures=0,
        last_error="",
    )
    account.refresh_from_db()
    return result
