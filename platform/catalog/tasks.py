"""Catalog background work."""

from celery import shared_task

from .media import fingerprint
from .models import MediaAsset


@shared_task(acks_late=True, reject_on_worker_lost=True)
def fingerprint_media_asset(asset_id: int) -> dict:
    """Recompute a media file's size and checksum (idempotent)."""
    asset = MediaAsset.objects.filter(pk=asset_id).first()
    if asset is None:
        return {"asset": asset_id, "status": "gone"}
    fingerprint(asset)
    return {"asset": asset_id, "status": asset.status, "checksum": asset.checksum, "error": asset.error}
