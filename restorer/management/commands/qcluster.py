"""django-q2's `qcluster`, with this project's supervisor thread beside it.

The supervisor (restorer/supervisor.py) keeps the roles that must survive a dead worker
(the dispatcher's standby, the recovery sweep, the cluster's heartbeat) out of the task
queue. It starts after django-q2 has forked its processes, so none of them inherits a
thread or its database connection.

SIGTERM and SIGINT only ask for a stop here; the main loop then stops the cluster.
django-q2's own handler stops it inside the signal handler, and a signal that lands
while this process holds the lock of the sentinel's start event (which it polls while
the cluster starts) deadlocks both: the handler waits for the sentinel, the sentinel
for the lock. The cluster's processes then outlive any kill of this one.
"""

import os
import signal
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
        # A plain flag: a handler must take no lock the interrupted code may hold (an
        # Event's set() would deadlock against this loop's own wait()).
        stop_asked = False

        def ask_to_stop(signum, frame):
            nonlocal stop_asked
            stop_asked = True

        supervisor = Supervisor()
        # The heartbeat exists before the cluster takes any task from the broker, so a
        # cluster killed in its first second still leaves a heartbeat that runs out
        # (and the sweep queues its tasks again); no connection crosses django-q2's fork.
        supervisor.beat()
        connections.close_all()
        cluster = Cluster()  # installs django-q2's handlers, replaced right away
        signal.signal(signal.SIGTERM, ask_to_stop)
        signal.signal(signal.SIGINT, ask_to_stop)
        cluster.start()
        supervisor.start()
        try:
            while cluster.sentinel.is_alive() and not stop_asked:
                time.sleep(0.2)
        finally:
            # The workers finish the tasks they hold while the heartbeat still runs;
            # only then does the supervisor give up its roles.
            cluster.stop()
            supervisor.stop()
