"""Preview windows on real videos: how many start or end on a black frame, with and without the frame check.

    .venv/bin/python bench/previews.py /work/shared/data/video/*.mp4 [--min-s 15 --max-s 30]

Shots come from `tagging.shots.detect_shots` (Django-free); each shot is summarised from its middle frame
(mean luma, the luma change to the next frame as motion; no face or text detection here), windows from
`artwork.previews.candidate_windows`. Side by side: the best windows picked without the boundary check
(the baseline) and with it (`pick_windows` + `FrameProbe.window_is_black_at_an_end`), then every picked
window's first and last frame is read again and counted if black. Short clips fall back to one run of
usable shots, as in the app.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")  # the modules import their models

import django  # noqa: E402

django.setup()

from artwork.previews import FrameProbe, candidate_windows, pick_windows  # noqa: E402
from tagging.services import ShotSummary  # noqa: E402
from tagging.shots import detect_shots  # noqa: E402


def _gray(probe: FrameProbe, frame: int):
    import cv2

    probe.capture.set(cv2.CAP_PROP_POS_FRAMES, frame)
    ok, image = probe.capture.read()
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(float) / 255.0 if ok else None


def summaries(path: str, probe: FrameProbe) -> list[ShotSummary]:
    shots = detect_shots(path).shots
    out = []
    for k, shot in enumerate(shots):
        middle = (shot.start_frame + shot.end_frame) // 2
        now, after = _gray(probe, middle), _gray(probe, min(middle + 1, shot.end_frame))
        luma = float(now.mean()) if now is not None else 0.0
        # The keyframe's motion, as tagging measures it: mean absolute luma change to the next frame.
        motion = float(abs(after - now).mean()) if now is not None and after is not None else 0.0
        out.append(
            ShotSummary(
                asset_id=0,
                index=k,
                start_s=shot.start_s,
                end_s=shot.end_s,
                transition=shot.transition,
                motion=motion,
                brightness=luma,
                faces=0,
                largest_face=0.0,
                text=0.0,
                colourfulness=0.0,
                black=luma < 0.07,
            )
        )
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="+")
    parser.add_argument("--min-s", type=float, default=15.0)
    parser.add_argument("--max-s", type=float, default=30.0)
    args = parser.parse_args()
    totals = {"baseline": [0, 0], "checked": [0, 0]}
    for path in args.videos:
        probe = FrameProbe(path)
        try:
            windows = candidate_windows(summaries(path, probe), min_s=args.min_s, max_s=args.max_s)
            picked = {
                "baseline": pick_windows(windows, lambda w: False),
                "checked": pick_windows(windows, probe.window_is_black_at_an_end),
            }
            for name, chosen in picked.items():
                black = sum(probe.window_is_black_at_an_end(w) for w in chosen)
                totals[name][0] += len(chosen)
                totals[name][1] += black
                spans = ", ".join(f"{w.start_s:.1f}-{w.end_s:.1f}" for w in chosen)
                print(
                    f"{Path(path).name} {name}: {len(chosen)} windows, {black} start or end on black [{spans}]"
                )
        finally:
            probe.close()
    for name, (count, black) in totals.items():
        print(f"total {name}: {count} windows, {black} start or end on a black frame")


if __name__ == "__main__":
    main()
