"""How bench/shots.py scores a detector: boundaries matched to the true transitions, and the fastest of
interleaved runs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from catalog.synthetic_media import Truth

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
