"""Check an uploaded media file by its bytes (never its name or the client's content type) and read its basic facts."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from catalog.formats import HEAD_BYTES, UnsupportedMedia, check_media
from catalog.media import MediaRejected, file_digest

from .video_decoding import VideoReadError, open_video


@dataclass
class Probe:
    kind: str  # "image" or "video"
    format: str
    size_bytes: int
    checksum: str
    width: int = 0
    height: int = 0
    duration_s: float | None = None
    fps: float | None = None
    frames: int | None = None
    metadata: dict = field(default_factory=dict)


def check_container(path: Path, name: str, expected_kind: str) -> str:
    """The sniffed format, after checking it agrees with the declared kind and the file's (allowed) extension."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    try:
        return check_media(name, head, expected_kind)
    except UnsupportedMedia as error:
        raise MediaRejected(str(error)) from None


def fourcc_name(code: float) -> str:
    value = int(code)
    text = "".join(chr((value >> (8 * k)) & 0xFF) for k in range(4))
    return text if text.isprintable() and text.strip() else f"0x{value:08x}"


def declared_codec(path: Path) -> str | None:
    """The video codec the container header names (AVI stream header or MP4 sample entry), if we can see it."""
    with path.open("rb") as handle:
        data = handle.read(1 << 20)
    at = data.find(b"vids")
    if at >= 0 and data[at - 8 : at - 4] == b"strh":
        return fourcc_text(data[at + 4 : at + 8])
    at = data.find(b"stsd")
    if at >= 0 and len(data) >= at + 20:
        return fourcc_text(data[at + 16 : at + 20])
    return None


def fourcc_text(raw: bytes) -> str:
    text = raw.decode("latin-1")
    return text if text.isprintable() and text.strip() else raw.hex()


def probe_video(path: Path, name: str, fmt: str, size: int, checksum: str) -> Probe:
    try:
        capture, fps, declared = open_video(path)
    except VideoReadError:
        codec = declared_codec(path)
        if codec:
            raise MediaRejected(
                f"{name}: cannot decode this {fmt} video: codec {codec!r} is unsupported or the stream is corrupt"
            ) from None
        raise MediaRejected(f"{name}: not a readable {fmt} video (corrupt, truncated, empty or unsupported)") from None
    try:
        codec = fourcc_name(capture.get(cv2.CAP_PROP_FOURCC))
        rotation = int(capture.get(cv2.CAP_PROP_ORIENTATION_META) or 0) % 360
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok or frame is None:
        if declared == 0:
            raise MediaRejected(f"{name}: the video has no frames")
        raise MediaRejected(f"{name}: no frame could be decoded; codec {codec!r} is unsupported or the stream is corrupt")
    # OpenCV applies the rotation flag when decoding, so the decoded frame has the upright size.
    height, width = frame.shape[:2]
    return Probe(
        kind="video", format=fmt, size_bytes=size, checksum=checksum, width=width, height=height,
        duration_s=round(declared / fps, 3) if declared else None, fps=fps, frames=declared,
        metadata={"codec": codec, "rotation": rotation, "fps": fps, "declared_frames": declared},
    )


def load_image(path: Path, name: str, max_pixels: int) -> Image.Image:
    """The decoded, EXIF-upright RGB image; MediaRejected for bombs, truncation and non-images."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x the limit; over the limit is over the limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                return upright.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRejected(
            f"{name}: the image's pixel count is over the limit of {max_pixels:,} (decompression bomb)"
        ) from None
    except UnidentifiedImageError:
        raise MediaRejected(f"{name}: not an image Pillow can read") from None
    except OSError as error:  # truncated or corrupt data
        raise MediaRejected(f"{name}: the image data is corrupt or truncated ({error})") from None


def image_to_bgr(image: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)


def probe_file(path: Path, *, name: str, expected_kind: str, max_pixels: int, max_bytes: int) -> Probe:
    """Check the file and read its facts; MediaRejected says what is wrong in words staff understand."""
    if not path.is_file():
        raise MediaRejected(f"{name}: the file is missing from storage")
    if path.stat().st_size > max_bytes:
        raise MediaRejected(f"{name}: {path.stat().st_size:,} bytes is over the upload limit of {max_bytes:,}")
    fmt = check_container(path, name, expected_kind)
    with path.open("rb") as handle:
        checksum, size = file_digest(handle)
    if expected_kind == "video":
        return probe_video(path, name, fmt, size, checksum)
    image = load_image(path, name, max_pixels)
    return Probe(kind="image", format=fmt, size_bytes=size, checksum=checksum, width=image.width, height=image.height)
