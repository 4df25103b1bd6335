"""Helpers the apps' services share."""

import logging
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.files.storage import default_storage
from django.db import models, transaction

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)


def model_save(instance: M, fields: Mapping[str, Any], *, exclude: Iterable[str] = ()) -> M:
    """Set `fields` on `instance`, validate it fully (fields, clean(), constraints), save it."""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=list(exclude))
    instance.save()
    return instance


def stored_files_delete(names: Iterable[str]) -> None:
    """Remove stored files (evidence, reports) once the change that dropped them commits:
    a record deleted or a file replaced must not leave the old file behind, and a rolled
    back change must keep it. A file that cannot be removed is logged, never an error for
    the freelancer: the record is already gone."""
    names = [name for name in names if name]

    def delete() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except Exception:  # any storage backend's error: the row is gone either way
                logger.exception("could not remove stored file %s", name)

    if names:
        transaction.on_commit(delete)
