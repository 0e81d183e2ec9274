"""Benchmark: the support engine (fine-tuned MiniLM) against frozen MiniLM + logistic regression, the previous
engine and a MiniLM nearest-example baseline, side by side in one pass, on a question set made apart from
the knowledge base.

    .venv/bin/python bench/support_bot.py --set support_bot/data/dev.json          # choices are made here
    .venv/bin/python bench/support_bot.py --set support_bot/data/bench_test.json   # the report, never tuned on
        [--kb support_bot/data/faq.json] [--threads 1] [--engine FILE | --save-engine FILE]
    .venv/bin/python bench/support_bot.py --time-build 150 1500   # build time for a KB of that size

Every system trains on the knowledge base only, and chooses its hand-off threshold by the same rule: on
out-of-fold scores of the KB's paraphrases and of the shipped background set
(support_bot/data/oos_background.json), the threshold reaching --recall of out-of-scope questions while
handing off at most --bound of valid ones (support_bot/handoff.py). The previous engine keeps its own rule
(hand off 5% of valid questions), as it shipped. The question set is only ever predicted.

Metrics: in-scope accuracy (the returned faq_id is the right entry; a hand-off counts as wrong; a clarify
counts as right when its first choice is right), valid questions handed off, out-of-scope recall (share of
out-of-scope questions handed off), and per-question latency with the model loaded, one question at a
time (p50/p99, embedding cache off).
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


def load_set(path: str) -> tuple[list[dict], list[str]]:
    """(in-scope [{question, faq_id}], out-of-scope [question]) from the set's JSON."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict) and data.get("in_scope") and "text" in data["in_scope"][0]:  # dev.json, bench_test.json
        return ([{"question": x["text"], "faq_id": x["intent"]} for x in data["in_scope"]],
                [x["text"] for x in data["out_of_scope"]])
    if isinstance(data, dict) and "in_scope" in data:
        in_scope = [{"question": x["question"], "faq_id": x.get("faq_id") or x.get("id")} for x in data["in_scope"]]
        out = [x if isinstance(x, str) else x["question"] for x in data["out_of_scope"]]
        return in_scope, out
    items = data["questions"] if isinstance(data, dict) else data
    in_scope = [{"question": x["question"], "faq_id": x["faq_id"]} for x in items if x.get("faq_id")]
    out = [x["question"] for x in items if not x.get("faq_id")]
    return in_scope, out


class FrozenLogReg:
    """Frozen MiniLM vectors + multinomial logistic regression; the top probability is the in-scope score."""

    name = "frozen MiniLM + logistic regression"

    def fit(self, emb, labels):
        from sklearn.linear_model import LogisticRegression

        self.model = LogisticRegression(C=10.0, max_iter=1000).fit(emb, labels)
        return self

    def predict(self, emb):
        proba = self.model.predict_proba(emb)
        return self.model.classes_[proba.argmax(axis=1)], proba.max(axis=1)


class NearestExample:
    """Frozen MiniLM, the nearest KB example's entry; its cosine similarity is the in-scope score."""

    name = "frozen MiniLM nearest example"

    def fit(self, emb, labels):
        self.emb, self.labels = emb, np.asarray(labels)
        return self

    def predict(self, emb):
        sims = emb @ self.emb.T
        best = sims.argmax(axis=1)
        return self.labels[best], sims[np.arange(len(best)), best]


def baseline_threshold(system_cls, emb, labels, bg_emb, recall: float, bound: float) -> tuple[float, dict]:
    """The engine's rule for a baseline: out-of-fold KB scores, background scores, handoff.choose_threshold."""
    from support_bot.engine import EngineConfig
    from support_bot.handoff import choose_threshold
    from support_bot.training import _fold_of

    labels = np.asarray(labels)
    folds = EngineConfig().folds
    fold = _fold_of(labels, folds, 13)
    valid = np.zeros(len(labels))
    for k in range(folds):
        kept, held = fold != k, fold == k
        valid[held] = system_cls().fit(emb[kept], labels[kept]).predict(emb[held])[1]
    out = system_cls().fit(emb, labels).predict(bg_emb)[1]
    return choose_threshold(valid, out, target_recall=recall, max_false_handoff=bound)


