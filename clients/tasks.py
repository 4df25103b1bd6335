"""Celery tasks for large imports and reports: thin, id-based, safe to run twice."""

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from clients.backup import BackupInvalid, backup_import, backup_parse
from clients.models import ImportJob, Report
from clientwatch.celery import enqueue_after_commit
from clientwatch.dates import zone_active

# Shown when the import broke off for a reason that is not the file's (database down,
# time limit): backup_import writes in one transaction, so nothing of it was kept.
STOPPED = "The import stopped unexpectedly and nothing was saved. Please upload the file again."


def import_job_start(
    *, owner: AbstractBaseUser, payload: str, filename: str, total: int
) -> ImportJob:
    """Store the document as a job and queue its import once the job row is committed."""
    with transaction.atomic():
        job = ImportJob(owner=owner, payload=payload, filename=filename[:200], total=total)
        job.full_clean()
        job.save()
        # After commit: a worker quick enough to start before it would not find the row.
        enqueue_after_commit(run_import, job.pk)
    return job


@shared_task
def run_import(job_id: int) -> None:
    # Claim the job: only one run moves it from pending to running, a second one (a
    # duplicate delivery, a retry by hand) changes no row and stops here. A job deleted
    # meanwhile changes no row either.
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.PENDING).update(
        state=ImportJob.State.RUNNING, done=0
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None:
        return
    # One backup_import call rather than client by client in chunks: it checks the whole
    # document before writing anything and writes in one transaction, so a bad file or a
    # crash halfway leaves the freelancer's data exactly as it was. The price is progress
    # in one step (0 of N clients, then all N).
    try:
        # Dates are judged ("not in the future") on the freelancer's calendar, not UTC's.
        with zone_active(job.owner):
            result = backup_import(owner=job.owner, document=backup_parse(job.payload))
    except BackupInvalid as invalid:
        _finish(job_id, ImportJob.State.FAILED, problems=invalid.problems)
    except Exception:
        _finish(job_id, ImportJob.State.FAILED, problems=[STOPPED])
        raise  # logged by the worker; not retried, as the freelancer is told to upload again
    else:
        _finish(job_id, ImportJob.State.DONE, done=job.total, result=asdict(result))


def _finish(job_id: int, state: str, **values: Any) -> None:
    # The payload is dropped once read: it may be megabytes of personal data, and what
    # came of it is in `result` or `problems`.
    ImportJob.objects.filter(pk=job_id, state=ImportJob.State.RUNNING).update(
        state=state, payload="", finished_at=timezone.now(), **values
    )


@shared_task
def render_report(report_id: int) -> None:
    """Render a long client history's exit report in the background (the page polls)."""
    from clients.reports import report_render

    report_render(report_id=report_id)


# Work older than this and still waiting was not queued (broker down) or was lost.
STALLED_AFTER = timedelta(minutes=2)


@shared_task
def requeue_stalled_work() -> int:
    """Every few minutes: queue again what is recorded but not running. Both tasks claim
    their row first, so one that was only slow does not run twice."""
    cutoff = timezone.now() - STALLED_AFTER
    jobs = list(
        ImportJob.objects.filter(state=ImportJob.State.PENDING, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    reports = list(
        Report.objects.filter(state=Report.State.RENDERING, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for pk in jobs:
        run_import.delay(pk)
    for pk in reports:
        render_report.delay(pk)
    return len(jobs) + len(reports)
