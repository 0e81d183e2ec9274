from django.apps import AppConfig


class ArtworkConfig(AppConfig):
    name = "artwork"
    verbose_name = "Personalized artwork"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the video_processed receiver)
