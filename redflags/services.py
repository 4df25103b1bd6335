"""Writes for the red-flag log."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from clients.models import Client
from clientwatch.services import model_save
from redflags.models import Incident


@transaction.atomic
def incident_log(*, client: Client, fields: Mapping[str, Any]) -> Incident:
    return model_save(Incident(client=client), fields)


@transaction.atomic
def incident_update(*, incident: Incident, fields: Mapping[str, Any]) -> Incident:
    return model_save(incident, fields)


@transaction.atomic
def incident_delete(*, incident: Incident) -> None:
    incident.delete()
