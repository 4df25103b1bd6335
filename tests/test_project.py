"""The project's own plumbing: settings readers, compose file, real services in CI."""

import os
import re
from pathlib import Path

import pytest
import yaml
from django.db import connection

from clientwatch.settings import email_settings
from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parent.parent


def test_email_url_smtp_with_starttls():
    config = email_settings("smtp+tls://me%40x.org:s3cret@mail.example.com:587")
    assert config["EMAIL_HOST"] == "mail.example.com"
    assert config["EMAIL_PORT"] == 587
    assert config["EMAIL_HOST_USER"] == "me@x.org"
    assert config["EMAIL_HOST_PASSWORD"] == "s3cret"
    assert config["EMAIL_USE_TLS"] is True
    assert config["EMAIL_USE_SSL"] is False


def test_email_url_plain_smtp_and_file_folder():
    assert email_settings("smtp://127.0.0.1:1025")["EMAIL_PORT"] == 1025
    assert email_settings("file:///tmp/mail")["EMAIL_FILE_PATH"] == "/tmp/mail"


@pytest.mark.parametrize("url", ["gopher://x", "smtp://", "nonsense"])
def test_email_url_malformed_fails_loudly(url):
    with pytest.raises(ValueError, match="EMAIL_URL"):
        email_settings(url)


def test_compose_file_defines_the_production_services_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    for name in ("web", "worker", "beat", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in services["web"]["command"]
    assert "beat" in services["beat"]["command"]
    # Exactly one beat; web has no host port of its own, so it can be scaled.
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "ports" not in services["web"]
    assert "-Q reports" in services["worker-reports"]["command"]


def test_compose_trusts_exactly_the_one_proxy_it_puts_in_front():
    """With the proxy's hop untrusted every visitor would share the proxy's address, and one
    visitor's failed logins or sign-ups would throttle everyone."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    proxies = [
        name for name, service in compose["services"].items() if "caddy" in service.get("image", "")
    ]
    assert proxies == ["proxy"]
    assert compose["x-app"]["environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"


@pytest.mark.postgres
@pytest.mark.django_db
def test_ci_runs_the_suite_on_postgresql():
    if connection.vendor != "postgresql":
        if REQUIRE_SERVICES:
            pytest.fail("CI must run the suite on PostgreSQL (DATABASE_URL)")
        pytest.skip("DATABASE_URL is not PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


def test_ci_has_redis_when_required():
    if not os.environ.get("REDIS_URL"):
        if REQUIRE_SERVICES:
            pytest.fail("CI must set REDIS_URL")
        pytest.skip("REDIS_URL not set")
    import redis

    assert redis.Redis.from_url(os.environ["REDIS_URL"]).ping()


def test_every_model_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    ours = [
        m for m in apps.get_models() if m._meta.app_label in {"clients", "invoices", "redflags"}
    ]
    assert ours
    for model in ours:
        assert admin.site.is_registered(model), model.__name__


def test_celery_is_set_up_not_to_lose_or_repeat_tasks(settings):
    from clientwatch.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.timezone == "UTC"
    assert conf.task_time_limit
    if settings.REDIS_URL:
        # Past the visibility timeout Redis hands a task to another worker: it must be
        # longer than any task may run.
        assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
        assert conf.broker_url.startswith("redis://")


def test_every_document_the_code_cites_is_in_the_repository():
    """Comments and tests cite the practice as docs/domain.md (and other docs by path);
    each cited file exists here, and nothing cites a brief outside the repository."""
    cited, outside = set(), []
    for path in ROOT.glob("**/*.py"):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        text = path.read_text("utf-8")
        cited.update(re.findall(r"\bdocs/[\w-]+\.md\b", text))
        if re.search(r"(?<![/\w])DOMAIN\.md", text):
            outside.append(str(path.relative_to(ROOT)))
    assert "docs/domain.md" in cited
    assert [doc for doc in sorted(cited) if not (ROOT / doc).exists()] == []
    assert outside == []
