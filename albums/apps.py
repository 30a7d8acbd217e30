from django.apps import AppConfig


class AlbumsConfig(AppConfig):
    name = "albums"
    verbose_name = "Albums"

    def ready(self) -> None:
        from albums import api_keeper, signals, tasks  # noqa: F401
        from restorer import recovery
        from restorer.api import keeping

        keeping.provide(api_keeper)
        # Previews of large uploads are background work the recovery sweep looks after.
        recovery.register(tasks.recover_renditions)
