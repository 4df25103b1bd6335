"""Imports started from the pages: in the request when small, else as a background job;
and CSV previews (ours, or another tool's export) kept until the freelancer confirms them,
once."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from clients import backup, tasks
from clients.csv_import import explain
from clients.imports import mapping
from clients.imports.reading import Source
from clients.models import Client, ImportJob, ImportPreview, Profile
from invoices.models import Payment

# Long enough to read a preview over a coffee; after that, the file is uploaded again.
PREVIEW_LIFETIME = timedelta(hours=2)


def document_rows(document: dict[str, Any]) -> int:
    """Clients, invoices and work logs in a document: what an import's time grows with."""
    clients = document.get("clients")
    if not isinstance(clients, list):
        return 0
    return len(clients) + sum(
        len(c[kind])
        for c in clients
        for kind in ("invoices", "work_logs")
        if isinstance(c, dict) and isinstance(c.get(kind), list)
    )


def imports_in_background(document: dict[str, Any]) -> bool:
    return document_rows(document) >= settings.IMPORT_BACKGROUND_FROM_ROWS


def import_start(
    *, owner: AbstractBaseUser, document: dict[str, Any], payload: str, filename: str
) -> backup.ImportResult | ImportJob:
    """Import a parsed document: in the request when small, else as a background job.

    Raises BackupInvalid (nothing written) when a small document does not check out; a
    large one is checked by the worker and its problems shown on the job page.
    """
    if not imports_in_background(document):
        return backup.backup_import(owner=owner, document=document)
    clients = document.get("clients")
    return tasks.import_job_start(
        owner=owner,
        payload=payload,
        filename=filename,
        total=len(clients) if isinstance(clients, list) else 0,
    )


@transaction.atomic
def import_preview_create(
    *,
    owner: AbstractBaseUser,
    filename: str,
    document: dict[str, Any],
    origins: dict[str, int],
    source: dict[str, Any] | None = None,
) -> ImportPreview:
    now = timezone.now()
    # Old previews go when a new one comes: nothing else reads them once expired.
    ImportPreview.objects.for_owner(owner).filter(expires_at__lte=now).delete()
    preview = ImportPreview(
        owner=owner,
        token=secrets.token_urlsafe(16),
        filename=filename[:200],
        document=document,
        origins=origins,
        source=source or {},
        expires_at=now + PREVIEW_LIFETIME,
    )
    preview.full_clean()
    preview.save()
    return preview


@transaction.atomic
def import_preview_confirm(*, owner: AbstractBaseUser, token: str) -> ImportPreview | None:
    """Import the preview's document once; None when there is no such preview (expired,
    another freelancer's, never made).

    The row is locked, so two confirms at once (a double click, two tabs) import once: the
    second waits for the first and then finds its outcome recorded.
    """
    preview = (
        ImportPreview.objects.for_owner(owner)
        .select_for_update()
        .filter(token=token, expires_at__gt=timezone.now())
        .first()
    )
    if preview is None or preview.confirmed_at is not None:
        return preview
    try:
        done = import_start(
            owner=owner,
            document=preview.document,
            payload=json.dumps(preview.document),
            filename=preview.filename,
        )
    except backup.BackupInvalid as invalid:
        # Only when the stored data changed since the preview (another import meanwhile).
        # Named by the file's own rows: another tool's columns are not our CSV's.
        named = mapping.explain if preview.source else explain
        outcome: dict[str, Any] = {"problems": named(invalid.problems, preview.origins)}
    else:
        outcome = {"job": done.pk} if isinstance(done, ImportJob) else {"result": asdict(done)}
    # The document is personal data and of no more use: what came of it is the outcome.
    # The origins stay, to name a background job's problems by row.
    ImportPreview.objects.filter(pk=preview.pk).update(
        outcome=outcome, confirmed_at=timezone.now(), document={}, source={}
    )
    preview.refresh_from_db()
    return preview


def known_clients(owner: AbstractBaseUser) -> dict[str, dict[str, Any]]:
    """The owner's stored clients as the document writes the values a CSV may leave empty."""
    rows = Client.objects.for_owner(owner).values_list(
        "ref",
        "name",
        "email",
        "currency",
        "language",
        "billing_mode",
        "rate",
        "payment_terms_days",
        "started_on",
    )
    return {
        ref: {
            "name": name,
            "email": email,
            "currency": currency,
            "language": language,
            "billing": billing,
            "rate": str(rate.quantize(backup.CENTS)),
            "payment_terms_days": terms,
            "started_on": started_on.isoformat(),
        }
        for ref, name, email, currency, language, billing, rate, terms, started_on in rows
    }


# Another tool's export: the file read once, the document built at the confirm


def tool_preview_create(*, owner: AbstractBaseUser, source: Source) -> ImportPreview:
    """Keep a read file until the freelancer has made their choices and confirms."""
    return import_preview_create(
        owner=owner, filename=source.filename, document={}, origins={}, source=source.as_json()
    )


def tool_context(
    owner: AbstractBaseUser,
) -> tuple[dict[str, str], dict[str, dict[str, Any]], dict[str, Any]]:
    """What building a document needs from the database, in two queries: the owner's
    clients (ref -> name), their document values, and a new client's defaults."""
    known = known_clients(owner)
    profile = Profile.objects.filter(user=owner).first() or Profile(user=owner)
    languages = {code for code, _name in Client._meta.get_field("language").choices}
    defaults = {
        "language": profile.language if profile.language in languages else "en",
        "payment_terms_days": profile.default_payment_terms_days,
        "currency": profile.currency,
    }
    return {ref: values["name"] for ref, values in known.items()}, known, defaults


def tool_document(
    *, owner: AbstractBaseUser, source: Source, choices: mapping.Choices
) -> mapping.Built:
    """The document for `source` as `choices` place it: four queries, however long."""
    _names, known, defaults = tool_context(owner)
    numbers = [record.number for record in source.invoices]
    paid = dict(
        Payment.objects.for_owner(owner)
        .filter(invoice__number__in=numbers, is_overpayment=False)
        .values_list("invoice__number")
        .annotate(total=Sum("amount"))
    )
    return mapping.build(
        source,
        choices,
        known=known,
        defaults=defaults,
        paid=paid,
        today=timezone.localdate(),
    )


@transaction.atomic
def tool_preview_confirm(
    *, owner: AbstractBaseUser, token: str, choices: mapping.Choices
) -> ImportPreview | None:
    """Build the document with the freelancer's choices and import it, once (see
    import_preview_confirm); None when there is no such preview. Raises BackupInvalid
    when the choices still leave a question open."""
    preview = (
        ImportPreview.objects.for_owner(owner)
        .select_for_update()
        .filter(token=token, expires_at__gt=timezone.now())
        .first()
    )
    if preview is None or preview.confirmed_at is not None:
        return preview
    built = tool_document(owner=owner, source=Source.from_json(preview.source), choices=choices)
    if built.problems:
        raise backup.BackupInvalid(built.problems)
    ImportPreview.objects.filter(pk=preview.pk).update(
        document=built.document, origins=built.origins
    )
    return import_preview_confirm(owner=owner, token=token)
