"""Files leave storage when their photo row goes.

A signal rather than a method: albums are deleted by cascade, from the admin and
by querysets, none of which call Photo.delete(), and files must not be orphaned
on any of those paths. The files go only once the deletion has committed, so a
rolled-back deletion keeps them.
"""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from albums.models import Photo, Version
from restorer.models import Restoration
from restorer.storage import delete_stored


@receiver(post_delete, sender=Photo, dispatch_uid="albums.photo_files")
def delete_photo_files(sender, instance: Photo, **kwargs) -> None:
    names = instance.stored_files()
    if names:
        transaction.on_commit(lambda: delete_stored(names))


@receiver(post_delete, sender=Version, dispatch_uid="albums.version_restoration")
def delete_version_restoration(sender, instance: Version, **kwargs) -> None:
    # The restoration belongs to its version; its own signal removes the files.
    Restoration.objects.filter(pk=instance.restoration_id).delete()
