from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "restorer.api"
    label = "api"
    verbose_name = "Restoration API"
