from django.apps import AppConfig


class RestorerConfig(AppConfig):
    name = "restorer"
    verbose_name = "Restoration"

    def ready(self) -> None:
        import pillow_heif
        from django.conf import settings
        from PIL import Image

        pillow_heif.register_heif_opener()
        # Pillow's own guard (a warning past the limit, an error past twice it)
        # follows ours, so a larger configured limit is not undercut by it.
        Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS

        from restorer import checks, signals  # noqa: F401 (checks register themselves)

        signals.connect_post_migrate(self)
