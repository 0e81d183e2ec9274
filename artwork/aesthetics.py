"""Aesthetic score of a candidate image: sharpness, exposure/contrast, colour, faces, thirds, penalties."""

from dataclasses import dataclass, field
from functools import cache

import cv2
import imagehash
import numpy as np
from PIL import Image

ASPECTS = {"2:3": 2 / 3, "16:9": 16 / 9}
DUPLICATE_DISTANCE = 6  # phash Hamming distance at or below which two frames are near-duplicates


@dataclass
class Assessment:
    score: float
    components: dict[str, float]
    features: dict[str, float]
    phash: str
    crops: dict[str, list[int]] = field(default_factory=dict)


@cache
def _face_detector() -> cv2.CascadeClassifier:
    return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


def _salient_box(gray: np.ndarray) -> tuple[int, int, int, int]:
    """The bounding box of the strongest edges: a cheap saliency stand-in when there is no face."""
    edges = cv2.Canny(gray, 80, 160)
    ys, xs = np.nonzero(edges)
    h, w = gray.shape
    if len(xs) < 20:
        return w // 4, h // 4, w // 2, h // 2
    x0, x1 = np.percentile(xs, [20, 80]).astype(int)
    y0, y1 = np.percentile(ys, [20, 80]).astype(int)
    return int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0))


def crop_box(width: int, height: int, focus: tuple[int, int, int, int], ratio: float) -> list[int]:
    """The largest box of `ratio` (w/h) inside the image, centred on the focus as far as the edges allow."""
    if width / height > ratio:
        ch, cw = height, int(round(height * ratio))
    else:
        cw, ch = width, int(round(width / ratio))
    fx, fy = focus[0] + focus[2] / 2, focus[1] + focus[3] / 2
    x = int(min(max(fx - cw / 2, 0), width - cw))
    y = int(min(max(fy - ch / 2, 0), height - ch))
    return [x, y, cw, ch]


def assess(image: Image.Image) -> Assessment:
    """Score one image (higher is better) and propose its crops; never raises on a valid RGB image."""
    rgb = np.asarray(image.convert("RGB"))
    scale = 360 / max(rgb.shape[:2])
    if scale < 1:
        rgb = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    brightness = float(gray.mean()) / 255
    contrast = float(gray.std()) / 128
    sharp_raw = float(cv2.Laplacian(gray, cv2.CV_64F).var())
    sharpness = float(min(1.0, sharp_raw / 300))
    r, g, b = (rgb[..., i].astype(float) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    colourfulness = float(min(1.0, (np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())) / 100))
    exposure = 1 - min(1.0, abs(brightness - 0.5) * 2)

    faces = _face_detector().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
    face_area = max((fw * fh for _, _, fw, fh in faces), default=0) / (w * h)
    if len(faces):
        focus = tuple(int(v) for v in max(faces, key=lambda f: f[2] * f[3]))
    else:
        focus = _salient_box(gray)
    cx, cy = (focus[0] + focus[2] / 2) / w, (focus[1] + focus[3] / 2) / h
    # Distance of the focus to the nearest thirds intersection, 0 (on it) .. ~0.47 (a corner).
    thirds = 1 - min(1.0, min(np.hypot(cx - tx, cy - ty) for tx in (1 / 3, 2 / 3) for ty in (1 / 3, 2 / 3)) / 0.35)

    # Text-heavy frames (credits, title cards): many small high-contrast blobs from a morphological gradient.
    grad = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    _, binary = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    joined = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    texty = sum(1 for c in contours if (lambda x, y, cw, ch: cw > 2 * ch and 6 <= ch <= h * 0.08)(*cv2.boundingRect(c)))
    text_share = min(1.0, texty / 40)

    black = brightness < 0.08 or (contrast < 0.05 and brightness < 0.2)
    blurred = sharp_raw < 30
    components = {
        "sharpness": round(sharpness, 4), "exposure": round(exposure, 4), "contrast": round(min(1.0, contrast), 4),
        "colourfulness": round(colourfulness, 4), "faces": len(faces), "face_area": round(face_area, 4),
        "thirds": round(float(thirds), 4), "text": round(text_share, 4),
        "black_penalty": 1.0 if black else 0.0, "blur_penalty": 1.0 if blurred else 0.0,
    }
    score = (1.0 * sharpness + 0.8 * exposure + 0.6 * min(1.0, contrast) + 0.6 * colourfulness
             + (0.5 if len(faces) else 0.0) + 2.0 * min(face_area, 0.25) + 0.4 * thirds
             - 0.8 * text_share - 3.0 * components["black_penalty"] - 2.0 * components["blur_penalty"])
    features = {"faces": float(len(faces) > 0), "closeup": float(face_area > 0.04), "brightness": brightness,
                "colour": colourfulness, "dark": float(brightness < 0.3)}
    full_w, full_h = image.size
    k = full_w / w
    full_focus = tuple(int(v * k) for v in focus)
    crops = {name: crop_box(full_w, full_h, full_focus, ratio) for name, ratio in ASPECTS.items()}
    return Assessment(round(float(score), 4), components, features, str(imagehash.phash(image)), crops)


def near_duplicate(a: str, b: str) -> bool:
    return imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b) <= DUPLICATE_DISTANCE
