"""Real PostgreSQL backends going away, as a restart or a failover leaves them: a second
connection of our own terminates the app's backend mid-request or mid-run."""

import time

import psycopg
from django.db import connection


def killer_connection() -> psycopg.Connection:
    """A connection of its own to the test database, outside Django's, to do the killing."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        autocommit=True,
    )


def terminate(killer: psycopg.Connection, pid: int) -> None:
    """Terminate the backend and wait until it is gone, as a failover would leave it."""
    killer.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 10
    while killer.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
        assert time.monotonic() < deadline, "the backend did not go"
        time.sleep(0.05)
