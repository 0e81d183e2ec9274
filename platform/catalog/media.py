"""Storage-level facts about media files: size, checksum and, for images, safe dimensions.

The one owner of media rejection (`MediaRejected`) and of the checksum (`file_digest`); the tagging
pipeline's probe uses both.
"""

import hashlib
from typing import BinaryIO

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from .models import MediaAsset


class MediaRejected(Exception):
    """The file is not what it claims to be, or is unsafe to decode; the message is for staff."""


def file_digest(handle: BinaryIO) -> tuple[str, int]:
    """(sha256 hex digest, size in bytes) of an open binary file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def sha256_of(asset: MediaAsset) -> tuple[str, int]:
    with asset.file.open("rb") as handle:
        return file_digest(handle)


def image_size(asset: MediaAsset) -> tuple[int, int]:
    """(width, height) of an image asset, refusing decompression bombs and non-images."""
    Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
    try:
        with asset.file.open("rb") as handle, Image.open(handle) as image:
            image.verify()
            return image.size
    except Image.DecompressionBombError as error:
        raise MediaRejected(f"{asset.file.name}: image too large to decode safely ({error})") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise MediaRejected(f"{asset.file.name}: not a readable image ({error})") from None


def discard_file(asset: MediaAsset, reason: str) -> None:
    """Mark the asset failed with `reason` and delete its refused file: nothing refused stays on disk to be served."""
    if asset.file.name:
        asset.file.storage.delete(asset.file.name)
    asset.file, asset.status, asset.error = "", MediaAsset.Status.FAILED, reason[:2000]
    MediaAsset.objects.filter(pk=asset.pk).update(file="", status=asset.status, error=asset.error)


def fingerprint(asset: MediaAsset) -> MediaAsset:
    """Fill size and checksum (and image dimensions); a refused file is deleted and the asset failed with why."""
    try:
        asset.checksum, asset.size_bytes = sha256_of(asset)
        if asset.size_bytes > settings.MAX_UPLOAD_BYTES:
            raise MediaRejected(f"{asset.file.name}: {asset.size_bytes} bytes exceeds MAX_UPLOAD_BYTES")
        if asset.kind == MediaAsset.Kind.IMAGE:
            asset.width, asset.height = image_size(asset)
    except MediaRejected as error:
        discard_file(asset, str(error))
    except FileNotFoundError as error:
        asset.status, asset.error = MediaAsset.Status.FAILED, str(error)
    asset.save(update_fields=["checksum", "size_bytes", "width", "height", "status", "error", "updated_at"])
    return asset
