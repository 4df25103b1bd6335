import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientwatch.settings")

app = Celery("clientwatch")
# Every Celery setting lives in clientwatch/settings.py under the CELERY_ prefix.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
