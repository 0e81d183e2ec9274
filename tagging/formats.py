"""Which media formats tagging accepts, told from a file's first bytes or its name: no OpenCV needed.

Kept apart from `probe` so that the web tier (admin uploads, ingest) can check a file without loading OpenCV.
"""

from __future__ import annotations

# Leading bytes of the containers we accept, by format.
VIDEO_FORMATS = {"mp4", "avi", "matroska", "mpeg"}
IMAGE_FORMATS = {"png", "jpeg", "gif", "webp", "bmp", "tiff"}
EXTENSIONS = {
    ".mp4": "mp4", ".m4v": "mp4", ".mov": "mp4", ".avi": "avi", ".mkv": "matroska", ".webm": "matroska",
    ".mpg": "mpeg", ".mpeg": "mpeg", ".ts": "mpeg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg",
    ".gif": "gif", ".webp": "webp", ".bmp": "bmp", ".tif": "tiff", ".tiff": "tiff",
}


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
