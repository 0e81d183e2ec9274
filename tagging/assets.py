"""What every media step needs of its asset: the live row, its bytes on local disk, and marking it failed or refused."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2

from catalog.media import discard_file
from catalog.models import MediaAsset

from .probe import MediaRejected
from .video_decoding import VideoReadError

log = logging.getLogger(__name__)
# Errors a decoder or a corrupt file can raise deep inside OpenCV or Pillow.
MEDIA_ERRORS = (MediaRejected, VideoReadError, cv2.error, OSError, ValueError)


@contextmanager
def local_file(asset: MediaAsset) -> Iterator[Path]:
    """A filesystem path to the asset's bytes (copied to a temp file for remote storage backends)."""
    try:
        yield Path(asset.file.path)
        return
    except NotImplementedError:
        pass
    suffix = Path(asset.file.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        with asset.file.open("rb") as source:
            shutil.copyfileobj(source, tmp)
        tmp.flush()
        yield Path(tmp.name)


def display_name(asset: MediaAsset) -> str:
    """The name staff know the file by, for failure reasons."""
    return asset.original_name or Path(asset.file.name).name


def fail(asset: MediaAsset, reason: str) -> None:
    log.warning("media asset %s failed: %s", asset.pk, reason)
    MediaAsset.objects.filter(pk=asset.pk).update(status=MediaAsset.Status.FAILED, error=reason[:2000])


def reject(asset: MediaAsset, reason: str) -> None:
    """Fail an asset whose file was refused, and delete the file (it must not stay on disk to be served)."""
    log.warning("media asset %s refused: %s", asset.pk, reason)
    discard_file(asset, reason)


def live_asset(asset_id: int) -> MediaAsset | None:
    """The asset, unless it is gone or already failed."""
    asset = MediaAsset.objects.filter(pk=asset_id).select_related("title").first()
    if asset is None or asset.status == MediaAsset.Status.FAILED:
        return None
    return asset
