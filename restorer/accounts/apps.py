from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "restorer.accounts"
    label = "accounts"
    verbose_name = "Accounts"
