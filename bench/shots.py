"""Benchmark shot detection against PySceneDetect on generated videos with known transitions, plus tagging speed.

    .venv/bin/python bench/shots.py [--videos 8] [--first-seed 200] [--seconds 24] [--out var/bench-shots]
                                    [--real ../shared/data/video] [--repeats 3] [--h264]

`--real DIR` also scores the clips listed in DIR/cuts.json (hard cuts, ±2 frames), read in place and
never copied, reported per clip and split into the clip used while tuning and the held-out ones; each
detector runs `--repeats` times per video (generated or real), interleaved, and the fastest run's times count. `--h264`
also encodes the generated videos as 720p H.264 (libx264's defaults: B-frames, keyframes at scene
cuts) into --out, once, and scores those: the decoder path real files take, on an exact truth.

Videos are synthesised with OpenCV (textured scenes with camera moves; hard cuts, fades through
black, dissolves, fast pans and flashes at known frames), so the ground truth is exact. Hard-cut
precision/recall/F1: a reported `cut` matches a true cut within 2 frames; gradual transitions are
scored apart (a reported `fade`/`dissolve` inside the transition's span, ±2 frames). PySceneDetect
(ContentDetector, AdaptiveDetector; installed only with the `bench` extra) runs on the same files in
the same process; it does not type its boundaries, so all of them count as cuts, and an
"any boundary" F1 compares everyone regardless of type. Speed is frames per second of the whole
detection step, decode included. Then keyframe tagging throughput and each tagger's cost.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "platform")]

from catalog.synthetic_media import FPS, HEIGHT, WIDTH, SceneMaker, Truth, make_video  # noqa: E402
from tagging.shot_boundaries import DetectorParams  # noqa: E402
from tagging.shots import detect_shots  # noqa: E402

TOLERANCE = 2


def match(predicted: list[int], spans: list[tuple[int, int]]) -> int:
    """Greedy one-to-one matches of predicted frames to true spans (widened by the tolerance)."""
    used = set()
    hits = 0
    for frame in sorted(predicted):
        for k, (lo, hi) in enumerate(spans):
            if k not in used and lo - TOLERANCE <= frame <= hi + TOLERANCE:
                used.add(k)
                hits += 1
                break
    return hits


def prf(hits: int, n_pred: int, n_true: int) -> tuple[float, float, float]:
    precision = hits / n_pred if n_pred else 0.0
    recall = hits / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class Score:
    cut_hits: int = 0
    cut_pred: int = 0
    grad_hits: int = 0
    grad_pred: int = 0
    any_hits: int = 0
    any_pred: int = 0
    frames: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # process CPU time, all threads: fairer than wall time on a shared machine


def ours(path: Path) -> list[tuple[int, str]]:
    result = detect_shots(path)
    return [(shot.start_frame, shot.transition) for shot in result.shots[1:]]


def pyscenedetect(detector_name: str, backend: str = "opencv"):
    from scenedetect import AdaptiveDetector, ContentDetector, detect

    def run(path: Path) -> list[tuple[int, str]]:
        detector = ContentDetector() if detector_name == "content" else AdaptiveDetector()
        scenes = detect(str(path), detector, show_progress=False, backend=backend)
        return [(start.frame_num, "cut") for start, _ in scenes[1:]]

    return run


def evaluate(videos: list[tuple[Path, Truth]], detectors: dict) -> dict[str, Score]:
    scores = {name: Score() for name in detectors}
    for path, truth in videos:
        cut_spans = [(c, c) for c in truth.cuts]
        all_spans = cut_spans + truth.gradual
        for name, run in detectors.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            boundaries = run(path)
            elapsed = time.perf_counter() - started
            s = scores[name]
            s.seconds += elapsed
            s.cpu_seconds += time.process_time() - cpu_started
            s.frames += truth.frames
            cuts = [f for f, kind in boundaries if kind == "cut"]
            gradual = [f for f, kind in boundaries if kind != "cut"]
            s.cut_hits += match(cuts, cut_spans)
            s.cut_pred += len(cuts)
            s.grad_hits += match(gradual, truth.gradual)
            s.grad_pred += len(gradual)
            s.any_hits += match([f for f, _ in boundaries], all_spans)
            s.any_pred += len(boundaries)
    return scores


# The one real clip looked at while changing the detector; the others are held out.
TUNED_REAL = {"issue-195-aspect-ratio.mp4"}


def best_of(videos: list[tuple[Path, Truth]], detectors: dict, repeats: int) -> dict[Path, dict[str, Score]]:
    """Each detector on each video `repeats` times, interleaved; per video, the fastest run's times.

    On a shared machine the load changes between one detector's run and the next; the minimum of a few
    interleaved runs is the least disturbed figure for each, and boundaries are the same every run.
    """
    best: dict[Path, dict[str, Score]] = {}
    for _ in range(repeats):
        for video in videos:
            for name, run in detectors.items():
                score = evaluate([video], {name: run})[name]
                kept = best.setdefault(video[0], {}).get(name)
                if kept is None:
                    best[video[0]][name] = score
                else:
                    kept.seconds = min(kept.seconds, score.seconds)
                    kept.cpu_seconds = min(kept.cpu_seconds, score.cpu_seconds)
    return best


def total(scores: list[Score]) -> Score:
    out = Score()
    for score in scores:
        for name in vars(out):
            setattr(out, name, getattr(out, name) + getattr(score, name))
    return out


def real_clips(folder: Path, detectors: dict, repeats: int) -> None:
    import json

    truth = json.loads((folder / "cuts.json").read_text())
    clips = [(folder / name, Truth(cuts=t["hard_cuts"], frames=t["frames"])) for name, t in truth.items()]
    evaluate(clips[:1], detectors)  # warm-up
    best = best_of(clips, detectors, repeats)
    groups = {"tuned": [c for c in clips if c[0].name in TUNED_REAL],
              "held out": [c for c in clips if c[0].name not in TUNED_REAL]}
    print(f"\nReal clips from {folder} (hard cuts only, ±{TOLERANCE} frames; times: best of {repeats} interleaved runs)")
    print(f"{'clips':<40}{'detector':<24}{'cut P':>7}{'cut R':>7}{'cut F1':>8}{'fps':>9}")
    rows = [(path.name, [(path, t)]) for path, t in clips] + [(f"all {k}", v) for k, v in groups.items()]
    rows.append(("all real clips", clips))
    for label, group in rows:
        scores = {name: total([best[path][name] for path, _ in group]) for name in detectors}
        n_cuts = sum(len(t.cuts) for _, t in group)
        for name, sc in scores.items():
            cp, cr, cf = prf(sc.cut_hits, sc.cut_pred, n_cuts)
            cf_text = f"{cf:>8.3f}" if n_cuts or sc.cut_pred else f"{'(none)':>8}"
            print(f"{label:<40}{name:<24}{cp:>7.3f}{cr:>7.3f}{cf_text}{sc.frames / sc.seconds:>9.0f}")
        mine = scores["marquee"]
        for baseline in ("pyscenedetect-content", "pyscenedetect-content-pyav"):
            if baseline in scores:
                base = scores[baseline]
                ratio = (mine.frames / mine.seconds) / (base.frames / base.seconds)
                cpu_ratio = base.cpu_seconds / max(mine.cpu_seconds, 1e-9)
                print(f"{'':<40}{'marquee fps / ' + baseline + ' fps':<52}x{ratio:.2f} wall, x{cpu_ratio:.2f} CPU time")
    print("Coarse pass and fine looks, real clips:")
    fine_look_check([path for path, _ in clips])


def fine_look_check(paths: list[Path]) -> None:
    """The coarse pass with fine looks against analysing every frame: same boundaries, and how much is analysed."""
    every_frame = DetectorParams(coarse_trigger=0.0)
    same = analysed = frames = 0
    for path in paths:
        coarse, every = detect_shots(path), detect_shots(path, params=every_frame)
        same += [(s.start_frame, s.transition) for s in coarse.shots] == [(s.start_frame, s.transition) for s in every.shots]
        analysed += coarse.analysed_frames
        frames += coarse.frames
        if len(paths) <= 5:
            print(f"  {path.name}: {coarse.analysed_frames} of {coarse.frames} frames analysed")
    print(f"  boundaries identical to analysing every frame in {same} of {len(paths)} videos; "
          f"{analysed} of {frames} frames analysed ({analysed / frames:.0%})")


def _per_item_ms(function, items) -> float:
    started = time.perf_counter()
    for item in items:
        function(item)
    return 1000 * (time.perf_counter() - started) / len(items)


def tagging_throughput(n_images: int) -> None:
    """Keyframes per second on one worker process, and what each tagger (and each descriptor) costs."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    import django

    django.setup()
    from django.conf import settings

    from tagging import descriptors as d
    from tagging import learning
    from tagging.keyframes import quality
    from tagging.taggers import descriptor_tags

    cv2.setNumThreads(1)  # one worker process = one core
    rng = np.random.default_rng(7)
    maker = SceneMaker(rng)
    images = [maker.shot(2, 0)[0] for _ in range(n_images)]
    grays = [cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) for img in images]
    d.describe(images[0])  # load the cascades and HOG model outside the timing
    costs = {
        "keyframe quality score": _per_item_ms(quality, images),
        "  faces (Haar cascade)": _per_item_ms(d.faces, grays),
        "  people (HOG)": _per_item_ms(d.people, images),
        "  colourfulness": _per_item_ms(d.colourfulness, images),
        "  dominant colours (k-means)": _per_item_ms(d.dominant_colours, images),
        "  text presence": _per_item_ms(d.text_score, grays),
        "descriptors, all of the above": _per_item_ms(d.describe, images),
    }
    features = [d.describe(img) for img in images]
    costs["descriptor tag rules"] = _per_item_ms(descriptor_tags, features)
    labels = [bool(f["brightness"] > np.median([g["brightness"] for g in features])) for f in features]
    params, _, _ = learning.fit(features, labels)
    costs["learned tagger, per active tag model"] = _per_item_ms(lambda f: learning.predict(params, f), features)
    print(f"\nTagging cost on one process ({n_images} keyframes {WIDTH}x{HEIGHT}, ms per keyframe):")
    for name, ms in costs.items():
        print(f"  {name:<40}{ms:>9.2f}")
    per_keyframe = costs["keyframe quality score"] + costs["descriptors, all of the above"] + costs["descriptor tag rules"]
    print(f"  throughput, quality + descriptors + rules: {1000 / per_keyframe:.1f} keyframes/s per worker")
    from catalog.embeddings import embed_texts

    embed_texts(["warm-up"])
    synopses = [f"A story number {k} about a detective hunting a thief across a rainy city." for k in range(20)]
    ms = _per_item_ms(lambda text: embed_texts([text]), synopses)
    print(f"  synopsis tagger: {ms:.1f} ms per title (one MiniLM embedding; tag descriptions are cached)")
    if settings.TAGGING_CLIP_MODEL:
        from tagging.clip import image_embeddings

        folder = settings.TAGGING_CLIP_MODEL
        image_embeddings(folder, images[:1])
        ms = _per_item_ms(lambda img: image_embeddings(folder, [img]), images[:10])
        print(f"  CLIP image embedding ({folder}): {ms:.1f} ms per keyframe")
    else:
        print("  CLIP: not measured (TAGGING_CLIP_MODEL is not set; no CLIP weights ship offline)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=8)
    parser.add_argument("--first-seed", type=int, default=200, help="thresholds were tuned on seeds 0-7 and 100-107")
    parser.add_argument("--seconds", type=float, default=24.0)
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench-shots")
    parser.add_argument("--tagging-images", type=int, default=40)
    parser.add_argument("--real", type=Path, help="folder with real clips and their cuts.json (read in place)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved runs per video; the fastest counts")
    parser.add_argument("--h264", action="store_true", help="also the generated set as 720p H.264 (encoded once into --out)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    videos = []
    for seed in range(args.first_seed, args.first_seed + args.videos):
        path = args.out / f"synthetic-{seed}.avi"
        videos.append((path, make_video(path, args.seconds, seed)))
    n_cuts = sum(len(t.cuts) for _, t in videos)
    n_grad = sum(len(t.gradual) for _, t in videos)
    n_frames = sum(t.frames for _, t in videos)
    print(f"{len(videos)} videos, {n_frames} frames at {WIDTH}x{HEIGHT}, {n_cuts} hard cuts, {n_grad} fades/dissolves")

    detectors = {"marquee": ours, "pyscenedetect-content": pyscenedetect("content"),
                 "pyscenedetect-adaptive": pyscenedetect("adaptive")}
    generated(videos, detectors, args.repeats)
    if args.h264:
        encoded = [(encode_h264(path, args.seconds), truth) for path, truth in videos]
        print(f"\nThe same videos as H.264 at {H264_SIZE[0]}x{H264_SIZE[1]} (libx264, B-frames), decoded as real files are:")
        generated(encoded, {**detectors, "pyscenedetect-content-pyav": pyscenedetect("content", "pyav")}, args.repeats)
    if args.real:
        # Marquee decodes >=640-px sources with PyAV: ContentDetector on PySceneDetect's PyAV backend too, so
        # the ratio is not only the decoder library's.
        real_clips(args.real, {**detectors, "pyscenedetect-content-pyav": pyscenedetect("content", "pyav")},
                   args.repeats)
    if args.tagging_images:
        tagging_throughput(args.tagging_images)


H264_SIZE = (1280, 720)


def encode_h264(source: Path, seconds: float) -> Path:
    """`source` upscaled to 720p and encoded with libx264's defaults (B-frames, scene-cut keyframes), once."""
    import av

    target = source.with_name(f"{source.stem}-{seconds:g}s-720p.mp4")
    if target.exists():
        return target
    partial = target.with_suffix(".part.mp4")
    capture = cv2.VideoCapture(str(source))
    with av.open(str(partial), "w") as container:
        stream = container.add_stream("libx264", rate=int(FPS))
        stream.width, stream.height, stream.pix_fmt = *H264_SIZE, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "20"}
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            big = cv2.resize(frame, H264_SIZE, interpolation=cv2.INTER_LINEAR)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(big, format="bgr24")))
        container.mux(stream.encode())
    capture.release()
    partial.rename(target)
    return target


