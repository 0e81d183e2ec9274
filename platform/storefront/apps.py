from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "storefront"
    verbose_name = "Storefront"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (refresh cached home pages when a profile changes)
