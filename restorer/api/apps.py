from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "restorer.api"
    label = "api"
    verbose_name = "Restoration API"

    def ready(self) -> None:
        from restorer.api import signals  # noqa: F401
