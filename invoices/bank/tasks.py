"""The background half of a large statement: record its confirmed matches."""

from decimal import Decimal
from functools import partial
from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clientwatch.dates import zone_active
from invoices.bank.models import BankImport
from invoices.bank.services import credits_of, payments_record, progress_note

# Shown when the work broke off for a reason that is not the file's (database down, time
# limit): the payments are written in one transaction, so none of them was kept.
STOPPED = "Recording stopped unexpectedly and nothing was saved. Please upload the file again."


@shared_task
def run_bank_import(bank_import_id: int) -> None:
    # Claim it: only one run moves it from pending to running; a second delivery changes
    # no row and stops here, as does a statement deleted meanwhile.
    claimed = BankImport.objects.filter(pk=bank_import_id, state=BankImport.State.PENDING).update(
        state=BankImport.State.RUNNING, done=0
    )
    if not claimed:
        return
    bank_import = BankImport.objects.select_related("owner").filter(pk=bank_import_id).first()
    if bank_import is None:
        return
    allocations = {
        index: [(pk, Decimal(amount)) for pk, amount in lines]
        for index, lines in bank_import.allocations
    }
    try:
        # "Not in the future" is judged on the freelancer's calendar, not UTC's.
        with zone_active(bank_import.owner), transaction.atomic():
            result = payments_record(
                owner=bank_import.owner,
                bank_import=bank_import,
                credits=credits_of(bank_import),
                allocations=allocations,
                progress=partial(progress_note, bank_import_id),
            )
    except ValidationError as invalid:
        _finish(bank_import_id, BankImport.State.FAILED, problems=invalid.messages)
    except Exception:
        _finish(bank_import_id, BankImport.State.FAILED, problems=[STOPPED])
        raise  # logged by the worker; not retried, the freelancer is told to upload again
    else:
        result = {**bank_import.result, **result}
        _finish(bank_import_id, BankImport.State.DONE, done=bank_import.total, result=result)


def _finish(bank_import_id: int, state: str, **values: Any) -> None:
    # The credits are personal data of no more use once recorded or refused.
    BankImport.objects.filter(pk=bank_import_id, state=BankImport.State.RUNNING).update(
        state=state, credits=[], allocations=[], finished_at=timezone.now(), **values
    )
