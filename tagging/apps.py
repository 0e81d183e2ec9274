"""Scene-image tagging: shots, keyframes and tags from a title's video and stills."""
from django.apps import AppConfig


class TaggingConfig(AppConfig):
    name = "tagging"
    verbose_name = "Scene tagging"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the MediaAsset post_save receiver)
