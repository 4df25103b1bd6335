"""Database connections dropped between bursts of load: gunicorn on PostgreSQL, driven by
wrk in rounds; between rounds every connection the app keeps to its database is terminated
(as a PostgreSQL restart, a failover or an idle timeout does). Every request of the next
round must still answer 2xx: a kept connection the server dropped is replaced when the next
request starts (CONN_HEALTH_CHECKS), never handed to a view. (A query running at the very
moment of a restart still fails its one request, rolled back: that is not what this checks.)

Run by tests/test_faults_under_load.py in a process of its own (it sets Django up against a
database of its own, `clientwatch_faults`, created and dropped here). Prints one line,
`FAULTS requests=N non2xx=N terminated=N first_status=N`, and exits 1 when a request failed.
"""

import os
import sys
import time

import psycopg
from psycopg import sql

from clientwatch import loadtest

DB_NAME = "clientwatch_faults"
ROUNDS = 4
ROUND_SECONDS = 3


def _database(*, create: bool) -> None:
    name = sql.Identifier(DB_NAME)
    with psycopg.connect(f"{loadtest.PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def _terminate_app_connections() -> int:
    with psycopg.connect(f"{loadtest.PG_SERVER}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [DB_NAME],
        ).fetchall()
    return sum(1 for (done,) in rows if done)


def main() -> int:
    env = loadtest.server_environment() | {
        "DATABASE_URL": f"{loadtest.PG_SERVER}/{DB_NAME}",
        "LOG_LEVEL": "ERROR",
    }
    os.environ.update(env)
    _database(create=True)
    try:
        loadtest.manage(env, "migrate", "--no-input")
        loadtest.manage(env, "collectstatic", "--no-input")  # DEBUG off serves the manifest
        import django

        django.setup()
        from clientwatch.bench import make_freelancer
        from redflags.assess import scores_refresh

        user = make_freelancer("faults", 20, 6, 2, 3)
        scores_refresh(user)
        targets = [loadtest.Target(loadtest.session_for(user), loadtest.client_ids_of(user.pk))]
        loadtest.close_django_connections()
        script = loadtest.lua_script(targets, "/", 0.3)
        args = type("Args", (), {"wrk_threads": 2, "connections": 8})()
        requests = failed = terminated = first_status = 0
        with loadtest.gunicorn(env, workers=2, threads=4) as (port, _pid):
            for _round in range(ROUNDS):
                result = loadtest.run_wrk(port, script, args, ROUND_SECONDS)
                requests += result.requests
                failed += result.non_2xx
                first_status = first_status or result.first_bad_status
                time.sleep(0.5)  # the last responses are written; the connections sit idle
                terminated += _terminate_app_connections()
    finally:
        loadtest.close_django_connections()
        time.sleep(0.5)
        _database(create=False)
    print(
        f"FAULTS requests={requests} non2xx={failed} "
        f"terminated={terminated} first_status={first_status}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
