"""Fitting the engine: training is a plain function over (question, entry id) pairs so a test, the Celery
task and the benchmark build it the same way. Every threshold comes from cross-validation over the
knowledge base's own paraphrases and the shipped out-of-scope background set (never from a benchmark set):

- the encoder is MiniLM with its top layers fine-tuned contrastively on the KB (`finetune.py`), or frozen
  MiniLM when fine-tuning is off or an injected embedder is used;
- confidence is the combined top score mapped through isotonic regression fitted on out-of-fold
  predictions, i.e. P(the top entry is right) for an in-scope question;
- the hand-off threshold (`handoff.py`) is set on out-of-fold scores of questions the encoder never saw,
  for a target out-of-scope recall at a bounded share of valid questions handed off
  (`EngineConfig.handoff_target`), on the score `EngineConfig.handoff_rule` names.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from .encoder import EmbedFn, embedder
from .engine import EngineConfig, SupportEngine
from .entry_classifier import _Classifier
from .handoff import choose_threshold, tradeoff_curve
from .questions import normalize_question
from .scoring import SCORE_RULES, _score, _space, _top_two
from .spelling import Speller

if TYPE_CHECKING:
    from jobs import Progress

logger = logging.getLogger(__name__)
BACKGROUND_FILE = Path(__file__).resolve().parent / "data" / "oos_background.json"


def load_background(path: Path = BACKGROUND_FILE) -> list[str]:
    """The out-of-scope questions shipped with the bot (other domains, chit-chat, near misses): the
    hand-written ones and those bench/support_background.py generated from templates."""
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    return [q for q in data["questions"] + data.get("generated", []) if q.strip()]


def _fit_stacker(valid: dict[str, np.ndarray], out_of_scope: dict[str, np.ndarray], folds: int, seed: int):
    """A logistic regression telling valid from background questions by all the scores, fitted on their
    out-of-fold values; returns the model and its own out-of-fold scores (valid, background) for the
    threshold, so that the threshold is never set on scores the stacker was fitted on."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.vstack([np.column_stack([valid[r] for r in SCORE_RULES]),
                   np.column_stack([out_of_scope[r] for r in SCORE_RULES])])
    y = np.concatenate([np.ones(len(valid[SCORE_RULES[0]])), np.zeros(len(out_of_scope[SCORE_RULES[0]]))])

    def model():
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))

    oof = np.zeros(len(y))
    for kept, held in StratifiedKFold(n_splits=min(folds, 5), shuffle=True, random_state=seed).split(X, y):
        oof[held] = model().fit(X[kept], y[kept]).decision_function(X[held])
    n_valid = int(y.sum())
    return model().fit(X, y), oof[:n_valid], oof[n_valid:]


