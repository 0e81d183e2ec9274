"""Benchmark: the support engine against a TF-IDF + logistic-regression baseline and a plain MiniLM
nearest-example baseline, side by side, on held-out paraphrases and out-of-scope questions.

    .venv/bin/python bench/support_bot.py [--kb support_bot/data/faq.json]
        [--heldout bench/data/support_heldout.json] [--threads N] [--frr 0.05]
        [--save-engine FILE | --engine FILE]   (reuse a KB-trained engine to re-measure latency)

All three systems train on the knowledge base only and choose their hand-off threshold the same way:
the out-of-fold score quantile (10-fold cross-validation over the KB's own paraphrases) that rejects
--frr of valid questions. The held-out file is only ever predicted, never fitted or tuned on.

Metrics: in-scope accuracy (the returned faq_id is the right entry; a hand-off counts as wrong),
out-of-scope recall (share of out-of-scope questions handed off), hand-off rate (in-scope and overall),
and per-question latency with the model loaded, one question at a time (p50/p99, embedding cache off).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "platform")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")


def setup_django() -> None:
    import django

    django.setup()


class TfidfLogReg:
    """Baseline 1: word + character TF-IDF, multinomial logistic regression, max probability as confidence."""

    name = "TF-IDF + logistic regression"

    def fit(self, texts, labels, emb=None):
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(texts)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit(texts)
        self._x = lambda t: sparse.hstack([self.words.transform(t), self.chars.transform(t)]).tocsr()
        self.model = LogisticRegression(C=20.0, max_iter=300).fit(self._x(texts), labels)
        return self

    def predict(self, texts, emb=None):
        proba = self.model.predict_proba(self._x(texts))
        return self.model.classes_[proba.argmax(axis=1)], proba.max(axis=1)


class NearestExample:
    """Baseline 2: MiniLM embedding, the nearest KB example's entry, its cosine similarity as confidence."""

    name = "MiniLM nearest example"

    def fit(self, texts, labels, emb):
        self.emb, self.labels = emb, np.asarray(labels)
        return self

    def predict(self, texts, emb):
        sims = emb @ self.emb.T
        best = sims.argmax(axis=1)
        return self.labels[best], sims[np.arange(len(best)), best]


def baseline_threshold(system_cls, texts, labels, emb, frr: float) -> float:
    """The same rule the engine uses: out-of-fold score quantile over the KB's paraphrases."""
    from support_bot.engine import EngineConfig, _fold_of

    labels = np.asarray(labels)
    folds = EngineConfig().folds  # the same cross-validation as the engine's
    fold = _fold_of(labels, folds, 13)
    scores = np.zeros(len(texts))
    for k in range(folds):
        kept, held = fold != k, fold == k
        system = system_cls().fit([texts[i] for i in np.flatnonzero(kept)], labels[kept], emb[kept])
        _, scores[held] = system.predict([texts[i] for i in np.flatnonzero(held)], emb[held])
    return float(np.quantile(scores, frr))