def evaluate(predict_one, in_scope, out_of_scope) -> dict:
    """predict_one(question) -> (faq_id or None, handoff, clarify, runner-up offered by the clarify or None)."""
    latencies, right, handed, clarified, settled, oos_handed = [], 0, 0, 0, 0, 0
    for item in in_scope:
        started = time.perf_counter()
        faq_id, handoff, clarify, runner_up = predict_one(item["question"])
        latencies.append((time.perf_counter() - started) * 1000)
        right += (not handoff) and faq_id == item["faq_id"]
        handed += handoff
        clarified += clarify
        settled += clarify and faq_id != item["faq_id"] and runner_up == item["faq_id"]
    for question in out_of_scope:
        started = time.perf_counter()
        _, handoff, _, _ = predict_one(question)
        latencies.append((time.perf_counter() - started) * 1000)
        oos_handed += handoff
    return {
        "accuracy": right / max(1, len(in_scope)),
        "handoff_in_scope": handed / max(1, len(in_scope)),
        "oos_recall": oos_handed / max(1, len(out_of_scope)),
        "clarify_rate": clarified / max(1, len(in_scope)),
        # Right after the subscriber picks the second entry of a "which did you mean?": not in "accuracy".
        "with_clarify": (right + settled) / max(1, len(in_scope)),
        "p50_ms": float(np.percentile(latencies, 50)),
        "p99_ms": float(np.percentile(latencies, 99)),
    }


def engine_predictor(engine, *, person_rule: bool = True):
    """The bot's own decision as the API makes it: asking for a person hands off before the engine runs."""
    from support_bot.questions import asks_for_person

    def predict(question):
        if person_rule and asks_for_person(question):
            return None, True, False, None
        engine._cache.clear()  # measure MiniLM on every question, not the repeat cache
        p = engine.predict(question)
        return (None if p.handoff else p.slug), p.handoff, p.clarify, (p.runner_up if p.clarify else None)

    return predict


