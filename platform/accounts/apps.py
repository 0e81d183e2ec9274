from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Subscribers"

    def ready(self) -> None:
        from . import cached  # noqa: F401  (connects the cache invalidation signals)
