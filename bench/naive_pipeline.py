"""The naive pipeline bench/pipeline.py compares with: a worker per photo, polling every second.

Each task creates its PicWish task and then sleeps in a poll loop until it is done,
with no shared budget: what a first version of such a product usually does.
Used only by the benchmark.
"""

import time

from django.conf import settings

from restorer.models import Restoration
from restorer.providers.base import RestoreOptions
from restorer.providers.errors import ProviderError
from restorer.providers.picwish import PicWishClient


def restore_naively(pk: int) -> None:
    job = Restoration.objects.get(pk=pk)
    job.prepare_input()
    client = PicWishClient(
        settings.PICWISH_API_URL,
        settings.PICWISH_API_KEY,
        poll_interval=1.0,
        poll_timeout=180,
        allowed_result_hosts=frozenset(settings.PICWISH_ALLOWED_RESULT_HOSTS),
    )
    with job.input.open("rb") as handle:
        data = handle.read()
    while True:  # a 429 on create starts no task: try again a second later
        try:
            task_id = client.create_task(
                data, filename="photo.jpg", content_type="image/jpeg", options=RestoreOptions(1)
            )
            break
        except ProviderError as exc:
            if not exc.retryable:
                job.mark_failed(exc.code, exc.message)
                return
            time.sleep(1)
    job.start_submitting()
    job.mark_submitted(task_id, first_poll_in=0)
    status = client.wait(task_id)
    if not status.is_done:
        job.mark_failed("failed", "failed")
        return
    job.store_result(client.fetch_result(status), from_state=Restoration.State.SUBMITTED)
