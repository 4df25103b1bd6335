"""`make run` for real: started on a free port with its own database and runtime folder,
stopped as a terminal's Ctrl-C stops it (SIGINT to its process group) and as a process
manager does (SIGTERM to make). Every process it started must be gone within seconds,
without a crash and without a flood of shutdown lines."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
START_SECONDS = 180  # a loaded machine with two cores shared
STOP_SECONDS = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_marked(marker: str) -> list[int]:
    """Every live process whose environment carries the marker: the children keep it even
    after they are re-parented to init, so none can hide by outliving its parent."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and f"CW_RUN_MARKER={marker}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own loopback)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    """A runtime folder with a migrated database and the demo user already there, so
    `make run`'s seed_demo leaves it alone: this test is about start and stop, and
    tests/test_seed_demo.py covers the demo data."""
    folder = tmp_path_factory.mktemp("var")
    env = run_env(folder, "setup")
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(
        [
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            "get_user_model().objects.create_user('demo', password='demo-password-2026')",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return folder


def run_env(folder: Path, marker: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "EMAIL_URL", "MAKEFLAGS")
        and not key.startswith(("PYTEST", "DJANGO"))
    }
    env |= {
        "VAR_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "CW_RUN_MARKER": marker,
        "PYTHONUNBUFFERED": "1",
    }
    return env


def start(var_dir: Path, tmp_path: Path) -> tuple[subprocess.Popen, str, Path]:
    marker = uuid.uuid4().hex
    port = free_port()
    log = tmp_path / "make.log"
    # -o: the virtualenv counts as installed as it is; a test never runs pip.
    command = [shutil.which("make") or "/usr/bin/make", "--no-print-directory"]
    command += ["-o", ".venv/.installed-runtime", "run", f"PORT={port}"]
    make = subprocess.Popen(
        command,
        cwd=ROOT,
        env=run_env(var_dir, marker),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if make.poll() is not None:
            pytest.fail(f"make run ended before it served:\n{text}")
        if answers(f"http://127.0.0.1:{port}/accounts/login/") and " ready." in text:
            return make, marker, log
        time.sleep(0.5)
    make.kill()
    pytest.fail(f"make run did not answer within {START_SECONDS} s:\n{log.read_text()}")


def stopped(make: subprocess.Popen, marker: str) -> list[int]:
    """The marked processes still alive STOP_SECONDS after the signal (killed after)."""
    deadline = time.monotonic() + STOP_SECONDS
    left = processes_marked(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.25)
        left = processes_marked(marker)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    try:
        make.wait(timeout=1)
    except subprocess.TimeoutExpired:
        make.kill()
    return left


def test_ctrl_c_stops_every_process_of_make_run(var_dir, tmp_path):
    make, marker, log = start(var_dir, tmp_path)
    assert len(processes_marked(marker)) >= 4  # make, the supervisor, worker, beat, server

    os.killpg(make.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C

    assert stopped(make, marker) == []
    text = log.read_text(errors="replace")
    assert "ClientWatch has stopped." in text
    assert "Segmentation fault" not in text
    assert text.count("Warm shutdown") == 1  # told once, and it heard
    assert "Traceback" not in text


def test_sigterm_to_make_stops_every_process_without_a_crash(var_dir, tmp_path):
    make, marker, log = start(var_dir, tmp_path)

    make.send_signal(signal.SIGTERM)  # what a process manager sends

    assert stopped(make, marker) == []
    text = log.read_text(errors="replace")
    assert "ClientWatch has stopped." in text
    assert "Segmentation fault" not in text
    assert text.count("Warm shutdown") == 1  # told once, and it heard
    assert "Traceback" not in text
