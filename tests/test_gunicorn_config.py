"""gunicorn's configuration comes from the site's settings, and refuses what they refuse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOW = (
    "import restorer.gunicorn_config as c; "
    "print(c.bind, c.workers, c.threads, c.timeout, c.graceful_timeout, c.keepalive, "
    "c.max_requests, c.forwarded_allow_ips)"
)


def load(tmp_path, **variables) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATA_DIR": str(tmp_path), **variables}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_workers_and_timeouts_are_settings(tmp_path):
    result = load(
        tmp_path,
        BIND="0.0.0.0:9000",
        WEB_WORKERS="5",
        WEB_THREADS="2",
        WEB_TIMEOUT="90",
        WEB_GRACEFUL_TIMEOUT="20",
        WEB_KEEPALIVE="3",
        WEB_MAX_REQUESTS="500",
        WEB_FORWARDED_ALLOW_IPS="10.0.0.10",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "['0.0.0.0:9000']",
        "5",
        "2",
        "90",
        "20",
        "3",
        "500",
        "10.0.0.10",
    ]


def test_a_bad_value_stops_it_before_it_starts(tmp_path):
    result = load(tmp_path, WEB_WORKERS="many")
    assert result.returncode != 0
    assert "WEB_WORKERS='many' is invalid" in result.stderr


def test_no_control_socket_is_shared_between_instances(tmp_path):
    # The finding: every instance used /root/.gunicorn/gunicorn.ctl, so a second one
    # took over the first's. This site runs no control socket at all.
    from gunicorn.config import Config

    environment = {**os.environ, "DATA_DIR": str(tmp_path)}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    script = (
        "from gunicorn.config import Config; "
        "import restorer.gunicorn_config as c; cfg = Config(); "
        "[cfg.set(k, getattr(c, k)) for k in dir(c) if k in cfg.settings]; "
        "print(cfg.control_socket_disable)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"]
    assert "control_socket_disable" in Config().settings
