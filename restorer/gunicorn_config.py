"""gunicorn's configuration, from the same environment variables as the site.

    gunicorn -c python:restorer.gunicorn_config restorer.wsgi

Reading Django's settings here means a bad value stops the server before it forks,
with the same message as any management command.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "restorer.settings")

from django.conf import settings  # noqa: E402

bind = [settings.BIND]
workers = settings.WEB_WORKERS
threads = settings.WEB_THREADS
# Threads, not processes, wait on slow clients: the threaded worker keeps idle keep-alive
# connections in its event loop and gives each request a thread of its pool.
worker_class = "gthread" if threads > 1 else "sync"
timeout = settings.WEB_TIMEOUT
graceful_timeout = settings.WEB_GRACEFUL_TIMEOUT
keepalive = settings.WEB_KEEPALIVE
# A worker is replaced after this many requests (with jitter), so slow leaks never pile up.
max_requests = settings.WEB_MAX_REQUESTS
max_requests_jitter = max(settings.WEB_MAX_REQUESTS // 10, 0)
forwarded_allow_ips = settings.WEB_FORWARDED_ALLOW_IPS
# gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl), so a
# second instance on the machine takes over the first's. Nothing here uses it.
control_socket_disable = True
# One line per request, and per message of the server's own, on standard output, in the
# same form as the site's lines (restorer/logs.py).
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"()": "restorer.logs.OneLineFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
        }
    },
    "root": {"level": settings.LOG_LEVEL, "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
    },
}
# gunicorn's worker heartbeat files on a RAM disk: a slow disk never gets a healthy
# worker killed as unresponsive.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
