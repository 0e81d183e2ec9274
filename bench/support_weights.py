"""Choose the support engine's score weights from KB cross-validation and a development out-of-scope set.

    .venv/bin/python bench/support_weights.py

For each classifier weight it prints KB cross-validation accuracy and the out-of-scope recall on
support_bot/data/oos_dev.json at the 5% rejection threshold, for two hand-off rules: the combined top
score under its threshold, or the nearest example's similarity under its own. The benchmark's
held-out file is not read. Embeddings are MiniLM as the engine uses it (int8 unless --float32).
"""

import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")


def main() -> None:
    import django

    django.setup()
    from catalog.embeddings import embed_texts
    from support_bot.engine import EngineConfig
    from support_bot.entry_classifier import _Classifier
    from support_bot.questions import normalize_question
    from support_bot.scoring import _nearest_by_entry
    from support_bot.training import _fold_of

    kb = json.loads((ROOT / "support_bot" / "data" / "faq.json").read_text())
    pairs = sorted({(normalize_question(q), e["id"]) for e in kb for q in e["questions"]}, key=lambda p: (p[1], p[0]))
    slugs = sorted({slug for _, slug in pairs})
    index = {slug: i for i, slug in enumerate(slugs)}
    texts = [q for q, _ in pairs]
    labels = np.array([index[slug] for _, slug in pairs])
    dev_file = ROOT / "support_bot" / "data" / "oos_dev.json"
    dev = [normalize_question(q) for q in json.loads(dev_file.read_text())["out_of_scope"]]
    config = EngineConfig(int8_embeddings="--float32" not in sys.argv)
    emb = embed_texts(texts, quantized=config.int8_embeddings)
    dev_emb = embed_texts(dev, quantized=config.int8_embeddings)
    fold = _fold_of(labels, config.folds, 13)
    n = len(slugs)
    probs, nearest = np.zeros((len(labels), n)), np.zeros((len(labels), n))
    for k in range(config.folds):
        kept, held = fold != k, fold == k
        classifier = _Classifier(config).fit([texts[i] for i in np.flatnonzero(kept)], emb[kept], labels[kept])
        probs[held] = classifier.proba([texts[i] for i in np.flatnonzero(held)], emb[held], n)
        ex_lab = np.concatenate([labels[kept], np.arange(n)])
        ex_emb = np.vstack([emb[kept], np.zeros((n, emb.shape[1]), np.float32)])
        order = np.argsort(ex_lab, kind="stable")
        nearest[held] = _nearest_by_entry(emb[held], ex_emb[order], np.searchsorted(ex_lab[order], np.arange(n)))
    classifier = _Classifier(config).fit(texts, emb, labels)
    dev_probs = classifier.proba(dev, dev_emb, n)
    dev_nearest = _nearest_by_entry(dev_emb, emb, np.searchsorted(labels, np.arange(n)))
    for w in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0):
        scores = w * probs + (1 - w) * nearest
        dev_scores = w * dev_probs + (1 - w) * dev_nearest
        threshold = np.quantile(scores.max(axis=1), 0.05)
        top1 = (scores.argmax(axis=1) == labels).mean()
        near_threshold = np.quantile(nearest.max(axis=1), 0.05)
        print(f"classifier weight {w:.1f}: KB cross-validation top-1 {top1:.3f}, dev out-of-scope recall "
              f"{(dev_scores.max(axis=1) < threshold).mean():.3f} (combined score rule), "
              f"{(dev_nearest.max(axis=1) < near_threshold).mean():.3f} (nearest-example rule)")


if __name__ == "__main__":
    main()
