from django.apps import AppConfig


class AlbumsConfig(AppConfig):
    name = "albums"
    verbose_name = "Albums"

    def ready(self) -> None:
        from albums import api_keeper, signals  # noqa: F401
        from restorer.api import keeping

        keeping.provide(api_keeper)
