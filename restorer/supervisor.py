"""A thread in every worker cluster for the roles a dead worker must not take with it.

`manage.py qcluster` (restorer/management/commands/qcluster.py) starts one beside
django-q2's processes. Every half second it:

- renews its cluster's heartbeat, a Lease named ``cluster:<id>`` kept CLUSTER_SECONDS:
  when a cluster dies, the recovery sweep sees its heartbeat run out (recovery.py);
- stands by for the dispatcher: when there is PicWish work and nobody holds the
  dispatcher's lease, it takes the lease and runs the dispatcher in a thread of its own,
  renewing the lease every half second while that thread lives. A lease of a few seconds
  (RESTORER_LEASE_SECONDS) is therefore enough however long one API call takes, and when
  the holder dies another cluster takes over as soon as it runs out;
- every SWEEP_SECONDS, runs the recovery sweep (tasks.watchdog), one cluster at a time.

None of this waits in the task queue, so no long restoration can hold it up.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from django.conf import settings
from django.db import connections

from restorer import clients
from restorer.dispatcher import LEASE_NAME, Dispatcher, has_work
from restorer.models import Lease
from restorer.recovery import CLUSTER_PREFIX

log = logging.getLogger(__name__)

TICK = 0.5
CLUSTER_SECONDS = 10.0
SWEEP_SECONDS = 5.0
SWEEP_LEASE = "recovery-sweep"


class Supervisor(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="restorer-supervisor", daemon=True)
        self.cluster = uuid.uuid4().hex[:16]
        self.holder = f"{socket.gethostname()[:30]}:{os.getpid()}:{self.cluster}"
        self.stopping = threading.Event()
        self.dispatcher: threading.Thread | None = None
        self.next_sweep = 0.0

    def stop(self, wait: float = 15.0) -> None:
        """Let the dispatcher finish its call in progress, then give the roles up."""
        self.stopping.set()
        self.join(wait)

    def run(self) -> None:
        log.info("supervisor of cluster %s started", self.cluster)
        try:
            while not self.stopping.is_set():
                try:
                    self.tick()
                except Exception:
                    log.exception("supervisor: this round failed; trying again")
                    connections.close_all()  # a broken connection is opened afresh
                self.stopping.wait(TICK)
            if self.dispatcher is not None:
                self.dispatcher.join(settings.PICWISH_REQUEST_TIMEOUT + 5)
            Lease.objects.filter(name=CLUSTER_PREFIX + self.cluster).delete()
        finally:
            connections.close_all()

    def beat(self) -> None:
        """The cluster's heartbeat: while it lasts, the cluster is alive."""
        Lease.acquire(CLUSTER_PREFIX + self.cluster, self.holder, CLUSTER_SECONDS)

    def tick(self) -> None:
        self.beat()
        self._dispatch()
        if time.monotonic() >= self.next_sweep:
            self.next_sweep = time.monotonic() + SWEEP_SECONDS
            if Lease.acquire(SWEEP_LEASE, self.holder, SWEEP_SECONDS - TICK):
                from restorer.tasks import watchdog

                watchdog()

    def _dispatch(self) -> None:
        seconds = settings.RESTORER_LEASE_SECONDS
        if self.dispatcher is not None and self.dispatcher.is_alive():
            # The heartbeat of the dispatcher's lease: as long as this thread and the
            # dispatcher's live, the lease does; a Dispatcher that finds it lost stops.
            Lease.acquire(LEASE_NAME, self.holder, seconds)
            return
        if not settings.PICWISH_API_KEY:
            return  # no PicWish work can be done here
        if has_work() and Lease.acquire(LEASE_NAME, self.holder, seconds):
            self.dispatcher = threading.Thread(
                target=self._run_dispatcher, name="restorer-dispatcher", daemon=True
            )
            self.dispatcher.start()

    def _run_dispatcher(self) -> None:
        log.info("cluster %s runs the dispatcher", self.cluster)
        try:
            limiter = clients.picwish_limiter()
            client = clients.picwish_client(limiter, throttled=False)  # the dispatcher paces
            while not self.stopping.is_set():
                outcome = Dispatcher(
                    client, holder=self.holder, limiter=limiter, stop=self.stopping
                ).run()
                if outcome != "window":
                    break
        except Exception:
            log.exception("the dispatcher stopped on an error; another run takes over")
        finally:
            Lease.release(LEASE_NAME, self.holder)
            connections.close_all()
