"""Synopsis-tagger precision and recall on a database whose true title tags are known (the demo world).

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py seed_demo
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/tag_precision.py [--target 0.8]

Titles with even ids fit the threshold (lowest reaching the target precision); titles with odd ids are
held out and scored at that threshold, beside the uncalibrated default threshold in the same run.
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
    from tagging.text_tags import similarities, threshold_for_precision, vocabulary

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
        rows.append((f"calibrated for P>={args.target}: {chosen[0]:.3f}", chosen[0]))
    for label, threshold in rows:
        p, r = prf(sims[~fit] >= threshold, labels[~fit])
        print(f"{label:<36}{p:>20.3f}{r:>8.3f}")


if __name__ == "__main__":
    main()
