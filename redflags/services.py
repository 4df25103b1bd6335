"""Writes for the red-flag log and the steps tried."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from clients.models import Client
from clientwatch.services import model_save, stored_files_delete
from redflags.assess import client_score_refresh
from redflags.models import Incident, Step


@transaction.atomic
def incident_log(*, client: Client, fields: Mapping[str, Any]) -> Incident:
    incident = model_save(Incident(client=client), fields)
    client_score_refresh(client)
    return incident


@transaction.atomic
def incident_update(*, incident: Incident, fields: Mapping[str, Any]) -> Incident:
    replaced = incident.evidence_file.name
    model_save(incident, fields)
    if replaced != incident.evidence_file.name:
        stored_files_delete([replaced])
    client_score_refresh(incident.client)
    return incident


@transaction.atomic
def incident_delete(*, incident: Incident) -> None:
    client = incident.client
    stored_files_delete([incident.evidence_file.name])
    incident.delete()
    client_score_refresh(client)


@transaction.atomic
def step_log(*, client: Client, fields: Mapping[str, Any]) -> Step:
    step = model_save(Step(client=client), fields)
    client_score_refresh(client)
    return step


@transaction.atomic
def step_update(*, step: Step, fields: Mapping[str, Any]) -> Step:
    model_save(step, fields)
    client_score_refresh(step.client)
    return step


@transaction.atomic
def step_delete(*, step: Step) -> None:
    client = step.client
    step.delete()
    client_score_refresh(client)
