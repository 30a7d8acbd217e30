"""`manage.py up`, the README's run command: web server and worker start and stop together."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            found.append(int(status.parent.name))
    return found


def test_up_serves_pages_runs_a_worker_and_stops_both_on_ctrl_c(tmp_path):
    port = free_port()
    environment = {**os.environ, "DATA_DIR": str(tmp_path), "STATIC_ROOT": str(tmp_path / "s")}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.pop("SITE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "up", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                    body = answer.read().decode()
            except OSError:
                time.sleep(0.5)
        assert body and "Bring your family" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/site.css") as css:
            assert css.status == 200
        commands = []
        for child in children_of(process.pid):
            commands.append(Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" "))
        assert any(b"gunicorn" in c for c in commands), commands
        assert any(b"qcluster" in c for c in commands), commands
        # links e-mailed from here (sign-up, invitations) open this site, not port 8000
        for child in children_of(process.pid):
            variables = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
            assert f"SITE_URL=http://localhost:{port}".encode() in variables
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:  # the test failed midway: leave nothing running
            for child in children_of(process.pid):
                try:
                    os.killpg(child, signal.SIGKILL)  # each runs in a session of its own
                except ProcessLookupError:
                    pass
            process.kill()
            process.wait()
    assert "Web server and worker are running" in output
    assert "Stopped." in output
    assert children_of(process.pid) == []
