from django.apps import AppConfig


class AlbumsConfig(AppConfig):
    name = "albums"
    verbose_name = "Albums"

    def ready(self) -> None:
        from albums import signals  # noqa: F401
