"""django-q2's `qcluster`, with this project's supervisor thread beside it.

The supervisor (restorer/supervisor.py) keeps the roles that must survive a dead worker
(the dispatcher's standby, the recovery sweep, the cluster's heartbeat) out of the task
queue. It starts after django-q2 has forked its processes, so none of them inherits a
thread or its database connection.
"""

import os
import time

from django.conf import settings
from django.db import connections
from django_q.cluster import Cluster
from django_q.management.commands.qcluster import Command as QClusterCommand

from restorer.supervisor import Supervisor


class Command(QClusterCommand):
    def handle(self, *args, **options):
        if options.get("run_once", False):
            return super().handle(*args, **options)
        settings.SECRET_KEY  # noqa: B018 (django-q2 signs tasks with it: fail early)
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        supervisor = Supervisor()
        # The heartbeat exists before the cluster takes any task from the broker, so a
        # cluster killed in its first second still leaves a heartbeat that runs out
        # (and the sweep queues its tasks again); no connection crosses django-q2's fork.
        supervisor.beat()
        connections.close_all()
        cluster = Cluster()
        cluster.start()
        supervisor.start()
        try:
            # SIGTERM and SIGINT stop the cluster from django-q2's own handler; this
            # process only watches for the end.
            while cluster.sentinel.is_alive():
                time.sleep(0.5)
        finally:
            supervisor.stop()