def _fold_of(labels: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Deal each entry's examples round-robin into folds after a seeded shuffle (stratified by entry)."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(labels), dtype=int)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        fold[members] = (np.arange(len(members)) + rng.integers(folds)) % folds
    return fold


def _calibration_mask(labels: np.ndarray, share: float, seed: int) -> np.ndarray:
    """Examples kept from the encoder's fine-tuning: `share` of each entry, leaving it at least two."""
    rng = np.random.default_rng(seed + 1)
    mask = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        mask[members[: max(0, min(len(members) - 2, int(round(share * len(members)))))]] = True
    return mask


def train_engine(examples: Sequence[tuple[str, str]], config: EngineConfig | None = None, *,
                 embed: EmbedFn | None = None, report: Progress | None = None,
                 background: Sequence[str] | None = None,
                 encoder_weights: dict[str, np.ndarray] | None = None) -> SupportEngine:
    """Fit the engine on (question, entry slug) pairs and choose its thresholds by cross-validation.

    MiniLM is fine-tuned unless `config.finetune.steps == 0` or `embed` is given (tests inject a fast one);
    `background` defaults to the shipped out-of-scope set when the target is an out-of-scope recall.
    `encoder_weights` reuses layers an earlier build fine-tuned on the same KB, background and config
    (the benchmark, to try what comes after fine-tuning without repeating it); its held-out share is the same.
    """
    config = config or EngineConfig()
    report = report or (lambda done, total, note="": None)
    pairs = sorted({(normalize_question(q), slug) for q, slug in examples if normalize_question(q)},
                   key=lambda pair: (pair[1], pair[0]))
    slugs = sorted({slug for _, slug in pairs})
    engine = SupportEngine(slugs, config)
    if len(slugs) < 2:
        raise ValueError("the knowledge base needs at least two entries with example questions")
    index = {slug: i for i, slug in enumerate(slugs)}
    texts = [q for q, _ in pairs]
    labels = np.array([index[slug] for _, slug in pairs])
    n = len(slugs)
    if background is None:
        background = load_background() if config.handoff_target == "oos_recall" else []
    background = sorted({normalize_question(q) for q in background} - set(texts))
    oos_class = config.handoff_target == "oos_recall" and len(background) >= config.folds
    if config.spelling:
        engine.speller = Speller(texts)

    # Questions the encoder never sees set the hand-off threshold (all of them when nothing is fine-tuned).
    cal = _calibration_mask(labels, config.calibration_share, config.seed)
    bg_labels = np.zeros(len(background), dtype=int)
    bg_cal = np.random.default_rng(config.seed + 2).random(len(background)) < config.calibration_share
    keep = np.flatnonzero(~cal)
    steps = config.finetune.steps_for(len(keep)) if embed is None and config.finetune.steps != 0 else 0
    if encoder_weights:
        engine.encoder_weights, steps = encoder_weights, 0
    total = steps + config.folds + 2
    if steps:
        from .finetune import finetune_encoder

        report(0, total, "fine-tuning MiniLM")
        try:
            engine.encoder_weights = finetune_encoder(
                [texts[i] for i in keep], labels[keep], [q for q, c in zip(background, bg_cal, strict=True) if not c],
                config.finetune, report=lambda done, _total, note="": report(done, total, note))
        except (RuntimeError, OSError, ValueError) as exc:  # no trainable model here: answer with frozen MiniLM
            logger.warning("fine-tuning MiniLM failed (%s); the engine uses frozen MiniLM", exc)
            engine.encoder_weights, steps = None, 0
    if not engine.encoder_weights:
        cal, bg_cal = np.ones(len(texts), bool), np.ones(len(background), bool)
    embed = embed or embedder(config, engine.encoder_weights)
    engine.use_embedder(embed)
    report(steps, total, "embedding examples")
    emb = embed(texts).astype(np.float32)
    bg_emb = embed(background).astype(np.float32) if len(background) else np.zeros((0, emb.shape[1]), np.float32)
    report(steps + 1, total, "cross-validating")

    oof = np.zeros((len(texts), n))
    oof_handoff = {rule: np.zeros(len(texts)) for rule in SCORE_RULES}
    bg_handoff = {rule: np.zeros(len(background)) for rule in SCORE_RULES}
    fold = _fold_of(labels, config.folds, config.seed)
    bg_fold = _fold_of(bg_labels, config.folds, config.seed) if len(background) else bg_labels
    for k in range(config.folds):
        held, kept = fold == k, fold != k
        if not held.any() or len(np.unique(labels[kept])) < 2:
            continue
        bg_kept = np.flatnonzero(bg_fold != k) if oos_class else np.zeros(0, int)
        fit_texts = [texts[i] for i in np.flatnonzero(kept)] + [background[i] for i in bg_kept]
        fit_emb = np.vstack([emb[kept], bg_emb[bg_kept]])
        fit_labels = np.concatenate([labels[kept], np.full(len(bg_kept), n)])
        classifier = _Classifier(config).fit(fit_texts, fit_emb, fit_labels)
        # Nearest-example scores need a row per entry: an entry with no kept example gets a zero vector.
        args = (_space(emb[kept], labels[kept], n, pad=True), n, oos_class)
        parts = _score(classifier, config.weights, [texts[i] for i in np.flatnonzero(held)], emb[held], *args)
        oof[held] = parts.combined
        for rule in SCORE_RULES:
            oof_handoff[rule][held] = parts.handoff[rule]
        bg_held = np.flatnonzero(bg_fold == k)
        if len(bg_held):
            bg_parts = _score(classifier, config.weights, [background[i] for i in bg_held], bg_emb[bg_held], *args)
            for rule in SCORE_RULES:
                bg_handoff[rule][bg_held] = bg_parts.handoff[rule]
        report(steps + 2 + k, total, f"fold {k + 1}/{config.folds}")

    engine.oos_class = oos_class
    valid = {r: v[cal] for r, v in oof_handoff.items()}
    out_of_scope = {r: v[bg_cal] for r, v in bg_handoff.items()}
    if config.handoff_target == "oos_recall" and out_of_scope["nearest"].size >= config.folds:
        engine.stacker, valid["stacked"], out_of_scope["stacked"] = _fit_stacker(
            valid, out_of_scope, config.folds, config.seed)
    _choose_thresholds(engine, labels, oof, valid, out_of_scope)
    fit_labels = np.concatenate([labels, np.full(len(background) if oos_class else 0, n)])
    engine.classifier = _Classifier(config).fit(texts + (list(background) if oos_class else []),
                                                np.vstack([emb, bg_emb]) if oos_class else emb, fit_labels)
    final = _space(emb, labels, n, pad=False)  # examples already sorted by entry: rows keep their text's index
    engine.example_emb, engine.starts, engine.centroids = emb, final.starts, final.centroids
    engine.maha_means, engine.precision = final.means, final.precision
    engine.known_examples = {text: i for i, text in enumerate(texts)}
    # Top-1 on the questions the encoder never saw: the honest cross-validated accuracy of a fine-tuned engine.
    unseen = np.argmax(oof[cal], axis=1) == labels[cal]
    engine.metrics.update(cv_top1_unseen=float(unseen.mean()) if len(unseen) else None,
                          fine_tuned=bool(engine.encoder_weights), finetune_steps=steps,
                          finetune_loss=config.finetune.loss if steps else None,
                          background_questions=len(background), oos_class=oos_class)
    report(total, total, "trained")
    return engine


def _choose_thresholds(engine: SupportEngine, labels: np.ndarray, oof: np.ndarray, valid: dict[str, np.ndarray],
                       out_of_scope: dict[str, np.ndarray]) -> None:
    """Confidence calibration and the hand-off threshold of every rule (`valid`/`out_of_scope`: rule -> scores)."""
    config = engine.config
    idx, top = _top_two(oof)
    correct = (idx[:, 0] == labels).astype(float)
    engine.calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(top[:, 0], correct)
    engine.threshold = float(np.quantile(top[:, 0], config.target_frr))
    reports: dict[str, dict] = {}
    for rule in valid:
        if config.handoff_target == "oos_recall" and len(out_of_scope[rule]):
            engine.handoff_thresholds[rule], reports[rule] = choose_threshold(
                valid[rule], out_of_scope[rule], target_recall=config.target_oos_recall,
                max_false_handoff=config.max_false_handoff)
            reports[rule]["curve"] = tradeoff_curve(valid[rule], out_of_scope[rule])
        else:  # the old rule: reject target_frr of valid questions
            engine.handoff_thresholds[rule] = float(np.quantile(valid[rule], config.target_frr))
    rule = engine.handoff_rule
    accepted = np.ones(len(labels), bool)
    if len(valid[rule]) == len(labels):
        accepted = valid[rule] >= engine.handoff_thresholds[rule]
    clarified = accepted & (top[:, 0] - top[:, 1] < config.clarify_margin) & (top[:, 1] >= engine.threshold)
    in_pair = (idx[:, 0] == labels) | (idx[:, 1] == labels)
    chosen = reports.get(rule, {})
    engine.metrics = {
        "cv_examples": int(len(labels)),
        "cv_top1_accuracy": float(correct.mean()),
        "cv_clarify_rate": float(clarified.mean()),
        "cv_clarify_settled": float(in_pair[clarified].mean()) if clarified.any() else 0.0,
        "handoff_rule": rule,
        "handoff_threshold": engine.handoff_thresholds[rule],
        "cv_false_rejection_rate": chosen.get("false_handoff", float(np.mean(valid[rule] < engine.handoff_thresholds[rule]))),
        "cv_oos_recall": chosen.get("oos_recall"),
        "target_oos_recall": config.target_oos_recall if reports else None,
        "max_false_handoff": config.max_false_handoff if reports else None,
        "recall_target_met": chosen.get("recall_target_met"),
        "calibration_valid": int(len(valid[rule])),
        "calibration_out_of_scope": int(len(out_of_scope[rule])),
        "handoff_curve": chosen.get("curve", []),
        "rules": {r: {k: v for k, v in rep.items() if k != "curve"} for r, rep in reports.items()},
        "threshold": engine.threshold,
        "threshold_confidence": float(engine.calibrator.predict([engine.threshold])[0]),
    }
