"""The media formats Marquee accepts, told from a file's first bytes: the allow-list for uploads and serving.

Needs no OpenCV or Pillow, so the web tier (admin uploads, ingest, the media route) checks files cheaply;
tagging decodes them later. Anything else (HTML, SVG, scripts, archives) is refused at upload and never
served inline.
"""

from __future__ import annotations

from pathlib import PurePath

# Leading bytes of the containers we accept, by format.
VIDEO_FORMATS = {"mp4", "avi", "matroska", "mpeg"}
IMAGE_FORMATS = {"png", "jpeg", "gif", "webp", "bmp", "tiff"}
EXTENSIONS = {
    ".mp4": "mp4", ".m4v": "mp4", ".mov": "mp4", ".avi": "avi", ".mkv": "matroska", ".webm": "matroska",
    ".mpg": "mpeg", ".mpeg": "mpeg", ".ts": "mpeg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg",
    ".gif": "gif", ".webp": "webp", ".bmp": "bmp", ".tif": "tiff", ".tiff": "tiff",
}
# The Content-Type each accepted extension is served with (not the system's mimetypes table, which
# varies by machine: `.ts` is Qt Linguist text on some).
CONTENT_TYPES = {
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".avi": "video/x-msvideo",
    ".mkv": "video/x-matroska", ".webm": "video/webm", ".mpg": "video/mpeg", ".mpeg": "video/mpeg",
    ".ts": "video/mp2t", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff",
}
HEAD_BYTES = 512  # enough for every signature below (MPEG-TS needs two 188-byte packets)


class UnsupportedMedia(ValueError):
    """The file is not an accepted image or video; the message names the file and says why, for staff."""


def kind_of(fmt: str) -> str:
    return "video" if fmt in VIDEO_FORMATS else "image"


def check_media(name: str, head: bytes, kind: str | None = None) -> str:
    """The format of a file about to be stored, when its extension, its bytes and `kind` all agree.

    The client's content type is never consulted: the extension must be on the allow-list (it decides how
    the file is served), the first bytes must be that format, and an image must not be a video or back.
    """
    extension = PurePath(name).suffix.lower()
    claimed = EXTENSIONS.get(extension)
    if claimed is None:
        accepted = " ".join(sorted(EXTENSIONS))
        raise UnsupportedMedia(f"{name}: {extension or 'no extension'} is not an accepted type (accepted: {accepted})")
    if not head:
        raise UnsupportedMedia(f"{name}: the file is empty")
    found = sniff(head)
    if found is None:
        raise UnsupportedMedia(f"{name}: the bytes are not a known image or video format")
    if found != claimed:
        raise UnsupportedMedia(f"{name}: the extension says {claimed} but the bytes are {found}")
    if kind is not None and kind_of(found) != kind:
        raise UnsupportedMedia(f"{name}: uploaded as {kind} but the bytes are a {found} {kind_of(found)}")
    return found


def sniff(head: bytes) -> str | None:
    """The container format named by a file's first bytes, or None when we do not know them."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"BM"):
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3") or (len(head) > 188 and head[0] == head[188] == 0x47):
        return "mpeg"
    return None
