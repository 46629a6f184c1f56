"""Several processes run as one (``manage.py runall``): started together, their
output in one stream with each line named, and stopped together.

Each process gets a process group of its own, so a Ctrl-C in the terminal reaches
this supervisor only, and it asks each process once, the way that process wants
(``Program.stop_signal``): a Celery worker asked twice does a cold shutdown instead
of a warm one, and takes SIGINT as a failure. A second Ctrl-C, or a process that
does not stop within ``grace_seconds``, gets SIGKILL, and so does anything left in
its group. No Django here: plain processes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True)
class Program:
    """A process to run: its argv, and how it is asked to stop.

    ``stop_group``: the signal goes to the whole process group (runserver's reloader
    and its child both stop on SIGINT); otherwise to the process only, which stops
    its own children (a Celery worker and its pool).
    """

    argv: Sequence[str]
    stop_signal: int = signal.SIGTERM
    stop_group: bool = False


class _Supervisor:
    def __init__(self, out: IO[str], grace_seconds: float) -> None:
        self.out = out
        self.grace_seconds = grace_seconds
        self.processes: dict[str, subprocess.Popen[str]] = {}
        self.stop_requests = 0
        self.wake = threading.Event()
        self.write_lock = threading.Lock()

    def say(self, name: str, line: str) -> None:
        width = max(len(other) for other in self.processes)
        with self.write_lock:
            self.out.write(f"{name:<{width}} | {line.rstrip()}\n")
            self.out.flush()

    def start(self, name: str, program: Program, env: Mapping[str, str] | None) -> None:
        process = subprocess.Popen(  # noqa: S603 - our own commands, no shell
            list(program.argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self.processes[name] = process
        threading.Thread(
            target=self.copy_output, args=(name, process), daemon=True
        ).start()

    def copy_output(self, name: str, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.say(name, line)
        self.say(name, f"exited with status {process.wait()}")
        self.wake.set()

    def on_signal(self, signum: int, frame: object) -> None:
        self.stop_requests += 1
        self.wake.set()

    def ask_to_stop(self, programs: Mapping[str, Program]) -> None:
        for name, process in self.processes.items():
            program = programs[name]
            kill = os.killpg if program.stop_group else os.kill
            # ProcessLookupError: it has ended already.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(process.pid, program.stop_signal)

    def kill_groups(self) -> None:
        for process in self.processes.values():
            # ProcessLookupError: the whole group has ended already.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    def running(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is None]


def processes_run(
    programs: Mapping[str, Program],
    *,
    out: IO[str],
    env: Mapping[str, str] | None = None,
    grace_seconds: float = 20.0,
) -> int:
    """Runs ``programs`` (by name) until a stop signal or until one ends.

    Returns 0 when stopped by a signal, otherwise the exit status of the process
    that ended first (1 if that was 0: it was meant to keep running). Every process
    and its group are gone when it returns.
    """
    supervisor = _Supervisor(out, grace_seconds)
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum in STOP_SIGNALS:
        signal.signal(signum, supervisor.on_signal)
    status = 0
    try:
        for name, program in programs.items():
            supervisor.start(name, program, env)
        for name, process in supervisor.processes.items():
            supervisor.say(
                name, f"started (pid {process.pid}): {' '.join(programs[name].argv)}"
            )
        while not supervisor.stop_requests:
            ended = [
                (name, p.returncode)
                for name, p in supervisor.processes.items()
                if p.poll() is not None
            ]
            if ended:
                name, code = ended[0]
                supervisor.say(name, "ended: stopping the others")
                status = code or 1
                break
            supervisor.wake.wait(0.5)
            supervisor.wake.clear()
        _stop(supervisor, programs)
    finally:
        # Whatever happened above (even an error here), nothing is left behind.
        supervisor.kill_groups()
        for process in supervisor.processes.values():
            process.wait()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return status


def _stop(supervisor: _Supervisor, programs: Mapping[str, Program]) -> None:
    """Asks every process once; SIGKILL after the grace time or on a new signal."""
    asked = supervisor.stop_requests
    supervisor.ask_to_stop(programs)
    waited = 0.0
    while supervisor.running() and waited < supervisor.grace_seconds:
        if supervisor.stop_requests > asked:
            break  # asked again (a second Ctrl-C): no more waiting
        supervisor.wake.wait(0.2)
        supervisor.wake.clear()
        waited += 0.2
    for name in supervisor.running():
        supervisor.say(name, "did not stop in time: killed")
