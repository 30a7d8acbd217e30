"""An API task's picture leaves storage with its row (a person or a key deleted).

A signal, as for restorations and photos: rows go by cascade, which calls no method.
"""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from restorer.api.models import ApiTask
from restorer.storage import delete_stored


@receiver(post_delete, sender=ApiTask, dispatch_uid="restorer.api.task_source")
def delete_task_source(sender, instance: ApiTask, **kwargs) -> None:
    if instance.source:
        name = instance.source
        transaction.on_commit(lambda: delete_stored([name]))
