"""Helpers the apps' services share."""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def model_save(instance: M, fields: Mapping[str, Any], *, exclude: Iterable[str] = ()) -> M:
    """Set `fields` on `instance`, validate it fully (fields, clean(), constraints), save it."""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=list(exclude))
    instance.save()
    return instance
