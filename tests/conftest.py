import os
import socket
from types import SimpleNamespace

import django.test
import pytest

from tests.factories import (
    AccountItemFactory,
    ClientFactory,
    IncidentFactory,
    InvoiceFactory,
    PaymentFactory,
    StepFactory,
    UserFactory,
    WorkLogFactory,
)

# CI sets this: a test that needs PostgreSQL or Redis must then fail, not skip.
REQUIRE_SERVICES = os.environ.get("CLIENTWATCH_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (CLIENTWATCH_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts (sign-ups, resets, a username's failed logins) live in the default
    cache; each test starts with none left by another."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs a second per user; tests of login still hash and check."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # to check data made outside a test
    ]


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.com")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", email="bob@example.com")


class FormBrowser(django.test.Client):
    """The test browser. Like a real one, it posts a create form with the one-time token
    the form carried when it was shown (clientwatch/once.py): a POST of a dict without
    one gets a fresh token for the logged-in freelancer. Tests of the token itself give
    `once` themselves or use django.test.Client."""

    def post(self, path, data=None, *args, **kwargs):
        from django.conf import settings
        from django.contrib.auth import SESSION_KEY

        from clientwatch.once import FIELD, token_make

        # Without a session cookie nobody is logged in; reading `self.session` then would
        # make a session in the database (sessions live there) for nothing.
        logged_in = settings.SESSION_COOKIE_NAME in self.cookies
        user_pk = self.session.get(SESSION_KEY) if logged_in else None
        if isinstance(data, dict) and FIELD not in data and user_pk:
            data = {**data, FIELD: token_make(owner=SimpleNamespace(pk=user_pk))}
        return super().post(path, data, *args, **kwargs)


@pytest.fixture
def client():
    return FormBrowser()


@pytest.fixture
def alice_client(client, alice):
    """The test browser, logged in as alice."""
    client.force_login(alice)
    return client


@pytest.fixture
def acme(alice):
    """One of alice's clients."""
    return ClientFactory(owner=alice, name="Acme Studio", ref="acme")


@pytest.fixture
def factories():
    class F:
        user = UserFactory
        client = ClientFactory
        invoice = InvoiceFactory
        payment = PaymentFactory
        incident = IncidentFactory
        step = StepFactory
        work_log = WorkLogFactory
        account_item = AccountItemFactory

    return F


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; Django's mail goes to it for the test."""
    from tests.mailserver import SMTPServer

    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield server


@pytest.fixture
def celery_eager():
    """Tasks run in the test's own process when queued. Celery reads Django's settings
    once, so this sets the app's configuration itself, and puts it back afterwards."""
    from clientwatch.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = before


@pytest.fixture
def dead_broker():
    """Celery pointed at a Redis port where nothing listens."""
    from clientwatch.celery import app
    from tests.mailserver import free_port

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    app.conf.task_always_eager = False
    forget_broker_connections(app)
    yield
    app.conf.broker_url, app.conf.task_always_eager = saved
    forget_broker_connections(app)


def forget_broker_connections(app) -> None:
    """Drop the pooled connections, and the producer pool built on them at the first
    publish: kept, it would send later tests' tasks (and worker pings) to the dead port."""
    app._pool = None
    app.amqp._producer_pool = None
