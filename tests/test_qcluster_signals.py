"""`manage.py qcluster` stops on SIGTERM or SIGINT whenever it comes, leaving no process.

django-q2's own handler stopped the cluster from inside the signal handler; a signal that
arrived while the cluster was starting could deadlock the handler and the sentinel, and
the sentinel and its workers then outlived any kill of the main process. The command now
only notes the signal and stops the cluster from its main loop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import start_qcluster, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def members_of_group(pgid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # after the command name: state, ppid, pgrp, …; a zombie has already stopped
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def stops_cleanly(process: subprocess.Popen, log_path: Path) -> None:
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("qcluster did not stop:\n" + log_path.read_text(errors="replace")[-3000:])
    wait_until(lambda: not members_of_group(process.pid), 10, "the cluster's processes to end")
    assert "has stopped" in log_path.read_text()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("moment", ["while starting", "when running"])
def test_a_signal_stops_the_whole_cluster(settings, tmp_path, signum, moment):
    log_path = tmp_path / "qcluster.log"
    process = start_qcluster(settings, log_path)
    marker = "guarding cluster" if moment == "while starting" else "supervisor of cluster"
    try:
        wait_until(lambda: marker in log_path.read_text(), 60, f"'{marker}' in the log")
        if moment == "when running":
            time.sleep(0.5)
        process.send_signal(signum)
        stops_cleanly(process, log_path)
    finally:
        if process.poll() is None or members_of_group(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