def time_build(entries: int, questions: int) -> None:
    """Build time of the engine (fine-tuning included) for a synthetic KB of that size, made from the shipped
    KB's questions and background words so that the texts look like real ones."""
    from support_bot.engine import EngineConfig
    from support_bot.training import load_background, train_engine

    kb = json.loads((REPO_ROOT / "support_bot" / "data" / "faq.json").read_text())
    pool = [q for e in kb for q in e["questions"]] + load_background()
    rng = np.random.default_rng(7)
    examples = []
    for i in range(questions):
        entry = i % entries
        examples.append((f"{pool[rng.integers(len(pool))]} {pool[(entry * 7) % len(pool)].split()[-1]} #{entry}",
                         f"entry-{entry}"))
    started, cpu_started = time.perf_counter(), time.process_time()
    marks = {}

    def report(done, total, note=""):
        marks.setdefault(note.split(",")[0] if note.startswith("fine-tuning") else note, time.perf_counter() - started)

    engine = train_engine(examples, EngineConfig(), report=report)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    cv_start = marks.get("cross-validating", total)
    print(f"build for {entries} entries / {questions} questions: {total:.0f} s in all; fine-tuning "
          f"{engine.metrics['finetune_steps']} steps to {marks.get('embedding examples', 0):.0f} s, embedding to "
          f"{cv_start:.0f} s, cross-validation and final fit {total - cv_start:.0f} s; CPU time {cpu:.0f} s (all "
          f"threads: on an idle machine the wall time lies between CPU/threads and CPU); torch threads "
          f"{__import__('torch').get_num_threads()}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", default=str(REPO_ROOT / "support_bot" / "data" / "faq.json"))
    parser.add_argument("--set", default=str(REPO_ROOT / "support_bot" / "data" / "dev.json"))
    parser.add_argument("--threads", type=int, default=1, help="torch threads when answering (training uses all)")
    parser.add_argument("--recall", type=float, default=0.90, help="target out-of-scope recall")
    parser.add_argument("--bound", type=float, default=0.05, help="most valid questions handed off")
    parser.add_argument("--engine", help="reuse an engine saved by an earlier run (.joblib) instead of training")
    parser.add_argument("--save-engine", help="save the trained engine here (.joblib)")
    parser.add_argument("--encoder-from", help="reuse the fine-tuned layers of an engine saved by an earlier run "
                        "(same KB and fine-tuning settings) and train everything after them anew")
    parser.add_argument("--finetune-steps", type=int, default=-1, help="-1: sized to the KB; 0: frozen MiniLM")
    parser.add_argument("--finetune-loss", default=None, choices=("symmetric", "mnrl", "gte"),
                        help="the fine-tuning loss (support_bot.finetune.contrastive_loss); default: the configured one")
    parser.add_argument("--finetune-seed", type=int, default=None, help="the fine-tuning seed (default: configured)")
    parser.add_argument("--time-build", nargs=2, type=int, metavar=("ENTRIES", "QUESTIONS"))
    args = parser.parse_args()
    import django

    django.setup()
    import joblib
    import torch

    from catalog.embeddings import embed_texts
    from support_bot.engine import EngineConfig
    from support_bot.finetune import FinetuneConfig
    from support_bot.questions import normalize_question
    from support_bot.scoring import HANDOFF_RULES
    from support_bot.training import load_background, train_engine

    if args.time_build:
        time_build(*args.time_build)
        return
    kb = json.loads(Path(args.kb).read_text())
    in_scope, out_of_scope = load_set(args.set)
    examples = [(q, e["id"]) for e in kb for q in e["questions"]]
    print(f"knowledge base: {len(kb)} entries, {len(examples)} example questions; {args.set}: {len(in_scope)} "
          f"in-scope, {len(out_of_scope)} out-of-scope; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs", file=sys.stderr)

    def progress(done, total, note=""):
        print(f"  train {done}/{total} {note}", file=sys.stderr)

    started = time.perf_counter()
    if args.engine:
        engine = joblib.load(args.engine)
    else:
        config = EngineConfig(target_oos_recall=args.recall, max_false_handoff=args.bound,
                              finetune=FinetuneConfig(steps=args.finetune_steps, **(
                                  {"loss": args.finetune_loss} if args.finetune_loss else {}),
                                  **({"seed": args.finetune_seed} if args.finetune_seed is not None else {})))
        reused = joblib.load(args.encoder_from).encoder_weights if args.encoder_from else None
        engine = train_engine(examples, config, report=progress, encoder_weights=reused)
        if args.save_engine:
            joblib.dump(engine, args.save_engine)
    train_seconds = time.perf_counter() - started
    previous = train_engine(examples, EngineConfig(handoff_target="frr", handoff_rule="nearest", spelling=False,
                                                   finetune=FinetuneConfig(steps=0)))
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    results = {}
    chosen_rule = engine.config.handoff_rule
    for rule in HANDOFF_RULES:
        if rule not in engine.handoff_thresholds:
            continue
        engine.config.handoff_rule = rule
        steps = engine.metrics.get("finetune_steps") or "reused"
        loss = engine.metrics.get("finetune_loss") or ("symmetric" if steps != "reused" else "reused")
        name = f"support engine, fine-tuned MiniLM ({steps} steps, {loss} loss), hand-off by {rule}"
        results[name + (" **(configured)**" if rule == chosen_rule else "")] = evaluate(
            engine_predictor(engine), in_scope, out_of_scope)
    engine.config.handoff_rule = chosen_rule
    results["previous engine (frozen int8 MiniLM + TF-IDF + classifier, 5% rule)"] = evaluate(
        engine_predictor(previous, person_rule=False), in_scope, out_of_scope)

    texts = [normalize_question(q) for q, _ in examples]
    labels = np.asarray([slug for _, slug in examples])
    kb_emb = embed_texts(texts)
    bg_emb = embed_texts(load_background())
    for system_cls in (FrozenLogReg, NearestExample):
        threshold, _ = baseline_threshold(system_cls, kb_emb, labels, bg_emb, args.recall, args.bound)
        system = system_cls().fit(kb_emb, labels)

        def predict(question, system=system, threshold=threshold):
            label, score = system.predict(embed_texts([normalize_question(question)]))
            handoff = bool(score[0] < threshold)
            return (None if handoff else label[0]), handoff, False, None

        results[system_cls.name] = evaluate(predict, in_scope, out_of_scope)

    print("| system | in-scope accuracy | valid handed off | out-of-scope recall | clarify | right after a clarify "
          "| p50 ms | p99 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, m in results.items():
        print(f"| {name} | {m['accuracy']:.1%} | {m['handoff_in_scope']:.1%} | {m['oos_recall']:.1%} | "
              f"{m['clarify_rate']:.1%} | {m['with_clarify']:.1%} | {m['p50_ms']:.1f} | {m['p99_ms']:.1f} |")
    ours = next(m for k, m in results.items() if "configured" in k)
    base = results[FrozenLogReg.name]
    print(f"\nconfigured engine minus frozen MiniLM + LR: accuracy {100 * (ours['accuracy'] - base['accuracy']):+.1f} "
          f"points, out-of-scope recall {100 * (ours['oos_recall'] - base['oos_recall']):+.1f} points; engine build "
          f"{train_seconds:.0f} s; KB cross-validation {json.dumps(engine.metrics.get('rules', {}))}; torch threads "
          f"{torch.get_num_threads()} when answering; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
