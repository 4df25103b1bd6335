"""Imports started from the pages: in the request when small, else as a background job;
and CSV previews kept until the freelancer confirms them, once."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from clients import backup, tasks
from clients.csv_import import explain
from clients.models import ImportJob, ImportPreview

# Long enough to read a preview over a coffee; after that, the file is uploaded again.
PREVIEW_LIFETIME = timedelta(hours=2)


def document_rows(document: dict[str, Any]) -> int:
    """Clients and invoices in a document: what an import's time grows with."""
    clients = document.get("clients")
    if not isinstance(clients, list):
        return 0
    return len(clients) + sum(
        len(c["invoices"])
        for c in clients
        if isinstance(c, dict) and isinstance(c.get("invoices"), list)
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
        outcome: dict[str, Any] = {"problems": explain(invalid.problems, preview.origins)}
    else:
        outcome = {"job": done.pk} if isinstance(done, ImportJob) else {"result": asdict(done)}
    # The document is personal data and of no more use: what came of it is the outcome.
    # The origins stay, to name a background job's problems by row.
    ImportPreview.objects.filter(pk=preview.pk).update(
        outcome=outcome, confirmed_at=timezone.now(), document={}
    )
    preview.refresh_from_db()
    return preview
