"""Start the media pipeline when a MediaAsset row is created (admin upload, ingest_media, any other path),
and say when a video has been through it."""

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from catalog.models import MediaAsset

from .models import is_keyframe_copy


@receiver(post_save, sender=MediaAsset, dispatch_uid="tagging.media_asset_created")
def media_asset_created(sender, instance: MediaAsset, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw and instance.file and not is_keyframe_copy(instance):
        from .services import enqueue_asset

        enqueue_asset(instance.pk)


# Sent (kwargs `asset_id`, `title_id`) once a video's shots, keyframes and tags are stored, so a feature
# that reads them (artwork's preview windows) acts on new footage without tagging importing it.
video_processed = Signal()
