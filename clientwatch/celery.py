import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientwatch.settings")

logger = logging.getLogger(__name__)

app = Celery("clientwatch")
# Every Celery setting lives in clientwatch/settings.py under the CELERY_ prefix.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_after_commit(task, *args) -> None:
    """Queue `task` once the current transaction commits.

    If the broker cannot be reached, the request still succeeds: the work stays recorded
    in the database (a pending import, a rendering report) and the periodic sweep
    `clients.tasks.requeue_stalled_work` queues it again once the broker is back.
    """
    from django.db import transaction
    from kombu.exceptions import OperationalError

    def send() -> None:
        try:
            task.apply_async(args=args, retry=False)
        except (OperationalError, OSError) as exc:
            logger.warning("could not queue %s%r, the sweep will: %s", task.name, args, exc)

    transaction.on_commit(send)
