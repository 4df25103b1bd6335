"""Pages for the red-flag log: incidents and the steps tried are logged from the client page."""

from copy import copy
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clients.views import (
    HtmxHttpRequest,
    form_page,
    inline_form_answer,
    owned_client,
    saved,
    timeline_entry_deleted,
)
from clientwatch.once import form_save
from redflags import services
from redflags.forms import IncidentForm, StepForm
from redflags.models import Incident, Step


def _owned_incident(request: HttpRequest, pk: int) -> Incident:
    return get_object_or_404(
        Incident.objects.for_owner(request.user).select_related("client"), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request: HtmxHttpRequest, client_pk: int) -> HttpResponse:
    client = owned_client(request, client_pk)
    form = IncidentForm()
    if request.method == "POST":
        form = IncidentForm(request.POST, request.FILES)
        done = form_save(
            request,
            form,
            lambda: services.incident_log(client=client, fields=form.service_fields()),
            once=lambda incident: reverse("client_detail", args=[client.pk]),
        )
        answer = inline_form_answer(
            request, client, "incident", form, done, message=_("Incident logged.")
        )
        if answer is not None:
            return answer
    return render(request, "redflags/incident_form.html", {"client": client, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def incident_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    incident = _owned_incident(request, pk)
    form = IncidentForm(instance=incident)
    if request.method == "POST":
        form = IncidentForm(request.POST, request.FILES, instance=copy(incident))
        done = form_save(
            request,
            form,
            lambda: services.incident_update(incident=incident, fields=form.service_fields()),
        )
        if done.ok:
            messages.success(request, _("Incident saved."))
            return saved(request, reverse("client_detail", args=[incident.client_id]))
    context = {"client": incident.client, "incident": incident, "form": form}
    return form_page(request, "redflags/incident_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def incident_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    incident = _owned_incident(request, pk)
    if request.method == "POST":
        services.incident_delete(incident=incident)
        messages.success(request, _("Incident deleted."))
        return timeline_entry_deleted(request, incident.client)
    context = {"client": incident.client, "incident": incident}
    return render(request, "redflags/incident_delete.html", context)


@login_required
@require_GET
def incident_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """The evidence file, to its owner only, always as a download (never shown inline)."""
    incident = _owned_incident(request, pk)
    if not incident.evidence_file:
        raise Http404("This incident has no evidence file.")
    try:
        handle = incident.evidence_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The evidence file is missing from storage.") from exc
    return FileResponse(
        handle, as_attachment=True, filename=PurePath(incident.evidence_file.name).name
    )


def _owned_step(request: HttpRequest, pk: int) -> Step:
    return get_object_or_404(Step.objects.for_owner(request.user).select_related("client"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def step_create(request: HtmxHttpRequest, client_pk: int) -> HttpResponse:
    client = owned_client(request, client_pk)
    form = StepForm()
    if request.method == "POST":
        form = StepForm(request.POST)
        done = form_save(
            request,
            form,
            lambda: services.step_log(client=client, fields=form.service_fields()),
            once=lambda step: reverse("client_detail", args=[client.pk]),
        )
        answer = inline_form_answer(request, client, "step", form, done, message=_("Step logged."))
        if answer is not None:
            return answer
    return render(request, "redflags/step_form.html", {"client": client, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def step_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    step = _owned_step(request, pk)
    form = StepForm(instance=step)
    if request.method == "POST":
        form = StepForm(request.POST, instance=copy(step))
        done = form_save(
            request,
            form,
            lambda: services.step_update(step=step, fields=form.service_fields()),
        )
        if done.ok:
            messages.success(request, _("Step saved."))
            return saved(request, reverse("client_detail", args=[step.client_id]))
    context = {"client": step.client, "step": step, "form": form}
    return form_page(request, "redflags/step_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def step_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    step = _owned_step(request, pk)
    if request.method == "POST":
        services.step_delete(step=step)
        messages.success(request, _("Step deleted."))
        return timeline_entry_deleted(request, step.client)
    return render(request, "redflags/step_delete.html", {"client": step.client, "step": step})
