"""Visual descriptors of a keyframe from OpenCV alone: faces, people, brightness, colourfulness, colours, text."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

COLOUR_NAMES = ["black", "white", "grey", "red", "orange", "yellow", "green", "teal", "blue", "purple", "pink",
                "brown"]
NEUTRAL_COLOURS = {"black", "white", "grey"}
# Upper hue bound (degrees) of each chromatic name, going round the wheel from red.
HUE_NAMES = [(15, "red"), (40, "orange"), (70, "yellow"), (165, "green"), (195, "teal"), (255, "blue"),
             (290, "purple"), (345, "pink"), (360, "red")]


def colour_name(bgr) -> str:
    """A plain colour word for a BGR colour: value and saturation pick the neutrals, hue the rest."""
    hsv = cv2.cvtColor(np.uint8([[np.clip(bgr, 0, 255)]]), cv2.COLOR_BGR2HSV_FULL)[0, 0]
    hue, saturation, value = float(hsv[0]) * 360 / 256, hsv[1] / 255.0, hsv[2] / 255.0
    if value < 0.18:
        return "black"
    if saturation < 0.2:
        return "white" if value > 0.8 else "grey"
    name = next(n for bound, n in HUE_NAMES if hue < bound)
    if name in ("red", "orange") and value < 0.55:
        return "brown"
    return name


@lru_cache(maxsize=1)
def _face_detector() -> cv2.CascadeClassifier:
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    if cascade.empty():
        raise RuntimeError("OpenCV's frontal-face Haar cascade is missing from cv2.data.haarcascades")
    return cascade


@lru_cache(maxsize=1)
def _people_detector() -> cv2.HOGDescriptor:
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    return hog


def _shrink_to(image: np.ndarray, width: int) -> np.ndarray:
    """At most `width` wide: detectors need no more, and upscaling adds nothing."""
    height, current = image.shape[:2]
    if current <= width:
        return image
    return cv2.resize(image, (width, max(1, round(width * height / current))), interpolation=cv2.INTER_AREA)


def faces(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    height, width = gray.shape
    min_side = max(16, width // 20)
    found = _face_detector().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side))
    return [tuple(int(v) for v in box) for box in found]


def people(image: np.ndarray) -> int:
    if image.shape[0] < 128 or image.shape[1] < 64:
        return 0
    boxes, weights = _people_detector().detectMultiScale(image, winStride=(8, 8), padding=(8, 8), scale=1.1)
    return int(sum(1 for w in np.ravel(weights) if w > 0.5))


def colourfulness(image: np.ndarray) -> float:
    """Hasler and Süsstrunk (2003): spread and mean of the opponent channels rg and yb."""
    b, g, r = (image[..., k].astype(np.float64) for k in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def dominant_colours(image: np.ndarray, k: int = 4) -> dict[str, float]:
    """Share of the picture per colour name, from k-means in Lab space (deterministic seed)."""
    small = cv2.resize(image, (48, 27), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).reshape(-1, 3).astype(np.float32)
    cv2.setRNGSeed(12345)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    _, labels, centres = cv2.kmeans(lab, k, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    shares: dict[str, float] = {}
    counts = np.bincount(labels.ravel(), minlength=k)
    bgr_centres = cv2.cvtColor(np.clip(centres, 0, 255).astype(np.uint8).reshape(1, -1, 3), cv2.COLOR_LAB2BGR)[0]
    for centre, count in zip(bgr_centres, counts, strict=True):
        if count:
            name = colour_name(centre)
            shares[name] = shares.get(name, 0.0) + float(count) / len(labels)
    return {name: round(share, 3) for name, share in sorted(shares.items(), key=lambda kv: -kv[1])}


def text_score(gray: np.ndarray) -> float:
    """Fraction of the frame in text-like regions: dense, wide, short clusters of strong edges."""
    gradient = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    _, binary = cv2.threshold(gradient, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    joined = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    height, width = gray.shape
    area = 0
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if not (6 <= h <= 0.15 * height and w >= 2.5 * h and w <= 0.95 * width):
            continue
        density = cv2.countNonZero(binary[y : y + h, x : x + w]) / float(w * h)
        if 0.25 <= density <= 0.85:
            area += w * h
    return round(area / float(width * height), 4)


def describe(image: np.ndarray, motion: float = 0.0) -> dict:
    """JSON-ready descriptors of a BGR keyframe; `motion` is its mean luma change to the next frame."""
    work = _shrink_to(image, 480)
    gray = cv2.cvtColor(work, cv2.COLOR_BGR2GRAY)
    height, width = gray.shape
    face_boxes = faces(gray)
    largest = max((w * h for _, _, w, h in face_boxes), default=0) / float(width * height)
    hsv = cv2.cvtColor(work, cv2.COLOR_BGR2HSV)
    return {
        "brightness": round(float(gray.mean()) / 255.0, 4),
        "contrast": round(float(gray.std()) / 255.0, 4),
        "saturation": round(float(hsv[..., 1].mean()) / 255.0, 4),
        "blue_cast": round(float(work[..., 0].mean() - work[..., 2].mean()) / 255.0, 4),
        "colourfulness": round(colourfulness(work), 2),
        "faces": len(face_boxes),
        "largest_face": round(largest, 4),
        "people": people(_shrink_to(image, 400)),
        "motion": round(float(motion), 4),
        "text": text_score(gray),
        "colours": dominant_colours(work),
    }
