"""Shot-boundary detection with OpenCV and numpy alone (no Django): hard cuts, fades through black, dissolves.

Each frame is reduced to a small luma image and an HSV histogram. Streaming over the video we record,
per frame, the difference to the previous frame, "skip" differences that tell a flash from a cut, and
for dissolves a long-range difference plus how well the middle frame is a linear mix of its ends. A
second pass over those scalars (memory is a few floats per frame, whatever the video length) decides:

- cut: the frame difference stands well above the local average (so a fast pan, which is busy
  everywhere, is not a cut) and above an absolute floor, and the picture does not come back within
  a few frames (a flash);
- cut at black: a run of black frames entered or left in one step is a hard cut (into or out of
  black); only a gradual ramp of luminance over several frames into or out of it makes a fade;
- a frame difference that a change of brightness alone explains (each frame's luma, normalised by
  its own mean and spread, is unchanged) is a fade step, not a cut;
- dissolve: over a window the change is spread across frames, monotone and linear (a pan is neither).

Boundaries closer than the minimum shot length are merged, keeping the stronger one.

Every frame is decoded (an H.264 or VP8 frame cannot be decoded without its references) but not every
frame is analysed: a coarse pass looks at every 4th frame, and only where two such frames differ
enough to hide a boundary between them, or the picture is black, or it changes steadily over 12
frames (a dissolve), are the frames around them analysed one by one (the fine look, from the last
few decoded frames kept for it), with the same per-frame rules as above.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import cv2
import numpy as np

SMALL_WIDTH = 64
COARSE_WIDTH = 16
HIST_BINS = (8, 4, 4)
MAX_FLASH_FRAMES = 3
COARSE_STRIDE = 4  # the coarse pass analyses every 4th frame
# Frames analysed either side of a coarse candidate: a cut's local average looks 12 frames each way and
# a flash 3 frames on, so the rules see around a fine-looked cut exactly what they see analysing all.
FINE_CONTEXT = 16
DECODE_THREADS = 2  # FFmpeg's own decoder threads; more buys little on one worker's core budget
# From this source width up, frames come from PyAV scaled at decode (decode_small) whatever their pixel
# format; below it only limited-range 4:2:0, whose planes are read in place (fades.mp4, 480x320 MPEG-4:
# 0.10 s against 0.16 s through OpenCV). Other small formats (MJPEG's full-range 4:2:0) need swscale,
# which costs more than OpenCV's full-size BGR frame (320x180 MJPEG: 0.54 s against 0.30 s).
DECODE_SMALL_MIN_WIDTH = 640


class VideoReadError(Exception):
    """The file cannot be read as a video; the message says why, for staff."""


@dataclass(frozen=True)
class DetectorParams:
    cut_floor: float = 0.14  # absolute minimum frame difference for a cut (0..1)
    cut_ratio: float = 3.0  # times the local average difference
    window: int = 12  # frames either side for the local average
    min_shot_s: float = 0.4
    min_shot_frames: int = 6
    black_luma: float = 0.07  # mean luma (0..1) below which a frame is black
    black_std: float = 0.05
    dissolve_half: int = 6  # frames either side of a dissolve's middle
    dissolve_min_change: float = 0.05  # mean |luma| change across the window (0..1)
    dissolve_max_residual: float = 0.4  # middle frame vs mean of the ends, relative to the change
    dissolve_min_monotone: float = 0.55  # end-to-end change over summed steps
    dissolve_max_step: float = 0.45  # largest single step, relative to the change (1 ~ a cut)
    dissolve_max_dip: float = 0.85  # middle frame's luma variance over its ends' (a blend is flatter)
    dissolve_strong_dip: float = 0.45  # a dip this deep needs no linearity test (motion spoils that one)
    cut_min_structure: float = 0.12  # normalised-luma change a cut must also show (brightness alone is a fade)
    black_step_share: float = 0.6  # share of the luma drop into black taken in one frame that makes it a cut
    # Difference between two coarse samples that calls for a fine look: half the cut floor, so a cut between
    # them is looked at even when the camera also moves the other way (0 analyses every frame).
    coarse_trigger: float = 0.07


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


@dataclass
class _Frame:
    luma: np.ndarray  # float32, 0..1
    hist: np.ndarray  # float32, sums to 1
    coarse: np.ndarray  # luma at COARSE_WIDTH: camera moves of a few pixels vanish here
    shape: np.ndarray  # luma minus its mean over its spread: unchanged by a brightness ramp
    mean: float  # mean luma, 0..1
    std: float


def analysed_size(width: int, height: int) -> tuple[int, int]:
    """(width, height) of the frame analysed: SMALL_WIDTH wide, the aspect kept, an even height (I420 needs one)."""
    return SMALL_WIDTH, max(8, 2 * round(SMALL_WIDTH * height / max(width, 1) / 2))


def downscale(frame: np.ndarray) -> np.ndarray:
    """The small BGR frame analysed (see `_shrink`)."""
    height, width = frame.shape[:2]
    size = analysed_size(width, height)
    if (width, height) == size:
        return frame
    return _shrink(frame, size)


def _features(small: np.ndarray) -> _Frame:
    """The signals of one frame already at its analysed size (see `downscale` and `decode_small`)."""
    small_h = small.shape[0]
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    hist = cv2.calcHist([hsv], [0, 1, 2], None, list(HIST_BINS), [0, 180, 0, 256, 0, 256]).ravel()
    hist *= 1.0 / (SMALL_WIDTH * small_h)
    luma = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
    luma *= 1.0 / 255.0
    coarse = cv2.resize(luma, (COARSE_WIDTH, max(4, small_h // 4)), interpolation=cv2.INTER_AREA)
    mean, std = cv2.meanStdDev(luma)
    spread = float(std[0, 0])
    # A flat frame (black, or one grey level) has no shape: all zeros, so a fade of flat frames never cuts.
    shape = (luma - float(mean[0, 0])) / spread if spread > 0.02 else np.zeros_like(luma)
    return _Frame(luma=luma, hist=hist, coarse=coarse, shape=shape, mean=float(mean[0, 0]), std=spread)


def _mean_abs(a: np.ndarray, b: np.ndarray) -> float:
    return cv2.norm(a, b, cv2.NORM_L1) / a.size


def _difference(a: _Frame, b: _Frame) -> float:
    """0..1: half histogram distance (colour content), half pixel distance (layout)."""
    hist_d = 0.5 * cv2.norm(a.hist, b.hist, cv2.NORM_L1)
    pixel_d = min(1.0, 3.0 * _mean_abs(a.luma, b.luma))
    return 0.5 * hist_d + 0.5 * pixel_d


class _Signals:
    """Per-frame scalars gathered in one streaming pass."""

    def __init__(self, params: DetectorParams) -> None:
        self.params = params
        half = params.dissolve_half
        self.recent: deque[_Frame] = deque(maxlen=2 * half + 1)
        self.diff: list[float] = []  # diff[i]: frame i-1 -> i (0 for frame 0)
        self.step: list[float] = []  # mean |luma| step i-1 -> i
        self.structure: list[float] = []  # normalised-luma change i-1 -> i (0 for a pure brightness change)
        self.skip: list[list[float]] = []  # skip[i][f-1]: frame i-1 -> i+f, filled later
        self.mean_luma: list[float] = []
        self.std_luma: list[float] = []
        self.dissolve_change: list[float] = []
        self.dissolve_residual: list[float] = []
        self.dissolve_steps: list[float] = []
        self.dissolve_max_step: list[float] = []

    def add(self, feats: _Frame) -> None:
        index = len(self.diff)
        previous = self.recent[-1] if self.recent else None
        self.diff.append(_difference(previous, feats) if previous is not None else 0.0)
        self.step.append(_mean_abs(previous.coarse, feats.coarse) if previous is not None else 0.0)
        self.structure.append(0.25 * _mean_abs(previous.shape, feats.shape) if previous is not None else 0.0)
        self.skip.append([1.0] * MAX_FLASH_FRAMES)
        self.mean_luma.append(feats.mean)
        self.std_luma.append(feats.std)
        floor = self.params.cut_floor
        for f in range(1, MAX_FLASH_FRAMES + 1):
            # Boundary candidate at i = index - f: compare frame i-1 with this frame (i+f). Only
            # jumps that could be cuts (at i, or at this frame) are ever asked about.
            back = f + 1
            if len(self.recent) >= back and (self.diff[index - f] >= floor or self.diff[index] >= floor):
                self.skip[index - f][f - 1] = _difference(self.recent[-back], feats)
        half = self.params.dissolve_half
        self.dissolve_change.append(0.0)
        self.dissolve_residual.append(1.0)
        self.dissolve_steps.append(0.0)
        self.dissolve_max_step.append(1.0)
        if len(self.recent) >= 2 * half:
            first, middle = self.recent[-2 * half], self.recent[-half]
            centre = index - half
            change = _mean_abs(feats.coarse, first.coarse)
            self.dissolve_change[centre] = change
            if change > 0:
                mix = 0.5 * (first.coarse + feats.coarse)
                self.dissolve_residual[centre] = _mean_abs(middle.coarse, mix) / change
                steps = self.step[index - 2 * half + 1 : index + 1]
                self.dissolve_steps[centre] = change / max(sum(steps), 1e-6)
                self.dissolve_max_step[centre] = max(steps) / change
        self.recent.append(feats)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (start, end) index pairs of the True runs in a boolean array."""
    runs, start = [], None
    for i, value in enumerate(mask):
        if value and start is None:
            start = i
        elif not value and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs


