"""Preview windows: runs of consecutive shots, 15 to 30 s, starting and ending on shot boundaries, scored by interest.

`candidate_windows` is plain Python over `tagging.services.ShotSummary` rows: every run of whole shots
whose length is in range, without a black, credits (text-heavy) or static stretch, scored by motion, faces
and tag variety, carrying its tags and its arm features for the bandit. `propose_previews` reads a title's
shots through `tagging.services`, checks the actual first and last frame of each window against black
(a shot may open on a fade from black that its keyframe does not show), keeps the best few windows that do
not overlap much, and stores them as `PreviewCandidate` rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from catalog.models import MediaAsset, Title

from .models import PreviewCandidate

log = logging.getLogger(__name__)

MIN_S, MAX_S = 15.0, 30.0
SHORT_VIDEO_MIN_S = 3.0  # a video shorter than MIN_S offers one window of its usable shots, if this long
PER_VIDEO = 4
MAX_OVERLAP = 0.5  # a kept window shares at most this share of its length with a better one
CREDITS_TEXT = 0.15  # keyframe text-area share above which a shot reads as credits or a title card
STATIC_MOTION = 0.004  # keyframe motion below which a shot is static
STATIC_RUN_S = 5.0  # a static stretch this long spoils a window
FULL_MOTION = 0.05  # motion counted as "lively" (scores saturate here)
BLACK_LUMA = 0.07  # mean frame luma (0..1) below which a boundary frame is black
WEIGHTS = {"motion": 0.4, "faces": 0.35, "tag_variety": 0.25}


@dataclass
class Window:
    asset_id: int
    first_shot: int
    last_shot: int
    start_s: float
    end_s: float
    score: float
    components: dict
    features: dict
    tags: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def _spoiled(run: Sequence) -> str | None:
    """Why this run of shots cannot be a preview, or None."""
    static = 0.0
    for shot in run:
        if shot.black:
            return "black"
        if shot.text > CREDITS_TEXT:
            return "credits"
        static = static + (shot.end_s - shot.start_s) if shot.motion < STATIC_MOTION else 0.0
        if static >= STATIC_RUN_S:
            return "static"
    return None


def score_window(run: Sequence) -> Window:
    """Interest of a run of shots (all of one asset), duration-weighted over its shots."""
    total = sum(s.end_s - s.start_s for s in run) or 1.0

    def share(predicate) -> float:
        return sum(s.end_s - s.start_s for s in run if predicate(s)) / total

    def mean(value) -> float:
        return sum((s.end_s - s.start_s) * value(s) for s in run) / total

    tags = sorted({tag for s in run for tag in s.tags})
    components = {
        "motion": round(mean(lambda s: min(s.motion / FULL_MOTION, 1.0)), 4),
        "faces": round(share(lambda s: s.faces > 0), 4),
        "tag_variety": round(min(len(tags) / 5.0, 1.0), 4),
    }
    features = {  # the same attributes the artwork arms carry (bandits.ARM_FEATURES), plus motion
        "faces": components["faces"],
        "closeup": round(share(lambda s: s.largest_face > 0.05), 4),
        "brightness": round(mean(lambda s: s.brightness), 4),
        "colour": round(min(mean(lambda s: s.colourfulness) / 100.0, 1.0), 4),
        "dark": round(share(lambda s: s.brightness < 0.3), 4),
        "motion": components["motion"],
    }
    score = sum(WEIGHTS[name] * value for name, value in components.items())
    return Window(
        run[0].asset_id,
        run[0].index,
        run[-1].index,
        run[0].start_s,
        run[-1].end_s,
        round(score, 4),
        components,
        features,
        tags,
    )


def candidate_windows(shots: Sequence, *, min_s: float = MIN_S, max_s: float = MAX_S) -> list[Window]:
    """Every unspoiled run of consecutive shots of one video lasting min_s..max_s, best first.

    A video shorter than `min_s` offers its single longest unspoiled run instead (marked `short`), if it
    lasts at least SHORT_VIDEO_MIN_S, so short demo clips still get a preview.
    """
    shots = sorted(shots, key=lambda s: s.index)
    windows = []
    for i in range(len(shots)):
        for j in range(i, len(shots)):
            length = shots[j].end_s - shots[i].start_s
            if length > max_s:
                break
            if length >= min_s and _spoiled(shots[i : j + 1]) is None:
                windows.append(score_window(shots[i : j + 1]))
    if not windows and shots and shots[-1].end_s - shots[0].start_s < min_s:
        runs, current = [], []
        for shot in shots:
            if _spoiled([shot]):
                runs.append(current)
                current = []
            else:
                current.append(shot)
        runs.append(current)
        best = max(runs, key=lambda run: run[-1].end_s - run[0].start_s if run else 0.0)
        if best and best[-1].end_s - best[0].start_s >= SHORT_VIDEO_MIN_S and _spoiled(best) is None:
            window = score_window(best)
            window.components["short"] = True
            windows.append(window)
    return sorted(windows, key=lambda w: (-w.score, w.start_s))


def _overlap(a: Window, b: Window) -> float:
    return max(0.0, min(a.end_s, b.end_s) - max(a.start_s, b.start_s))


def pick_windows(
    windows: list[Window], boundary_black: Callable[[Window], bool], *, per_video: int = PER_VIDEO
) -> list[Window]:
    """The best windows, skipping any that starts or ends on a black frame or overlaps a kept one too much."""
    kept: list[Window] = []
    for window in windows:
        if len(kept) >= per_video:
            break
        if any(_overlap(window, other) > MAX_OVERLAP * window.duration_s for other in kept):
            continue
        if boundary_black(window):
            continue
        kept.append(window)
    return kept


class FrameProbe:
    """Mean luma of a video's frame at a time, read with OpenCV (loaded only by the work that proposes)."""

    def __init__(self, path: str):
        import cv2

        self._cv2 = cv2
        self.capture = cv2.VideoCapture(path)
        if not self.capture.isOpened():
            raise ValueError(f"{path}: cannot be read as a video")
        self.fps = self.capture.get(cv2.CAP_PROP_FPS) or 25.0
        self.frames = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)

    def luma(self, frame: int) -> float | None:
        cv2 = self._cv2
        frame = max(0, min(frame, self.frames - 1)) if self.frames else max(0, frame)
        self.capture.set(cv2.CAP_PROP_POS_FRAMES, frame)
        ok, image = self.capture.read()
        if not ok or image is None:
            return None
        return float(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).mean()) / 255.0

    def window_is_black_at_an_end(self, window: Window) -> bool:
        """True when the window's first or last frame is black (or unreadable)."""
        first = round(window.start_s * self.fps)
        last = max(first, round(window.end_s * self.fps) - 1)
        values = [self.luma(first), self.luma(last)]
        return any(v is None or v < BLACK_LUMA for v in values)

    def close(self) -> None:
        self.capture.release()


