"""`make bench`, second half: the logged-in pages under concurrent load, over real HTTP.

Serves the app with gunicorn on PostgreSQL (a database of its own, `clientwatch_load`,
created and dropped here) and drives it with wrk: a mix of dashboards and client pages
as 50 logged-in freelancers with 200 clients each, then the plain login page as the
ceiling (a page that touches no data). Nothing is asserted; like clientwatch.bench it
prints a small report for BENCHMARKS.md.

Needs PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) and wrk (apt-get install
wrk); without either it says so and exits 0, so `make bench` still works elsewhere.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess  # nosec B404  # fixed argument lists only, no shell
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

import psycopg
from psycopg import sql

if TYPE_CHECKING:  # importing Django models here would set Django up too early
    from django.contrib.auth.base_user import AbstractBaseUser

BASE_DIR = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "clientwatch_load"
DATABASE_URL = f"{PG_SERVER}/{DB_NAME}"
LOGIN_PATH = "/accounts/login/"

FREELANCERS = 50
CLIENTS_EACH = 200
INVOICES_EACH = 12  # a year of monthly invoices per client
INCIDENTS_EACH = 3
WORK_LOGS_EACH = 6
# Share of the logged-in requests that load the dashboard; the rest open a client page.
# Uniform over the 201 URLs would make the heaviest page 0.5% of the load.
DASHBOARD_SHARE = 0.25

# Tried on 2 cores shared with PostgreSQL and wrk (and a busy machine): gthread 2x4 and
# 3x4 served the mix about equally (23-25 requests/s); 3x2, 4x1 and 2x8 did worse in the
# same trial. The rendering is CPU-bound, so more processes only cost memory.
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4


@dataclass(frozen=True)
class Target:
    """One logged-in freelancer as wrk sees them: a session cookie and their URLs."""

    session: str
    client_ids: list[int]


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    median_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    first_bad_status: int  # 0 when every response was 2xx
    socket_errors: int
    server_cpu_s: float | None = None  # gunicorn's CPU time during the run, where /proc tells


# --- preconditions and the database -----------------------------------------------------


def postgres_available() -> bool:
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def drop_database(*, create_again: bool = False) -> None:
    # (CREATE|DROP) DATABASE cannot run in a transaction; FORCE ends leftover sessions.
    name = sql.Identifier(DB_NAME)
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create_again:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def server_environment() -> dict[str, str]:
    """Production settings (DEBUG off), served over plain HTTP on loopback.

    The same values go into this process's environment before Django is imported: the
    sessions made here are checked against SECRET_KEY by the server."""
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "clientwatch.settings",
        "DATABASE_URL": DATABASE_URL,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # no TLS on loopback; a redirect would measure nothing
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603  # nosec B603  # fixed argument list, no shell
        [sys.executable, str(BASE_DIR / "manage.py"), *args, "-v", "0"],
        env=env,
        cwd=BASE_DIR,
        check=True,
    )


# --- data and sessions (in this process, through the ORM) -------------------------------


def leave_some_unpaid(user_id: int) -> None:
    """make_freelancer pays every invoice (some late); leave the last invoice of every
    fourth client open and overdue, so the pages show a realistic mix of states."""
    from invoices.models import Payment

    Payment.objects.filter(
        invoice__owner_id=user_id,
        invoice__number__endswith=f"-{INVOICES_EACH - 1}",
        invoice__client_id__in=[pk for pk in client_ids_of(user_id) if pk % 4 == 0],
    ).delete()


def client_ids_of(user_id: int) -> list[int]:
    from clients.models import Client

    return list(Client.objects.filter(owner_id=user_id).values_list("pk", flat=True))


def session_for(user: AbstractBaseUser) -> str:
    from django.test import Client as Browser

    browser = Browser()
    browser.force_login(user)
    return browser.cookies["sessionid"].value


def create_data() -> list[Target]:
    """The freelancers, their data and scores (so no page view scores on first visit),
    and one logged-in session each."""
    from clientwatch.bench import make_freelancer  # runs django.setup()
    from redflags.assess import scores_refresh

    targets = []
    for n in range(FREELANCERS):
        user = make_freelancer(
            f"load{n:02d}", CLIENTS_EACH, INVOICES_EACH, INCIDENTS_EACH, WORK_LOGS_EACH
        )
        leave_some_unpaid(user.pk)
        scores_refresh(user)
        targets.append(Target(session_for(user), client_ids_of(user.pk)))
    analyze()
    return targets


def analyze() -> None:
    """Fresh planner statistics. Straight after the bulk load PostgreSQL still plans with
    empty-table estimates (autovacuum has not run yet): the dashboard's client query then
    took 850 ms instead of 7 ms, which would measure the loader, not the app."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def close_django_connections() -> None:
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()


