"""Pick the best-looking frame of each shot: sharp, well exposed, contrasted, neither black nor uniform."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

QUALITY_WIDTH = 320
CANDIDATES_PER_SHOT = 5


@dataclass
class Quality:
    sharpness: float  # variance of the Laplacian on a QUALITY_WIDTH-wide copy
    exposure: float  # 1 at mid-grey mean, 0 at black or white
    contrast: float  # luma standard deviation, scaled to 0..1
    black: bool
    uniform: bool

    @property
    def score(self) -> float:
        if self.black or self.uniform:
            return 0.0
        sharp = 1.0 - float(np.exp(-self.sharpness / 150.0))
        return round(0.5 * sharp + 0.25 * self.exposure + 0.25 * self.contrast, 4)


def quality(image: np.ndarray) -> Quality:
    """Quality of a BGR image, measured at a fixed width so scores compare across resolutions."""
    height, width = image.shape[:2]
    scaled_h = max(1, round(QUALITY_WIDTH * height / max(width, 1)))
    gray = cv2.cvtColor(cv2.resize(image, (QUALITY_WIDTH, scaled_h), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    sharpness = float(cv2.Laplacian(gray, cv2.CV_64F).var())
    mean, std = (float(v) / 255.0 for v in (gray.mean(), gray.std()))
    return Quality(
        sharpness=sharpness,
        exposure=max(0.0, 1.0 - 2.0 * abs(mean - 0.5)),
        contrast=min(1.0, std / 0.25),
        black=mean < 0.06,
        uniform=std < 0.02,
    )


@dataclass
class Pick:
    shot_index: int
    frame: int
    image: np.ndarray
    quality: float
    motion: float


def candidate_frames(start: int, end: int, count: int = CANDIDATES_PER_SHOT) -> list[int]:
    """Evenly spaced frames inside the shot, away from its edges where transitions blur things."""
    length = end - start + 1
    if length <= 2:
        return [start]
    margin = max(1, length // 10)
    lo, hi = start + margin, end - margin
    if hi <= lo:
        return [(start + end) // 2]
    return sorted({int(round(v)) for v in np.linspace(lo, hi, min(count, hi - lo + 1))})


def pick_keyframes(capture: cv2.VideoCapture, shots: list[tuple[int, int]], progress=None) -> list[Pick]:
    """One pass over the video: the best candidate per (start, end) shot, with motion to the next frame."""
    wanted: dict[int, int] = {}
    for index, (start, end) in enumerate(shots):
        for frame in candidate_frames(start, end):
            wanted[frame] = index
    best: dict[int, Pick] = {}
    pending: tuple[int, np.ndarray, float] | None = None  # candidate waiting for its next frame
    last = max(wanted) + 1 if wanted else 0
    number = 0
    while number <= last:
        # grab() decodes; retrieve() (colour conversion, copy) only for the frames we look at.
        if not capture.grab():
            break
        if progress and number % 250 == 0:
            progress(number, last)
        if pending is None and number not in wanted:
            number += 1
            continue
        ok, frame = capture.retrieve()
        if not ok or frame is None:
            break
        if pending is not None:
            cand_frame, cand_image, cand_quality = pending
            motion = float(np.abs(_small_gray(cand_image) - _small_gray(frame)).mean())
            _keep(best, Pick(wanted[cand_frame], cand_frame, cand_image, cand_quality, motion))
            pending = None
        if number in wanted:
            pending = (number, frame, quality(frame).score)
        number += 1
    if pending is not None:
        cand_frame, cand_image, cand_quality = pending
        _keep(best, Pick(wanted[cand_frame], cand_frame, cand_image, cand_quality, 0.0))
    return [best[index] for index in sorted(best)]


def _small_gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(cv2.resize(image, (64, 36), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY) / 255.0


def _keep(best: dict[int, Pick], pick: Pick) -> None:
    current = best.get(pick.shot_index)
    if current is None or pick.quality > current.quality:
        best[pick.shot_index] = pick


def encode_jpeg(image: np.ndarray, max_width: int = 640) -> bytes:
    height, width = image.shape[:2]
    if width > max_width:
        image = cv2.resize(image, (max_width, round(max_width * height / width)), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise ValueError("could not encode the keyframe as JPEG")
    return data.tobytes()