@transaction.atomic
def propose_previews(title: Title) -> list[PreviewCandidate]:
    """Store the title's best preview windows per ready video; windows no longer proposed are removed."""
    from tagging.services import video_shots

    kept_ids = []
    made = []
    for asset_id, shots in video_shots(title.pk).items():
        asset = MediaAsset.objects.get(pk=asset_id)
        try:
            probe = FrameProbe(asset.file.path)
        except (ValueError, NotImplementedError) as error:  # NotImplementedError: storage without paths
            log.warning("artwork: no previews for asset %s: %s", asset_id, error)
            continue
        try:
            windows = pick_windows(candidate_windows(shots), probe.window_is_black_at_an_end)
        finally:
            probe.close()
        for window in windows:
            candidate, _ = PreviewCandidate.objects.update_or_create(
                asset_id=asset_id,
                first_shot=window.first_shot,
                last_shot=window.last_shot,
                defaults={
                    "title": title,
                    "start_s": window.start_s,
                    "end_s": window.end_s,
                    "score": window.score,
                    "components": window.components,
                    "features": window.features,
                    "tags": window.tags,
                },
            )
            kept_ids.append(candidate.pk)
            made.append(candidate)
    PreviewCandidate.objects.filter(title=title).exclude(pk__in=kept_ids).delete()
    from .policy_state import forget_live_state

    transaction.on_commit(forget_live_state)
    return made