def evaluate(predict_one, in_scope, out_of_scope) -> dict:
    """predict_one(question) -> (faq_id or None, handoff, clarify); returns the metric dict and latencies."""
    latencies, right, handed, clarified, oos_handed = [], 0, 0, 0, 0
    for item in in_scope:
        started = time.perf_counter()
        faq_id, handoff, clarify = predict_one(item["question"])
        latencies.append((time.perf_counter() - started) * 1000)
        right += (not handoff) and faq_id == item["faq_id"]
        handed += handoff
        clarified += clarify
    for question in out_of_scope:
        started = time.perf_counter()
        _, handoff, _ = predict_one(question)
        latencies.append((time.perf_counter() - started) * 1000)
        oos_handed += handoff
    n_in, n_out = len(in_scope), len(out_of_scope)
    return {
        "accuracy": right / n_in,
        "oos_recall": oos_handed / n_out,
        "handoff_in_scope": handed / n_in,
        "handoff_overall": (handed + oos_handed) / (n_in + n_out),
        "clarify_rate": clarified / n_in,
        "p50_ms": float(np.percentile(latencies, 50)),
        "p99_ms": float(np.percentile(latencies, 99)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", default=str(REPO_ROOT / "support_bot" / "data" / "faq.json"))
    parser.add_argument("--heldout", default=str(REPO_ROOT / "bench" / "data" / "support_heldout.json"))
    parser.add_argument("--threads", type=int, default=0, help="torch threads for MiniLM (0 = torch default)")
    parser.add_argument("--frr", type=float, default=0.05, help="target share of valid questions handed off")
    parser.add_argument("--engine", help="reuse an engine saved by an earlier run (.joblib) instead of training")
    parser.add_argument("--float32", action="store_true", help="train the engine on float32 MiniLM (the old default)")
    parser.add_argument("--save-engine", help="save the trained engine here (.joblib)")
    args = parser.parse_args()
    setup_django()

    import torch

    from catalog.embeddings import embed_texts
    from support_bot.engine import EngineConfig, normalize_question, train_engine

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    kb = json.loads(Path(args.kb).read_text())
    heldout = json.loads(Path(args.heldout).read_text())
    in_scope, out_of_scope = heldout["in_scope"], heldout["out_of_scope"]
    examples = [(q, e["id"]) for e in kb for q in e["questions"]]
    print(f"knowledge base: {len(kb)} entries, {len(examples)} example questions; held out: "
          f"{len(in_scope)} in-scope paraphrases, {len(out_of_scope)} out-of-scope questions; "
          f"torch threads {torch.get_num_threads()}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
          file=sys.stderr)

    started = time.perf_counter()
    if args.engine:
        import joblib

        engine = joblib.load(args.engine)
    else:
        engine = train_engine(examples, EngineConfig(target_frr=args.frr, int8_embeddings=not args.float32),
                              report=lambda d, t, n="": print(f"  train {d}/{t} {n}", file=sys.stderr))
    if args.save_engine:
        import joblib

        joblib.dump(engine, args.save_engine)
    train_seconds = time.perf_counter() - started
    print(f"engine trained in {train_seconds:.0f} s; cross-validation on the KB: {engine.metrics}", file=sys.stderr)

    def engine_predict(question):
        engine._cache.clear()  # measure MiniLM on every question, not the repeat cache
        p = engine.predict(question)
        return (None if p.handoff else p.slug), p.handoff, p.clarify

    texts = [normalize_question(q) for q, _ in examples]
    labels = [slug for _, slug in examples]
    kb_emb = embed_texts(texts)
    results = {"Support engine (MiniLM + TF-IDF + classifier, calibrated)": evaluate(engine_predict, in_scope, out_of_scope)}
    for system_cls in (TfidfLogReg, NearestExample):
        threshold = baseline_threshold(system_cls, texts, labels, kb_emb, args.frr)
        system = system_cls().fit(texts, np.asarray(labels), kb_emb)
        needs_emb = system_cls is NearestExample

        def predict(question, system=system, threshold=threshold, needs_emb=needs_emb):
            text = normalize_question(question)
            emb = embed_texts([text]) if needs_emb else None
            label, score = system.predict([text], emb)
            handoff = bool(score[0] < threshold)
            return (None if handoff else label[0]), handoff, False

        results[system_cls.name] = evaluate(predict, in_scope, out_of_scope)

    # Where the engine's time goes: MiniLM alone on the same questions, one at a time.
    alone = []
    for question in [item["question"] for item in in_scope] + out_of_scope:
        started = time.perf_counter()
        embed_texts([normalize_question(question)])
        alone.append((time.perf_counter() - started) * 1000)
    print(f"MiniLM alone, one question: p50 {np.percentile(alone, 50):.1f} ms, p99 {np.percentile(alone, 99):.1f} ms",
          file=sys.stderr)
    alone = []
    for question in [item["question"] for item in in_scope] + out_of_scope:
        started = time.perf_counter()
        embed_texts([normalize_question(question)], quantized=True)
        alone.append((time.perf_counter() - started) * 1000)
    print(f"MiniLM int8 alone, one question: p50 {np.percentile(alone, 50):.1f} ms, "
          f"p99 {np.percentile(alone, 99):.1f} ms", file=sys.stderr)

    best_baseline = max(v["accuracy"] for k, v in results.items() if not k.startswith("Support engine"))
    ours = results["Support engine (MiniLM + TF-IDF + classifier, calibrated)"]
    print("| system | in-scope accuracy | out-of-scope recall | hand-off rate (in-scope / overall) | clarify rate | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for name, m in results.items():
        print(f"| {name} | {m['accuracy']:.1%} | {m['oos_recall']:.1%} | {m['handoff_in_scope']:.1%} / "
              f"{m['handoff_overall']:.1%} | {m['clarify_rate']:.1%} | {m['p50_ms']:.1f} | {m['p99_ms']:.1f} |")
    print(f"\nengine accuracy minus the better baseline: {100 * (ours['accuracy'] - best_baseline):+.1f} points; "
          f"engine training {train_seconds:.0f} s; torch threads {torch.get_num_threads()}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