def _boundaries(sig: _Signals, *, at_start: bool, at_end: bool) -> list[tuple[int, str, float]]:
    """(first frame of the new shot, transition, strength) for every boundary in a stretch of analysed frames.

    `at_start`/`at_end`: the stretch begins/ends the video; a black run at an edge that does not is left
    alone (it goes on beyond what was analysed).
    """
    p = sig.params
    n = len(sig.diff)
    if n < 2:
        return []
    diff = np.asarray(sig.diff, dtype=np.float64)
    black = (np.asarray(sig.mean_luma) < p.black_luma) & (np.asarray(sig.std_luma) < p.black_std)
    suppressed = np.zeros(n, dtype=bool)
    found: list[tuple[int, str, float]] = []

    luma = np.asarray(sig.mean_luma)

    def abrupt(before: int, after: int, direction: int) -> bool:
        """Whether the luma change between the black run and its neighbour happened in one step, not a ramp."""
        if not (0 <= before < n and 0 <= after < n):
            return False
        far = min(max(before - 4 * direction, 0), n - 1)
        step = abs(luma[before] - luma[after])
        ramp = abs(luma[far] - luma[after])
        return step >= 2 * p.black_luma and step >= p.black_step_share * max(ramp, 1e-6)

    for start, end in _runs(black):
        lo, hi = max(0, start - 2), min(n, end + 3)
        suppressed[lo:hi] = True
        if (start == 0 and not at_start) or (end == n - 1 and not at_end):
            continue
        cut_in = start > 0 and abrupt(start - 1, start, 1)  # content -> black in one frame
        cut_out = end < n - 1 and abrupt(end + 1, end, -1)  # black -> content in one frame
        if cut_in:
            found.append((start, "cut", 2.0))
        if cut_out:
            found.append((end + 1, "cut", 2.0))
        if start == 0 or end == n - 1 or cut_in or cut_out:
            continue  # a black lead-in or tail faded into belongs to the first or last shot
        found.append(((start + end + 1) // 2, "fade", 2.0))

    change = np.asarray(sig.dissolve_change)
    # Blending two unrelated pictures lowers the variance mid-way; a pan keeps it.
    variance = np.asarray(sig.std_luma) ** 2
    half = p.dissolve_half
    ends = np.full(n, np.inf)
    if n > 2 * half:
        ends[half : n - half] = 0.5 * (variance[: n - 2 * half] + variance[2 * half :])
    dip = variance / np.maximum(ends, 1e-9)
    linear = (
        (dip <= p.dissolve_max_dip)
        &
        (change >= p.dissolve_min_change)
        & (np.asarray(sig.dissolve_residual) <= p.dissolve_max_residual)
        & (np.asarray(sig.dissolve_steps) >= p.dissolve_min_monotone)
        & (np.asarray(sig.dissolve_max_step) <= p.dissolve_max_step)
    )
    deep = (
        (dip <= p.dissolve_strong_dip)
        & (change >= p.dissolve_min_change)
        & (np.asarray(sig.dissolve_max_step) <= p.dissolve_max_step)
    )
    dissolving = (linear | deep) & ~suppressed
    for start, end in _runs(dissolving):
        if end - start + 1 < 3:
            continue
        lo, hi = max(0, start - p.dissolve_half), min(n, end + p.dissolve_half + 1)
        if suppressed[lo:hi].any():
            continue
        suppressed[lo:hi] = True
        found.append(((start + end + 1) // 2, "dissolve", 1.5))

    # Local average from a window either side, leaving out the frame and its direct neighbours.
    kernel = np.ones(2 * p.window + 1)
    kernel[p.window - 1 : p.window + 2] = 0
    sums = np.convolve(diff, kernel, mode="same")
    counts = np.convolve(np.ones(n), kernel, mode="same")
    local = sums / np.maximum(counts, 1)
    for i in range(1, n):
        d = diff[i]
        if suppressed[i] or d < p.cut_floor or d < p.cut_ratio * local[i]:
            continue
        if sig.structure[i] < p.cut_min_structure:
            continue  # brightness alone changed: a fade step or a lighting change, not a new shot
        if d < diff[max(0, i - 1)] or (i + 1 < n and d < diff[i + 1]):
            continue  # not the peak of its neighbourhood
        # A flash: the picture before the jump comes back within a few frames (or this jump
        # is the return from one): the far frames are much closer than the jump itself.
        similar = max(0.5 * p.cut_floor, 0.4 * d)
        if any(skip < similar for skip in sig.skip[i]):
            continue
        if any(i - f >= 1 and sig.skip[i - f][f - 1] < similar for f in range(1, MAX_FLASH_FRAMES + 1)):
            continue
        found.append((i, "cut", float(d)))
    return found


def _merge(found: list[tuple[int, str, float]], n: int, fps: float, p: DetectorParams) -> list[tuple[int, str, float]]:
    """Boundaries closer than the minimum shot length (or to either end) merged, keeping the stronger."""
    min_len = max(p.min_shot_frames, round(p.min_shot_s * fps))
    merged: list[tuple[int, str, float]] = []
    for boundary in sorted(found):
        if boundary[0] < min_len or n - boundary[0] < min_len:
            continue
        if merged and boundary[0] - merged[-1][0] < min_len:
            if boundary[2] > merged[-1][2]:
                merged[-1] = boundary
            continue
        merged.append(boundary)
    return merged


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


def open_video(path: str | Path, *, decode_threads: int = 0) -> tuple[cv2.VideoCapture, float, int]:
    """An opened capture, its frame rate and declared frame count; VideoReadError if it is not a video.

    `decode_threads` > 0 asks FFmpeg for threaded decoding (where the codec has it): decoding a
    720p or 1080p frame is most of the cost of detection.
    """
    if decode_threads > 0:
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, decode_threads])
        if not capture.isOpened():
            capture = cv2.VideoCapture(str(path))
    else:
        capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise VideoReadError(f"{path}: not a readable video (no demuxer or decoder could open it)")
    fps = capture.get(cv2.CAP_PROP_FPS)
    if not fps or not np.isfinite(fps) or fps <= 0 or fps > 1000:
        capture.release()
        raise VideoReadError(f"{path}: the video declares no usable frame rate ({fps!r})")
    declared = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    return capture, float(fps), max(declared, 0)


def read_frames(capture: cv2.VideoCapture) -> Iterable[np.ndarray]:
    while True:
        ok, frame = capture.read()
        if not ok or frame is None:
            return
        yield frame


def decode_small(
    path: str | Path, *, threads: int = DECODE_THREADS, size: list | None = None, planar_only: bool = False
) -> Iterator[np.ndarray]:
    """The video's frames as small BGR images, decoded by PyAV (see `_decode_lazily`)."""
    for small in _decode_lazily(path, threads=threads, size=size, planar_only=planar_only):
        yield small()


def _decode_lazily(
    path: str | Path, *, threads: int = DECODE_THREADS, size: list | None = None, planar_only: bool = False
) -> Iterator[Callable[[], np.ndarray]]:
    """The video's frames decoded by PyAV, each as a callable that makes its small BGR image when asked.

    Decoding is most of the cost of detection on real resolutions, and only the decoder's own API offers
    what cuts it: frame-threaded decoding (`thread_type="AUTO"`), skipping the deblocking filter, and
    reading the decoded YUV planes in place, so a 720p or 1080p picture is never converted to BGR at
    full size (see `_small_bgr`). A packet that does not decode is skipped, as OpenCV does. `size`, if given, receives the source's
    (width, height) once the first frame is decoded. With `planar_only`, a stream whose pixel format is
    not limited-range 4:2:0 yields nothing (the caller decodes it another way).
    """
    import av

    container = av.open(str(path))
    try:
        stream = container.streams.video[0]
        if planar_only and stream.codec_context.pix_fmt != "yuv420p":
            return
        stream.thread_type = "AUTO"
        stream.thread_count = threads
        # H.264/HEVC's deblocking filter smooths block edges that a 64-px frame cannot show: skipping it
        # cuts the decoder's CPU time by about 15% (issue-195, one thread: 0.75-0.83 s against 0.91-0.98 s).
        stream.codec_context.options = {"skip_loop_filter": "all"}
        target = None
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.FFmpegError:
                return  # a broken container ends the video here, as OpenCV's read() does
            try:
                decoded = packet.decode()
            except av.error.FFmpegError:
                continue
            for frame in decoded:
                if target is None:
                    target = analysed_size(frame.width, frame.height)
                    if size is not None:
                        size[:] = [frame.width, frame.height]
                yield partial(_small_bgr, frame, target)  # the decoded frame is kept only while it may be asked for
    finally:
        container.close()


def _plane(frame, index: int, width: int, height: int) -> np.ndarray:
    """One plane of a decoded frame as a (height, width) view of the decoder's buffer (no copy)."""
    plane = frame.planes[index]
    return np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:height, :width]


def _small_bgr(frame, target: tuple[int, int]) -> np.ndarray:
    """The analysed-size BGR image of a decoded PyAV frame.

    For limited-range 4:2:0 (almost every H.264/VP8/VP9 file) the Y, U and V planes are read in place and
    each shrunk by OpenCV's area filter, then converted to BGR at the small size: swscale's area scaler
    cost more than the decode itself (issue-195: 1.3 s against 0.64 s). Other formats go through swscale,
    still in YUV: its scaled RGB output adds a pixel or two of chroma noise that turns flat pictures
    into textured ones.
    """
    width, height = target
    if frame.format.name == "yuv420p":
        chroma = ((frame.width + 1) // 2, (frame.height + 1) // 2)
        parts = [
            _shrink(_plane(frame, 0, frame.width, frame.height), (width, height)),
            _shrink(_plane(frame, 1, *chroma), (width // 2, height // 2)),
            _shrink(_plane(frame, 2, *chroma), (width // 2, height // 2)),
        ]
        yuv = np.concatenate([part.ravel() for part in parts]).reshape(height * 3 // 2, width)
    else:
        yuv = frame.reformat(width=width, height=height, format="yuv420p", interpolation="AREA").to_ndarray()
    return cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR_I420)


def _shrink(plane: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-downscale an image to `size`, cheaply: OpenCV's area filter is fast only for a factor of 2.

    Nearest-neighbour decimation while the image stays 8x the target (1080p and up), then halving by the
    fast area path while it stays 4x, then one area resize. A 704x576 plane to 64x52: 0.10 ms, against
    0.24 ms for decimation to 4x and area, and closer to a plain area resize of the whole plane.
    """
    step = plane.shape[1] // (8 * size[0])
    if step > 1:
        plane = plane[::step, ::step]
    while plane.shape[1] >= 4 * size[0] and plane.shape[0] >= 4 * size[1]:
        height, width = plane.shape[0] // 2 * 2, plane.shape[1] // 2 * 2
        plane = cv2.resize(plane[:height, :width], (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    return cv2.resize(plane, size, interpolation=cv2.INTER_AREA)


def _small_frames(path: str | Path, capture: cv2.VideoCapture, size: list) -> Iterator[Callable[[], np.ndarray]]:
    """Small frames, made when asked: from PyAV when it decodes the file (for narrow sources, only
    limited-range 4:2:0; see DECODE_SMALL_MIN_WIDTH), else from the OpenCV capture."""
    import av

    narrow = capture.get(cv2.CAP_PROP_FRAME_WIDTH) < DECODE_SMALL_MIN_WIDTH
    try:
        frames = _decode_lazily(path, size=size, planar_only=narrow)
        first = next(frames, None)
    except av.error.FFmpegError:
        first = None
    if first is not None:
        yield first
        yield from frames
        return
    for frame in read_frames(capture):
        height, width = frame.shape[:2]
        if not size:
            size[:] = [width, height]
        target = analysed_size(width, height)
        step = width // (8 * target[0])
        if step > 1:  # what `_shrink` keeps of a wide frame anyway: the frames kept for a fine look stay small
            frame = np.ascontiguousarray(frame[::step, ::step])
        yield partial(_shrink, frame, target)


def detect_shots(
    path: str | Path,
    *,
    params: DetectorParams | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ShotList:
    """Detect the shots of the video file at `path`; `progress(done, total)` reports frames read."""
    capture, fps, declared = open_video(path, decode_threads=DECODE_THREADS)
    # Frames are tiny: OpenCV's thread pool costs more than it saves here, and a worker
    # process is the unit of parallelism anyway.
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        def report(done: int) -> None:
            if progress:
                progress(done, max(declared, done))

        size: list[int] = []
        result = _detect(_small_frames(path, capture, size), fps, params=params, progress=report)
        if size:
            result.width, result.height = size
    finally:
        capture.release()
        cv2.setNumThreads(threads)
    if result.frames == 0:
        raise VideoReadError(f"{path}: no frame could be decoded (empty video or unsupported codec)")
    return result
