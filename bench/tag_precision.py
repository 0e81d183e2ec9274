"""Synopsis-tagger precision and recall on a database whose true title tags are known (the demo world).

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py seed_demo
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/tag_precision.py [--target 0.8]

Titles with even ids are the validation split that chooses each threshold (the lowest reaching the target
precision); titles with odd ids are held out and scored at that threshold, beside the uncalibrated default
threshold in the same run. A second rule (similarities standardised per title) is chosen and scored the same way.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "platform")]


def prf(predicted: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    tp = float((predicted & labels).sum())
    return (tp / predicted.sum() if predicted.sum() else 0.0), (tp / labels.sum() if labels.sum() else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", type=float, default=0.8)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    import django

    django.setup()
    from django.conf import settings

    from catalog.models import Title, TitleTag
    from tagging.text_tags import PRECISION_BOUND_Z, similarities, threshold_for_precision, vocabulary

    tags = vocabulary()
    titles = list(Title.objects.exclude(synopsis="").order_by("id"))
    known = set(TitleTag.objects.values_list("title_id", "tag_id"))
    sims = similarities([t.synopsis for t in titles], tags)
    labels = np.array([[(t.id, g.id) in known for g in tags] for t in titles])
    fit = np.array([t.id % 2 == 0 for t in titles])
    chosen = threshold_for_precision(sims[fit].ravel(), labels[fit].ravel(), args.target)
    print(f"{len(titles)} titles, {len(tags)} tags, {int(labels.sum())} true (title, tag) pairs")
    print(f"{'threshold':<36}{'held-out precision':>20}{'recall':>8}")
    rows = [(f"default {settings.TAGGING_SYNOPSIS_THRESHOLD}", settings.TAGGING_SYNOPSIS_THRESHOLD)]
    if chosen:
        rows.append((f"P>={args.target} on validation: {chosen[0]:.3f}", chosen[0]))
    # What calibrate() now does: the precision's one-sided 90 % Wilson lower bound must reach the target.
    bounded = threshold_for_precision(sims[fit].ravel(), labels[fit].ravel(), args.target, z=PRECISION_BOUND_Z)
    if bounded:
        rows.append((f"lower bound >= {args.target}: {bounded[0]:.3f}", bounded[0]))
    for label, threshold in rows:
        p, r = prf(sims[~fit] >= threshold, labels[~fit])
        print(f"{label:<36}{p:>20.3f}{r:>8.3f}")
    # A candidate rule, not yet the tagger's: each title's similarities standardised over the vocabulary
    # (a synopsis is a little similar to every tag; what counts is how far a tag stands out for it).
    z = (sims - sims.mean(axis=1, keepdims=True)) / np.maximum(sims.std(axis=1, keepdims=True), 1e-6)
    chosen_z = threshold_for_precision(z[fit].ravel(), labels[fit].ravel(), args.target)
    if chosen_z:
        p, r = prf(z[~fit] >= chosen_z[0], labels[~fit])
        print(f"{f'standardised, for P>={args.target}: z {chosen_z[0]:.2f}':<36}{p:>20.3f}{r:>8.3f}")


if __name__ == "__main__":
    main()
