from celery import shared_task

from invoices.ninja.api import NinjaError
from invoices.ninja.models import NinjaAccount
from invoices.ninja.services import ninja_pull

RETRIES = 3


@shared_task(bind=True, max_retries=RETRIES)
def pull_from_ninja(self, account_id: int) -> None:
    """One account's pull; a server down or slow is tried again with back-off (1, 2, 4
    minutes), a refused token waits for the next hourly pull or a new token."""
    account = NinjaAccount.objects.select_related("owner").filter(pk=account_id).first()
    if account is None:
        return
    try:
        ninja_pull(account=account)
    except NinjaError as error:
        if error.transient and self.request.retries < RETRIES:
            raise self.retry(countdown=60 * 2**self.request.retries) from error


@shared_task
def pull_all_from_ninja() -> int:
    """Hourly: every connected account's pull, each its own task."""
    ids = list(NinjaAccount.objects.values_list("pk", flat=True))
    for pk in ids:
        pull_from_ninja.delay(pk)
    return len(ids)
