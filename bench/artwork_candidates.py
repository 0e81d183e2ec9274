"""Issue 13's candidate target on real footage: black or blurred frames among each title's top three artwork
candidates, for the app's ranking beside two simpler ones.

    .venv/bin/python bench/artwork_candidates.py /work/shared/data/video/*.mp4 /work/shared/data/video/*.mkv

Each video stands for one title. Shots come from `tagging.shots.detect_shots` and keyframes from
`tagging.keyframes.pick_keyframes` (the media pipeline's own steps), stored as the pipeline stores them
(`encode_jpeg`) and scored by `artwork.aesthetics.assess`. Two pools: tagging's keyframe per shot (what the
app proposes from), and every candidate frame tagging looks at (five per shot, a harder pool with the fades'
dark frames in it). Rankings, side by side: tagging's keyframe quality alone; the aesthetic score alone
(its penalties, no exclusion); and the app's (`artwork.candidates.usable_by_score`: the score, black and
blurred frames dropped), each with near-duplicates (perceptual hash) skipped as the app skips them.
A frame counts as black or blurred by the aesthetic thresholds (printed), on the 360-pixel copy it is scored
on; the count is what the target is about (0 wanted).
"""

import argparse
import io
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")  # artwork.candidates imports its models

import django  # noqa: E402

django.setup()

import cv2  # noqa: E402
from PIL import Image  # noqa: E402

from artwork import aesthetics  # noqa: E402
from artwork.candidates import usable_by_score  # noqa: E402
from tagging import keyframes as kf  # noqa: E402
from tagging.shots import detect_shots  # noqa: E402

THRESHOLDS = ("black: mean luma < 0.08, or luma sd < 0.05 with mean < 0.2; "
              "blurred: variance of the Laplacian < 30 (both on the 360-pixel copy, artwork.aesthetics.assess)")
TOP = 3


def _frames(path: str, wanted: set[int]) -> dict[int, "object"]:
    """The wanted frames of a video (BGR), read in one pass."""
    capture = cv2.VideoCapture(path)
    out, number = {}, 0
    try:
        last = max(wanted, default=-1)
        while number <= last and capture.grab():
            if number in wanted:
                ok, frame = capture.retrieve()
                if ok:
                    out[number] = frame
            number += 1
    finally:
        capture.release()
    return out


def _assessed(frame) -> tuple[aesthetics.Assessment, float]:
    """The frame as the pipeline stores it (JPEG), scored; and tagging's keyframe quality."""
    with Image.open(io.BytesIO(kf.encode_jpeg(frame))) as image:
        image.load()
        return aesthetics.assess(image), kf.quality(frame).score


def _top(ranked: list[tuple[int, aesthetics.Assessment]]) -> list[tuple[int, aesthetics.Assessment]]:
    chosen = []
    for frame, assessed in ranked:
        if any(aesthetics.near_duplicate(assessed.phash, other.phash) for _, other in chosen):
            continue
        chosen.append((frame, assessed))
        if len(chosen) == TOP:
            break
    return chosen


def _bad(assessed: aesthetics.Assessment) -> bool:
    return bool(assessed.components["black_penalty"] or assessed.components["blur_penalty"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="+")
    args = parser.parse_args()
    print("thresholds:", THRESHOLDS)
    totals: dict[tuple[str, str], list[int]] = {}
    for path in args.videos:
        shots = [(s.start_frame, s.end_frame) for s in detect_shots(path).shots]
        capture = cv2.VideoCapture(path)
        try:
            picks = kf.pick_keyframes(capture, shots)
        finally:
            capture.release()
        every = sorted({f for start, end in shots for f in kf.candidate_frames(start, end)})
        raw = _frames(path, set(every))
        pools = {
            "keyframes": {p.frame: _assessed(p.image) for p in picks},
            "all candidate frames": {f: _assessed(image) for f, image in raw.items()},
        }
        for pool_name, pool in pools.items():
            scored = [(f, a) for f, (a, _q) in pool.items()]
            rankings = {
                "tagging quality": sorted(scored, key=lambda fa: (-pool[fa[0]][1], fa[0])),
                "aesthetic score": sorted(scored, key=lambda fa: (-fa[1].score, fa[0])),
                "app (score, black/blurred dropped)": usable_by_score(scored),
            }
            bad_in_pool = sum(_bad(a) for _, a in scored)
            for rank_name, ranked in rankings.items():
                top = _top(ranked)
                bad = sum(_bad(a) for _, a in top)
                entry = totals.setdefault((pool_name, rank_name), [0, 0, 0])
                entry[0] += 1
                entry[1] += len(top)
                entry[2] += bad
                frames = ", ".join(f"{f}{'*' if _bad(a) else ''}" for f, a in top)
                print(f"{Path(path).name} [{pool_name}: {len(scored)} frames, {bad_in_pool} black/blurred] "
                      f"{rank_name}: top {len(top)} = frames {frames}; black/blurred {bad}")
    for (pool_name, rank_name), (titles, shown, bad) in totals.items():
        print(f"total [{pool_name}] {rank_name}: {titles} titles, {shown} top-{TOP} frames, {bad} black or blurred")


if __name__ == "__main__":
    main()
