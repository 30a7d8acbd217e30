"""Restore one picture now, through the same provider code as the pipeline."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from restorer import clients, imaging
from restorer.models import Restoration
from restorer.providers.base import RestoreOptions
from restorer.providers.errors import ProviderError
from restorer.providers.local import restore_picture


class Command(BaseCommand):
    help = "Restore one picture synchronously and write the result."

    def add_arguments(self, parser):
        parser.add_argument("input", help="the picture to restore")
        parser.add_argument("output", help="where to write the restored JPEG")
        parser.add_argument("--restoration-type", type=int, default=1, choices=[0, 1, 2])
        parser.add_argument("--model-type", type=int, default=1, choices=[1, 2, 3])
        parser.add_argument("--change-color", type=int, default=0, choices=[0, 1])
        parser.add_argument(
            "--remove-toning",
            type=int,
            default=0,
            choices=[0, 1],
            help="1: a sepia or toned black-and-white print comes out neutral (local only)",
        )
        parser.add_argument(
            "--provider",
            choices=["local", "picwish"],
            default=settings.RESTORER_PROVIDER,
            help=f"default: {settings.RESTORER_PROVIDER}",
        )

    def handle(self, *args, **options):
        source, output = Path(options["input"]), Path(options["output"])
        if not source.is_file():
            raise CommandError(f"{source} does not exist or is not a file.")
        if not output.parent.is_dir():
            raise CommandError(f"The folder {output.parent} does not exist.")
        restore_options = RestoreOptions(
            restoration_type=options["restoration_type"],
            model_type=options["model_type"],
            change_color=bool(options["change_color"]),
            remove_toning=bool(options["remove_toning"]),
        )
        try:
            with source.open("rb") as handle:
                picture = imaging.load(handle, max_pixels=settings.MAX_IMAGE_PIXELS)
        except imaging.ImageRejected as exc:
            raise CommandError(f"{source} {exc.reason}") from None
        started = time.monotonic()
        if options["provider"] == "picwish":
            if restore_options.remove_toning:
                self.stdout.write("PicWish cannot remove toning: the print keeps it.")
                restore_options = Restoration.options_for(restore_options, "picwish")
            content, notes = self._picwish(picture, restore_options, source.name)
        else:
            result = restore_picture(
                picture,
                restore_options,
                colorizer=clients.colorizer(),
                max_pixels=settings.MAX_IMAGE_PIXELS,
                damage_detector=settings.RESTORER_DAMAGE_DETECTOR,
            )
            content, notes = result.content, result.notes
        output.write_bytes(content)
        for note in notes:
            self.stdout.write(note)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {source.name} ({restore_options.label}, {options['provider']}) in "
                f"{time.monotonic() - started:.1f} s: {output}"
            )
        )

    def _picwish(self, picture, restore_options, name):
        if not settings.PICWISH_API_KEY:
            raise CommandError("PICWISH_API_KEY is not set: use --provider local, or set the key.")
        prepared = imaging.prepare_for_restoration(picture, settings.RESTORER_INPUT_MAX_SIDE)
        client = clients.picwish_client()
        try:
            task_id = client.create_task(
                prepared.content, filename=name, content_type="image/jpeg", options=restore_options
            )
            self.stdout.write(f"PicWish task {task_id} created; waiting for it.")
            status = client.wait(task_id)
            if status.is_failed:
                raise status.failure()
            return client.fetch_result(status), []
        except ProviderError as exc:
            raise CommandError(f"PicWish: {exc.message}") from None
