"""Where shots begin in a stretch of analysed frames (no Django): the per-frame signals gathered while
streaming, and the rules that turn them into boundaries. Memory is a few floats per frame.

- cut: the frame difference stands well above the local average (so a fast pan, which is busy
  everywhere, is not a cut) and above an absolute floor, and the picture does not come back within
  a few frames (a flash);
- cut at black: a run of black frames entered or left in one step is a hard cut (into or out of
  black); only a gradual ramp of luminance over several frames into or out of it makes a fade;
- a frame difference that a change of brightness alone explains (each frame's luma, normalised by
  its own mean and spread, is unchanged) is a fade step, not a cut;
- dissolve: over a window the change is spread across frames, monotone and linear (a pan is neither).

Boundaries closer than the minimum shot length are merged, keeping the stronger one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from .frame_features import _difference, _Frame, _mean_abs

MAX_FLASH_FRAMES = 3


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
