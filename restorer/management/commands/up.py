"""Run the whole product on this machine: migrate, then web server and worker.

Both processes are stopped together: by Ctrl-C, by SIGTERM, or when either of
them exits on its own. Each runs in a process group of its own, so a stop reaches each
once, from here, and one that does not stop in time is killed with all its children:
nothing it started outlives this command.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

GRACE_SECONDS = 20


class Command(BaseCommand):
    help = "Prepare the database and static files, then run the web server and the worker."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.BIND, help="host:port to listen on")
        parser.add_argument("--no-worker", action="store_true", help="run the web server only")

    def handle(self, *args, bind: str, no_worker: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        # The same gunicorn configuration as production (restorer/gunicorn_config.py),
        # listening where asked.
        web = [
            sys.executable, "-m", "gunicorn",
            "-c", "python:restorer.gunicorn_config",
            "--bind", bind,
            "--access-logfile", "-",
            "restorer.wsgi",
        ]  # fmt: skip
        worker = [sys.executable, os.path.join(settings.BASE_DIR, "manage.py"), "qcluster"]
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        host, _, port = bind.rpartition(":")
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "") else host  # noqa: S104
        # Links in e-mails (sign-up, invitations) are made from SITE_URL, never from a
        # request's Host header. Unset, it is where this command listens, so the link
        # printed on the console opens this site, whatever --bind says.
        env = dict(os.environ)
        env.setdefault("SITE_URL", f"http://{shown}:{port}")
        processes = [subprocess.Popen(web, start_new_session=True, env=env)]
        if not no_worker:
            processes.append(subprocess.Popen(worker, start_new_session=True, env=env))

        self.stdout.write(
            self.style.SUCCESS(f"\n  Open http://{shown}:{port}/ in your browser.")
            + "\n  Web server and worker are running; press Ctrl-C to stop both.\n"
        )
        if not get_user_model().objects.filter(is_superuser=True).exists():
            self.stdout.write(
                "  To use the admin at /admin/, create a staff account with:\n"
                "    .venv/bin/python manage.py createsuperuser\n"
            )

        code = 0
        while not stopping:
            exited = [p for p in processes if p.poll() is not None]
            if exited:
                code = exited[0].returncode or 1
                name = "web server" if exited[0] is processes[0] else "worker"
                self.stderr.write(f"The {name} stopped (exit {code}); stopping the rest.")
                break
            time.sleep(0.3)
        self._stop_all(processes)
        sys.exit(code)

    def _stop_all(self, processes):
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for process in processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            # Whatever the process left behind in its group goes with it.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                pass  # the group is gone already
        self.stdout.write("Stopped.")