# --- gunicorn ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status_of(port: int, path: str) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


@contextmanager
def gunicorn(env: dict[str, str], workers: int, threads: int) -> Iterator[tuple[int, int]]:
    """A gunicorn serving the app on a free loopback port; yields the port and the master's
    pid once the login page answers 200, and always stops the server."""
    port = free_port()
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(  # noqa: S603  # nosec B603  # fixed argument list, no shell
            [
                sys.executable,
                "-m",
                "gunicorn",
                "clientwatch.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                "--worker-class=gthread",
                f"--threads={threads}",
            ],
            env=env,
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_serving(server, port, log)
            yield port, server.pid
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_serving(server: subprocess.Popen[bytes], port: int, log: IO[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        if status_of(port, LOGIN_PATH) == 200:
            return
        time.sleep(0.2)
    log.seek(0)
    raise RuntimeError(f"gunicorn did not serve {LOGIN_PATH} with 200:\n{log.read()[-3000:]}")


def cpu_seconds(pid: int) -> float | None:
    """CPU time used so far by a process and its children (gunicorn's master and workers),
    from /proc; None where there is no /proc."""
    proc = Path("/proc")
    if not (proc / str(pid)).exists():
        return None
    ticks = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # After the command name in parentheses: state, ppid, ... utime stime (14, 15).
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if entry.name == str(pid) or fields[1] == str(pid):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# --- wrk --------------------------------------------------------------------------------

LUA_TEMPLATE = """
-- Generated by clientwatch/loadtest.py.
local targets = {TARGETS}
local home, share = "{HOME}", {SHARE}

-- Each wrk thread has its own Lua state: the counters are summed in done().
local threads, next_id = {{}}, 0
function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  bad, first_bad = 0, 0
end

function request()
  local t = targets[math.random(#targets)]
  local path = home
  if #t.clients > 0 and math.random() >= share then
    path = "/clients/" .. t.clients[math.random(#t.clients)] .. "/"
  end
  local headers = {{}}
  if t.session ~= "" then headers["Cookie"] = "sessionid=" .. t.session end
  return wrk.format("GET", path, headers)
end

-- wrk itself counts only 4xx/5xx; a 302 to the login page is a failure here too.
function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    if first_bad == 0 then first_bad = status end
  end
end

function done(summary, latency, requests)
  local total, status = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("bad")
    if status == 0 then status = thread:get("first_bad") end
  end
  io.write(string.format("LOADTEST non2xx=%d first_status=%d\\n", total, status))
end
"""


def lua_script(targets: list[Target], home: str, share: float) -> str:
    # Session keys are [a-z0-9] and ids integers: nothing to escape.
    rows = ",\n".join(
        f'{{session="{t.session}", clients={{{",".join(map(str, t.client_ids))}}}}}'
        for t in targets
    )
    return LUA_TEMPLATE.format(TARGETS="{\n" + rows + "\n}", HOME=home, SHARE=share)


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def latency_ms(output: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if not match:
        raise ValueError(f"no {percentile}% latency in wrk output:\n{output}")
    return float(match[1]) * UNIT_MS[match[2]]


def parse_wrk(output: str) -> WrkResult:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    lua = re.search(r"LOADTEST non2xx=(\d+) first_status=(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if not (rps and total and lua):
        raise ValueError(f"unexpected wrk output:\n{output}")
    return WrkResult(
        requests_per_second=float(rps[1]),
        median_ms=latency_ms(output, "50"),
        p99_ms=latency_ms(output, "99"),
        requests=int(total[1]),
        non_2xx=int(lua[1]),
        first_bad_status=int(lua[2]),
        socket_errors=sum(map(int, sockets.groups())) if sockets else 0,
    )


def run_wrk(port: int, script: str, args: argparse.Namespace, duration: int) -> WrkResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        done = subprocess.run(  # noqa: S603  # nosec B603  # fixed argument list, no shell
            [
                shutil.which("wrk") or "wrk",
                f"--threads={args.wrk_threads}",
                f"--connections={args.connections}",
                f"--duration={duration}s",
                "--timeout=10s",
                "--latency",
                f"--script={lua.name}",
                f"http://127.0.0.1:{port}/",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=duration + 60,
        )
    return parse_wrk(done.stdout)


# --- report -----------------------------------------------------------------------------


def line(label: str, result: WrkResult) -> str:
    errors = result.non_2xx + result.socket_errors
    return (
        f"- {label}: {result.requests_per_second:,.0f} requests/s, median "
        f"{result.median_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, {errors} errors "
        f"({result.non_2xx} non-2xx, {result.socket_errors} socket) of {result.requests:,}"
        + (f"; first bad status {result.first_bad_status}" if result.first_bad_status else "")
        + (f"; server CPU {cpu_ms(result):.1f} ms a request" if cpu_ms(result) else "")
    )


def cpu_ms(result: WrkResult) -> float | None:
    if result.server_cpu_s is None or not result.requests:
        return None
    return 1000 * result.server_cpu_s / result.requests


def load_average() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def report(
    mix: WrkResult, login: WrkResult, args: argparse.Namespace, before: str, setup: float
) -> None:
    print(
        f"\n## Load (gunicorn {args.workers} workers x {args.threads} threads gthread, "
        f"PostgreSQL, {FREELANCERS} freelancers x {CLIENTS_EACH} clients)"
    )
    print(
        f"wrk {args.wrk_threads} threads, {args.connections} connections, {args.duration} s "
        f"each; {os.cpu_count()} cores shared by server, wrk and PostgreSQL; "
        f"{before} before, {load_average()} after; data set-up {setup:.0f} s"
    )
    print(line(f"logged in (dashboard {DASHBOARD_SHARE:.0%}, client pages)", mix))
    print(line("login page (GET, no session): the ceiling", login))
    print(f"- p99/median, logged in: {mix.p99_ms / mix.median_ms:.1f}x (target < 4x)")
    print(
        f"- logged-in / login-page requests/s: "
        f"{mix.requests_per_second / login.requests_per_second:.2f} (target >= 0.5)"
    )
    mix_cpu, login_cpu = cpu_ms(mix), cpu_ms(login)
    if mix_cpu and login_cpu:
        # Requests/s move with whatever else the machine runs during each 20 s (and with how
        # wrk's connections fall between the workers); CPU time per request does not.
        print(
            f"- login-page / logged-in server CPU per request: {login_cpu / mix_cpu:.2f} "
            f"(the ratio the machine's load does not move)"
        )


# --- main -------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    return parser.parse_args()


def missing_tool() -> str | None:
    if not shutil.which("wrk"):
        return "install wrk (apt-get install wrk)"
    if not postgres_available():
        return "no PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth)"
    return None


def measure(
    env: dict[str, str], targets: list[Target], args: argparse.Namespace, setup: float
) -> None:
    mix_script = lua_script(targets, "/", DASHBOARD_SHARE)
    login_script = lua_script([Target("", [])], LOGIN_PATH, 1.0)
    with gunicorn(env, args.workers, args.threads) as (port, pid):
        # Unreported warm-up: imports, template compilation and connections in each worker.
        run_wrk(port, mix_script, args, duration=3)
        before = load_average()
        mix = run_wrk_timed(port, pid, mix_script, args)
        login = run_wrk_timed(port, pid, login_script, args)
    report(mix, login, args, before, setup)


def run_wrk_timed(port: int, pid: int, script: str, args: argparse.Namespace) -> WrkResult:
    """run_wrk, with the server's CPU time over the run."""
    start = cpu_seconds(pid)
    result = run_wrk(port, script, args, args.duration)
    end = cpu_seconds(pid)
    if start is None or end is None:
        return result
    return replace(result, server_cpu_s=end - start)


def main() -> None:
    args = parse_args()
    reason = missing_tool()
    if reason:
        print(f"\n## Load\n- skipped: {reason}")
        return
    env = server_environment()
    os.environ.update(env)  # before anything imports Django
    drop_database(create_again=True)
    try:
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")  # DEBUG off serves the manifest files
        started = time.perf_counter()
        targets = create_data()
        close_django_connections()
        measure(env, targets, args, setup=time.perf_counter() - started)
    finally:
        close_django_connections()
        drop_database()


if __name__ == "__main__":
    main()
