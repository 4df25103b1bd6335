"""`make run`'s processes: the Celery worker, Celery beat and the development server,
started together and stopped together.

Run as `python -m clientwatch.devserver --host 127.0.0.1 --port 8000`. Each child runs in a
process group of its own, so the terminal's Ctrl-C (SIGINT to the foreground group) and
make's SIGTERM reach this process alone, and it stops each child exactly once: one SIGTERM
(the worker logs one "Warm shutdown"), a few seconds' grace, then SIGKILL for whatever is
left in the child's group (runserver's reloader child, the worker's pool). A second Ctrl-C
skips the grace. When any child ends by itself, the others are stopped too: a half-running
stack (a server without its worker) is worse than none.

Exits 0 after a stop asked for by a signal, and with the child's code when one failed.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess  # nosec B404  # fixed argument lists only, no shell
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

GRACE_SECONDS = 6.0  # the worker's warm shutdown with no task running takes one or two
POLL_SECONDS = 0.2
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class Child:
    name: str
    command: list[str]
    # Signal the whole group, not just the leader: runserver's reloader parent leaves its
    # serving child running if only the parent is told. The worker is told alone, as
    # Celery wants: it stops its own pool.
    signal_group: bool
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # Fixed argument lists, no shell.
        self.process = subprocess.Popen(self.command, process_group=0)  # noqa: S603  # nosec B603

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def group_alive(self) -> bool:
        if self.process is None:
            return False
        try:
            os.killpg(self.process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    def send(self, signum: int, *, group: bool) -> None:
        if self.process is None:
            return
        try:
            if group:
                os.killpg(self.process.pid, signum)
            elif self.running():
                self.process.send_signal(signum)
        except ProcessLookupError:
            pass


def children(host: str, port: int, python: str = sys.executable) -> list[Child]:
    bin_dir = Path(python).parent
    celery = str(bin_dir / "celery") if (bin_dir / "celery").exists() else "celery"
    manage = str(Path(__file__).resolve().parent.parent / "manage.py")
    return [
        Child(
            "worker",
            [
                celery,
                "-A",
                "clientwatch",
                "worker",
                "-Q",
                "celery,reports",
                "--loglevel=INFO",
                "--concurrency=2",
            ],
            signal_group=False,
        ),
        Child("beat", [celery, "-A", "clientwatch", "beat", "--loglevel=INFO"], False),
        Child("server", [python, manage, "runserver", f"{host}:{port}"], signal_group=True),
    ]


class Supervisor:
    def __init__(self, kids: Sequence[Child], grace: float = GRACE_SECONDS) -> None:
        self.children = list(kids)
        self.grace = grace
        self.stop_signal: int | None = None
        self.hurry = False

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum
        else:
            self.hurry = True  # asked again while stopping: no more grace

    def run(self) -> int:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self.on_signal)
        failed: Child | None = None
        try:
            for child in self.children:
                child.start()
            while self.stop_signal is None and failed is None:
                time.sleep(POLL_SECONDS)
                failed = next((c for c in self.children if not c.running()), None)
        finally:
            self.stop()
        if failed is not None and self.stop_signal is None:
            code = failed.process.returncode if failed.process else 1
            print(f"{failed.name} stopped (exit code {code}); stopped the others.", flush=True)
            return code or 1
        return 0

    def stop(self) -> None:
        for child in self.children:
            child.send(signal.SIGTERM, group=child.signal_group)
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline and not self.hurry:
            if not any(c.running() or c.group_alive() for c in self.children):
                break
            time.sleep(POLL_SECONDS)
        for child in self.children:
            child.send(signal.SIGKILL, group=True)
        for child in self.children:
            if child.process is not None:
                child.process.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    code = Supervisor(children(args.host, args.port)).run()
    print("ClientWatch has stopped.", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
