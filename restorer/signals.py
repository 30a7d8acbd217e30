"""Files leave storage with their restoration row, after the deletion commits.

A signal, not a method, because rows also go by cascade (a person deleted) and
from querysets; a reused result stays while any other row still shows it.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_migrate
from django.dispatch import receiver

from restorer.models import Restoration, delete_stored


@receiver(post_delete, sender=Restoration, dispatch_uid="restorer.restoration_files")
def delete_restoration_files(sender, instance: Restoration, **kwargs) -> None:
    names = instance.stored_files()
    if instance.reused_from_id is None and instance.result.name:
        if Restoration.objects.filter(result=instance.result.name).exists():
            names = [n for n in names if n not in _result_files(instance)]
    if names:
        transaction.on_commit(lambda: delete_stored(names))


def _result_files(restoration: Restoration) -> set[str]:
    return {
        restoration.result.name,
        restoration.result_thumbnail.name,
        restoration.result_display.name,
    }


def install_schedules(sender, **kwargs) -> None:
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="restorer-watchdog",
        defaults={
            "func": "restorer.tasks.watchdog",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )


def connect_post_migrate(app_config) -> None:
    post_migrate.connect(install_schedules, sender=app_config, dispatch_uid="restorer.schedules")
