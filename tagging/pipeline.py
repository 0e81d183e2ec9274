"""The media pipeline's steps (probe, shots, keyframes, tag, aggregate): each re-runnable, each replacing its own output.

Every step takes an asset or title id, re-fetches, and returns False when there is nothing (more) to
do, so a chain of tasks stops quietly after a failure. Bad files never raise out of a step: the asset
is marked failed with the reason staff see in the admin.

This module is the steps' one entry point (tasks.py and services.py call them through it) and owns the
last step, `finish_asset`. The work lives where its concern does: `assets.py` (the live row, its local
file, failing it), `media_steps.py` (probe, shots, keyframes), `suggestions.py` (taggers and their
suggestions), `title_tags.py` (title scores and model tags). The chain itself is `services.pipeline_signature`.
"""

from __future__ import annotations

from catalog.models import MediaAsset
from jobs import Progress, no_progress

from .assets import MEDIA_ERRORS, fail, live_asset, local_file, reject
from .media_steps import detect_asset_shots, extract_keyframes, probe_asset
from .models import SHOTS_TAGGER
from .suggestions import ensure_tags, save_suggestions, tag_asset, tag_title_text
from .title_tags import aggregate_title, shot_weight, sync_model_tags

__all__ = [
    "MEDIA_ERRORS", "SHOTS_TAGGER", "aggregate_title", "detect_asset_shots", "ensure_tags", "extract_keyframes",
    "fail", "finish_asset", "local_file", "probe_asset", "reject", "save_suggestions", "shot_weight",
    "sync_model_tags", "tag_asset", "tag_title_text",
]

# The name the suggestion writer had while it was private to this module (tests still call it so).
_save_suggestions = save_suggestions


def finish_asset(asset_id: int, progress: Progress = no_progress) -> bool:
    """Aggregate the title, refresh its synopsis tags and model tags, and mark the asset ready."""
    asset = live_asset(asset_id)
    if asset is None:
        return False
    tag_title_text(asset.title_id)
    progress(1, 2, "synopsis tags")
    aggregate_title(asset.title_id)  # also syncs the model tags, synopsis ones included
    progress(2, 2, "aggregated")
    MediaAsset.objects.filter(pk=asset.pk).update(status=MediaAsset.Status.READY, error="")
    if asset.kind == MediaAsset.Kind.VIDEO:
        from .signals import video_processed

        video_processed.send(sender=MediaAsset, asset_id=asset.pk, title_id=asset.title_id)
    return True
