from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from . import warmup

        warmup.connect()  # connects signals only: nothing loads until a request or a worker process starts
