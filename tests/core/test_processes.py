"""``core.processes``: what ``manage.py runall`` (make run) stands on. Ctrl-C stops
every process, one that ends stops the others, and nothing is left behind."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A child that says its pid, then sleeps; "stubborn" ignores SIGTERM.
CHILD = """
import os, signal, sys, time
if sys.argv[1] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if sys.argv[1] == "quits":
    print("pid", os.getpid(), flush=True)
    time.sleep(1)
    sys.exit(3)
print("pid", os.getpid(), flush=True)
time.sleep(600)
"""

SUPERVISOR = """
import sys
from core.processes import Program, processes_run
child = [sys.executable, "-c", {child!r}]
programs = {{name: Program([*child, name]) for name in sys.argv[1:]}}
sys.exit(processes_run(programs, out=sys.stdout, grace_seconds=2))
"""


def supervise(*names: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR.format(child=CHILD), *names],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def child_pids(supervisor: subprocess.Popen, count: int) -> list[int]:
    pids = []
    while len(pids) < count:
        line = supervisor.stdout.readline()
        assert line, "the supervisor ended before its children started"
        match = re.search(r"\| pid (\d+)$", line.strip())
        if match:
            pids.append(int(match.group(1)))
    return pids


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_processes_run_stops_every_process_on_ctrl_c():
    supervisor = supervise("web", "stubborn")
    pids = child_pids(supervisor, 2)
    assert all(alive(pid) for pid in pids)

    supervisor.send_signal(signal.SIGINT)
    output, _ = supervisor.communicate(timeout=30)

    assert supervisor.returncode == 0
    assert "web      | exited with status -15" in output
    assert "stubborn | did not stop in time: killed" in output
    assert not any(alive(pid) for pid in pids)


def test_processes_run_a_second_ctrl_c_kills_at_once():
    supervisor = supervise("stubborn")
    (pid,) = child_pids(supervisor, 1)
    supervisor.send_signal(signal.SIGINT)
    time.sleep(0.3)
    started = time.monotonic()
    supervisor.send_signal(signal.SIGINT)
    supervisor.communicate(timeout=30)

    assert time.monotonic() - started < 1.5  # not the two seconds' grace
    assert not alive(pid)


def test_processes_run_one_ending_stops_the_others_with_its_status():
    supervisor = supervise("quits", "web")
    pids = child_pids(supervisor, 2)

    output, _ = supervisor.communicate(timeout=30)

    assert supervisor.returncode == 3
    assert "quits | ended: stopping the others" in output
    assert not any(alive(pid) for pid in pids)
