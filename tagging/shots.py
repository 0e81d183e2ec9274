"""Shot-boundary detection with OpenCV and numpy alone (no Django): hard cuts, fades through black, dissolves.

Each frame is reduced to a small luma image and an HSV histogram (`frame_features.py`). Streaming over the
video we record, per frame, the difference to the previous frame, "skip" differences that tell a flash from
a cut, and for dissolves a long-range difference plus how well the middle frame is a linear mix of its
ends; a second pass over those scalars decides where shots begin (`shot_boundaries.py`, which lists the rules).
Frames come from `video_decoding.py`.

This module owns the pass over the video: every frame is decoded (an H.264 or VP8 frame cannot be decoded
without its references) but not every frame is analysed: a coarse pass looks at every 4th frame, and only
where two such frames differ enough to hide a boundary between them, or the picture is black, or it changes
steadily over 12 frames (a dissolve), are the frames around them analysed one by one (the fine look, from
the last few decoded frames kept for it), with the same per-frame rules. It also owns the shot list, whose
`as_json` is the `detect_shots --json` contract.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import cv2
import numpy as np

from .frame_features import _difference, _features, _Frame, _mean_abs, downscale
from .shot_boundaries import DetectorParams, _boundaries, _merge, _Signals
from .video_decoding import (
    DECODE_THREADS,
    VideoReadError,
    _small_frames,
    decoded_in_thread,
    open_video,
    probe,
)

COARSE_STRIDE = 4  # the coarse pass analyses every 4th frame
# Frames analysed either side of a coarse candidate: a cut's local average looks 12 frames each way and
# a flash 3 frames on, so the rules see around a fine-looked cut exactly what they see analysing all.
FINE_CONTEXT = 16


@dataclass
class DetectedShot:
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    transition: str  # "start", "cut", "fade" or "dissolve"


@dataclass
class ShotList:
    fps: float
    frames: int
    shots: list[DetectedShot] = field(default_factory=list)
    width: int = 0
    height: int = 0
    analysed_width: int = 0  # the small frame the detector actually looked at
    analysed_height: int = 0
    analysed_frames: int = 0  # frames whose signals were computed: all of them only where something happens

    def as_json(self) -> dict:
        """The public `detect_shots --json` contract: fps, frames and shots only."""
        return {"fps": self.fps, "frames": self.frames, "shots": [asdict(shot) for shot in self.shots]}


def detect_shots_in_frames(
    frames: Iterable[np.ndarray],
    fps: float,
    *,
    params: DetectorParams | None = None,
    progress: Callable[[int], None] | None = None,
) -> ShotList:
    """Shots of a sequence of BGR frames; `progress(frames_done)` is called every 250 frames."""
    width = height = 0

    def small_frames() -> Iterable[Callable[[], np.ndarray]]:
        nonlocal width, height
        for frame in frames:
            if not width:
                height, width = frame.shape[:2]
            yield partial(downscale, frame)

    result = _detect(small_frames(), fps, params=params, progress=progress)
    result.width, result.height = width, height
    return result


class _FineLook:
    """Consecutive frames analysed one by one, from `lo`, with their own streaming signals."""

    def __init__(self, lo: int, params: DetectorParams) -> None:
        self.lo = self.next = self.until = lo
        self.signals = _Signals(params)

    def boundaries(self, frames: int) -> list[tuple[int, str, float]]:
        local = _boundaries(self.signals, at_start=self.lo == 0, at_end=self.next == frames)
        return [(self.lo + frame, kind, strength) for frame, kind, strength in local]


def _calls_for_fine_look(samples: deque[_Frame], sample: _Frame, p: DetectorParams) -> bool:
    """Whether the frames before the coarse `sample` (back to the previous one) may hold a boundary."""
    previous = samples[-1]
    if _difference(previous, sample) >= p.coarse_trigger:
        return True  # a cut, a fade step or a flash; or motion, which the fine look will tell apart
    if any(f.mean < p.black_luma and f.std < p.black_std for f in (previous, sample)):
        return True  # black: a cut or fade into or out of it
    # A steady change over 12 frames (a dissolve's span) with small steps: a dissolve, or a slow pan.
    return len(samples) == samples.maxlen and _mean_abs(samples[0].coarse, sample.coarse) >= p.dissolve_min_change


def _detect(
    frames: Iterable[Callable[[], np.ndarray]],
    fps: float,
    *,
    params: DetectorParams | None,
    progress: Callable[[int], None] | None,
) -> ShotList:
    """Shots of decoded frames, each a callable that returns its small BGR image (only called if analysed).

    The coarse pass analyses every COARSE_STRIDE-th frame; where `_calls_for_fine_look`, the frames from
    FINE_CONTEXT before the previous sample to FINE_CONTEXT after this one are analysed one by one (the
    last STRIDE + CONTEXT + 1 decoded frames are kept for that). The caller fills in the source's size.
    """
    params = params or DetectorParams()
    keep = COARSE_STRIDE + FINE_CONTEXT + 1
    recent: deque[tuple[int, Callable[[], np.ndarray]]] = deque(maxlen=keep)
    analysed: dict[int, _Frame] = {}  # features of the kept frames that were analysed
    samples: deque[_Frame] = deque(maxlen=3)  # the last coarse samples, 12 frames back at most
    found: list[tuple[int, str, float]] = []
    fine: _FineLook | None = None
    result = ShotList(fps=float(fps), frames=0)

    def features(index: int, small: Callable[[], np.ndarray]) -> _Frame:
        if index not in analysed:
            analysed[index] = _features(small())
            result.analysed_frames += 1
        return analysed[index]

    n = 0
    for index, small in enumerate(frames):
        n = index + 1
        recent.append((index, small))
        analysed.pop(index - keep, None)
        if index % COARSE_STRIDE == 0:
            sample = features(index, small)
            if samples and _calls_for_fine_look(samples, sample, params):
                lo = max(0, index - COARSE_STRIDE - FINE_CONTEXT)
                if fine is None or lo > fine.next:
                    if fine is not None:
                        found += fine.boundaries(n)
                    fine = _FineLook(lo, params)
                fine.until = index + FINE_CONTEXT
            samples.append(sample)
        if fine is not None and fine.next <= index <= fine.until:
            for kept, kept_small in recent:
                if kept >= fine.next:
                    fine.signals.add(features(kept, kept_small))
            fine.next = index + 1
        if progress and n % 250 == 0:
            progress(n)
    if fine is not None:
        found += fine.boundaries(n)
    result.frames = n
    if n == 0:
        return result
    result.analysed_height, result.analysed_width = analysed[max(analysed)].luma.shape if analysed else (0, 0)
    starts = [(0, "start")] + [(frame, kind) for frame, kind, _ in _merge(found, n, fps, params)]
    for k, (start, kind) in enumerate(starts):
        end = starts[k + 1][0] - 1 if k + 1 < len(starts) else n - 1
        result.shots.append(
            DetectedShot(start_frame=start, end_frame=end, start_s=round(start / fps, 3),
                 end_s=round((end + 1) / fps, 3), transition=kind)
        )
    return result


def detect_shots(
    path: str | Path,
    *,
    params: DetectorParams | None = None,
    progress: Callable[[int, int], None] | None = None,
    decode_thread: bool = True,
) -> ShotList:
    """Detect the shots of the video file at `path`; `progress(done, total)` reports frames read.

    With `decode_thread` (the default) frames are decoded, and PyAV's shrunk, in a thread of their own
    while this one analyses them (`decoded_in_thread`): the same frames in the same order, so the same
    shots. It adds almost no work, only overlaps it: a video detected alone finishes sooner on a spare
    core, and a worker whose tasks already keep every core busy loses only the hand-off between the
    threads (the Django setting TAGGING_SHOT_DECODE_THREAD turns it off).
    """
    # The file is opened once: by PyAV, which decodes it, unless PyAV cannot read it (then OpenCV).
    probed = probe(path)
    if probed is None:
        capture, fps, declared = open_video(path, decode_threads=DECODE_THREADS)
    else:
        capture, (_, fps, declared, _) = None, probed
    # Frames are tiny: OpenCV's thread pool costs more than it saves here, and a worker
    # process is the unit of parallelism anyway.
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    size: list[int] = []
    frames = _small_frames(path, capture, size, shrink_at_decode=decode_thread, probed=probed)
    if decode_thread:
        frames = decoded_in_thread(frames, path)
    try:
        def report(done: int) -> None:
            if progress:
                progress(done, max(declared, done))

        result = _detect(frames, fps, params=params, progress=report)
        if size:
            result.width, result.height = size
    finally:
        frames.close()  # stops the decoding thread before the capture it reads from is released
        if capture is not None:
            capture.release()
        cv2.setNumThreads(threads)
    if result.frames == 0:
        raise VideoReadError(f"{path}: no frame could be decoded (empty video or unsupported codec)")
    return result