def generated(videos: list[tuple[Path, Truth]], detectors: dict, repeats: int) -> None:
    n_cuts = sum(len(t.cuts) for _, t in videos)
    n_grad = sum(len(t.gradual) for _, t in videos)
    evaluate(videos[:1], detectors)  # warm-up: imports and codec initialisation are not the detector's cost
    best = best_of(videos, detectors, repeats)
    scores = {name: total([best[path][name] for path, _ in videos]) for name in detectors}
    header = f"{'detector':<24}{'cut P':>7}{'cut R':>7}{'cut F1':>8}{'grad P':>8}{'grad R':>8}{'grad F1':>8}{'any F1':>8}{'fps':>9}"
    print(header)
    for name, s in scores.items():
        cp, cr, cf = prf(s.cut_hits, s.cut_pred, n_cuts)
        gp, gr, gf = prf(s.grad_hits, s.grad_pred, n_grad)
        _, _, af = prf(s.any_hits, s.any_pred, n_cuts + n_grad)
        grad = f"{gp:>8.3f}{gr:>8.3f}{gf:>8.3f}" if name == "marquee" else f"{'n/a':>8}{'n/a':>8}{'n/a':>8}"
        print(f"{name:<24}{cp:>7.3f}{cr:>7.3f}{cf:>8.3f}{grad}{af:>8.3f}{s.frames / s.seconds:>9.0f}")
    base = scores["pyscenedetect-content"]
    mine = scores["marquee"]
    _, _, my_f1 = prf(mine.cut_hits, mine.cut_pred, n_cuts)
    _, _, base_f1 = prf(base.cut_hits, base.cut_pred, n_cuts)
    print(f"\nmarquee vs ContentDetector: cut F1 {my_f1:.3f} vs {base_f1:.3f}; "
          f"speed x{(mine.frames / mine.seconds) / (base.frames / base.seconds):.2f} wall, "
          f"x{base.cpu_seconds / max(mine.cpu_seconds, 1e-9):.2f} CPU time (best of {repeats} interleaved runs)")
    print("Coarse pass and fine looks:")
    fine_look_check([path for path, _ in videos])


if __name__ == "__main__":
    main()
