"""The question → FAQ entry engine: MiniLM (fine-tuned on the knowledge base) + TF-IDF word/char n-grams +
a classifier with an out-of-scope class, calibrated.

Training is a plain function over (question, entry id) pairs so a test, the Celery task and the benchmark
build it the same way. Every threshold comes from cross-validation over the knowledge base's own
paraphrases and the shipped out-of-scope background set (never from a benchmark set):

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
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from .finetune import FinetuneConfig, finetuned_embed
from .handoff import choose_threshold, tradeoff_curve
from .spelling import Speller

if TYPE_CHECKING:
    from jobs import Progress

EmbedFn = Callable[[list[str]], np.ndarray]
logger = logging.getLogger(__name__)
BACKGROUND_FILE = Path(__file__).resolve().parent / "data" / "oos_background.json"
# Scores computed for every question; "stacked" is a logistic regression over them (see _fit_stacker).
SCORE_RULES = ("nearest", "centroid", "oos_class", "combined", "mahalanobis", "knn")
HANDOFF_RULES = (*SCORE_RULES, "stacked")
KNN_K = 5  # the k-th most similar KB example (any entry) for the "knn" score

# The classifier ranks, the nearest example's similarity decides the hand-off: how these were chosen is in
# docs/benchmarks.md ("Support chatbot", weights and hand-off rule).
DEFAULT_WEIGHTS = {"classifier": 0.8, "nearest": 0.2}


# Asking for a person is answered by handing off at once, whatever the knowledge base holds.
_PERSON = (r"(?:a |an |to |some |one |the |real |actual |live |proper |human )*"
           r"(?:human|person|people|agent|someone|somebody|representative|rep|operator|staff|advisor|adviser|manager|supervisor"
           r"|customer (?:service|support|care)|support (?:team|staff|agent))")
_ASKS_FOR_PERSON = re.compile(
    rf"\b(?:(?:talk|speak|chat|get through|be put through) (?:to|with) {_PERSON}"
    rf"|(?:connect|transfer|put) me (?:to|with|through to) {_PERSON}"
    rf"|(?:want|need|get me|give me|prefer|request|like) {_PERSON}\b(?! (?:to|who|that|can) (?:watch|use|share))"
    rf"|(?:real|actual|live) (?:human|person|agent)"
    rf"|(?:human|person|agent),? please|not (?:a|the|this) (?:bot|robot|machine)|stop (?:the|this) bot"
    rf"|is (?:there|this) (?:a |an )?(?:human|real person))\b"
)


def asks_for_person(question: str) -> bool:
    """True when the subscriber asks to talk to a person rather than the bot."""
    return bool(_ASKS_FOR_PERSON.search(normalize_question(question).replace("’", "'")))


def normalize_question(text: str) -> str:
    """Lower-case, NFKC, collapse whitespace: the form both models and the embedding cache see."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"\s+", " ", text).strip()


def default_embed(texts: list[str], *, quantized: bool = False) -> np.ndarray:
    from catalog.embeddings import embed_texts

    return embed_texts(texts, quantized=quantized)


def embedder(config: EngineConfig, weights: dict | None = None) -> EmbedFn:
    """MiniLM as the engine was trained with it: fine-tuned top layers when `weights`, else the frozen model;
    int8 or float32 as configured (each gives different vectors, so answering must match training)."""
    quantized = getattr(config, "int8_embeddings", False)  # artefacts from before the option were float32
    if weights:
        return finetuned_embed(weights, quantized=quantized)
    return lambda texts: default_embed(texts, quantized=quantized)


def load_background(path: Path = BACKGROUND_FILE) -> list[str]:
    """The out-of-scope questions shipped with the bot (other domains, chit-chat, near misses): the
    hand-written ones and those bench/support_background.py generated from templates."""
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    return [q for q in data["questions"] + data.get("generated", []) if q.strip()]


@dataclass
class Prediction:
    """What the engine made of one question; `slug` is None only when the knowledge base is empty."""

    slug: str | None
    confidence: float
    score: float
    runner_up: str | None
    runner_up_score: float
    handoff: bool
    clarify: bool


@dataclass
class EngineConfig:
    target_frr: float = 0.05  # handoff_target "frr": the share of valid questions handed off, nothing else
    clarify_margin: float = 0.06
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # MiniLM vectors are scaled against the TF-IDF blocks inside the classifier (chosen by KB cross-validation).
    embedding_scale: float = 3.0
    # Ten folds: each out-of-fold model misses a tenth of an entry's examples, so the threshold taken from
    # their scores is closer to what the deployed model scores (five folds set it too low).
    folds: int = 10
    seed: int = 13
    # The score that decides a hand-off: "nearest" KB example's similarity, "centroid" (nearest entry
    # centroid), "oos_class" (1 - the classifier's out-of-scope probability), "combined" (top ranking score),
    # "mahalanobis" (minus the smallest Mahalanobis distance to an entry's mean, shared shrunk covariance),
    # "knn" (similarity of the k-th nearest KB example), "stacked" (logistic regression over all of them,
    # fitted on out-of-fold scores of valid and background questions).
    handoff_rule: str = "oos_class"
    # "oos_recall": hand off `target_oos_recall` of the background set, handing off at most `max_false_handoff`
    # of valid questions; "frr": the old rule, hand off `target_frr` of valid questions (no background set).
    handoff_target: str = "oos_recall"
    target_oos_recall: float = 0.90
    max_false_handoff: float = 0.05
    # Share of each entry's examples (and of the background) kept from the encoder's fine-tuning, so the
    # hand-off threshold is set on questions the encoder never saw.
    calibration_share: float = 0.3
    # MiniLM with int8 Linear layers, for training and answering alike: ~3x faster per question on one
    # CPU thread; what it does to accuracy and out-of-scope recall is measured by bench/support_bot.py.
    int8_embeddings: bool = True
    spelling: bool = True
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)


class _Classifier:
    """Logistic regression over TF-IDF word 1–2-grams, character 2–5-grams and the MiniLM vector."""

    def __init__(self, config: EngineConfig) -> None:
        self.scale = config.embedding_scale
        self.words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1)
        self.model = LogisticRegression(C=20.0, max_iter=300, random_state=config.seed)

    def _features(self, texts: Sequence[str], emb: np.ndarray):
        blocks = [self.words.transform(texts), self.chars.transform(texts), sparse.csr_matrix(emb * self.scale)]
        return sparse.hstack(blocks).tocsr()

    def fit(self, texts: Sequence[str], emb: np.ndarray, labels: np.ndarray) -> _Classifier:
        self.words.fit(texts)
        self.chars.fit(texts)
        self.model.fit(self._features(texts, emb), labels)
        return self

    def proba(self, texts: Sequence[str], emb: np.ndarray, n_classes: int) -> np.ndarray:
        return _full_proba(self.model, self.model.predict_proba(self._features(texts, emb)), n_classes)


def _full_proba(classifier: LogisticRegression, proba: np.ndarray, n_classes: int) -> np.ndarray:
    """Spread a classifier's columns over all entries (a fold may lack an entry with very few examples)."""
    out = np.zeros((proba.shape[0], n_classes), dtype=np.float64)
    out[:, classifier.classes_] = proba
    return out


def _nearest_by_entry(sims: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Max cosine similarity between each query and each entry's examples (examples sorted by entry)."""
    return np.clip(np.maximum.reduceat(sims, starts, axis=1), 0.0, 1.0)


def _centroids(emb: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((n, emb.shape[1]), dtype=np.float32)
    for label in range(n):
        members = emb[labels == label]
        if len(members):
            mean = members.mean(axis=0)
            out[label] = mean / max(np.linalg.norm(mean), 1e-9)
    return out


@dataclass
class _Space:
    """The KB examples' geometry that every similarity and distance score reads."""

    example_emb: np.ndarray  # sorted by entry
    starts: np.ndarray  # first row of each entry in example_emb
    centroids: np.ndarray  # unit-length entry means
    means: np.ndarray | None = None  # raw entry means and the shared precision matrix (Mahalanobis)
    precision: np.ndarray | None = None


def _space(emb: np.ndarray, labels: np.ndarray, n: int, *, pad: bool) -> _Space:
    """`pad`: give every entry a zero row, so an entry with no examples in a fold still has a column."""
    from sklearn.covariance import LedoitWolf

    ex_emb, ex_lab = emb, labels
    if pad:
        ex_lab = np.concatenate([labels, np.arange(n)])
        ex_emb = np.vstack([emb, np.zeros((n, emb.shape[1]), dtype=np.float32)])
    order = np.argsort(ex_lab, kind="stable")
    means = np.zeros((n, emb.shape[1]), dtype=np.float64)
    for label in range(n):
        if (labels == label).any():
            means[label] = emb[labels == label].mean(axis=0)
    # 384 dimensions from a few hundred questions: the covariance needs shrinkage to be invertible.
    precision = LedoitWolf(assume_centered=True).fit(emb - means[labels]).precision_
    return _Space(ex_emb[order], np.searchsorted(ex_lab[order], np.arange(n)), _centroids(emb, labels, n),
                  means.astype(np.float32), precision.astype(np.float32))


def _mahalanobis(emb: np.ndarray, space: _Space) -> np.ndarray:
    """Smallest squared Mahalanobis distance from each query to an entry mean (shared covariance)."""
    projected = emb @ space.precision
    mean_projected = space.means @ space.precision
    d = (np.sum(projected * emb, axis=1)[:, None] - 2 * emb @ mean_projected.T
         + np.sum(mean_projected * space.means, axis=1)[None, :])
    return d.min(axis=1)


def _combine(weights: dict[str, float], classifier: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    return weights["classifier"] * classifier + weights["nearest"] * nearest


def _top_two(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if scores.shape[1] == 1:
        idx = np.zeros((scores.shape[0], 2), dtype=int)
        return idx, np.column_stack([scores[:, 0], np.zeros(scores.shape[0])])
    idx = np.argsort(-scores, axis=1)[:, :2]
    return idx, np.take_along_axis(scores, idx, axis=1)


@dataclass
class _Parts:
    """Every score of a batch of questions: ranking over entries and the candidate hand-off scores."""

    combined: np.ndarray  # (n, entries)
    handoff: dict[str, np.ndarray]  # rule -> (n,)


def _score(classifier: _Classifier, weights: dict[str, float], texts: list[str], emb: np.ndarray,
           space: _Space, n_entries: int, oos_class: bool) -> _Parts:
    proba = classifier.proba(texts, emb, n_entries + int(oos_class))
    if oos_class:  # the last column is "out of scope": rank the entries on the rest, renormalised
        p_oos = proba[:, -1]
        proba = proba[:, :-1] / np.clip(1.0 - p_oos, 1e-9, None)[:, None]
    else:
        p_oos = np.zeros(len(texts))
    sims = emb @ space.example_emb.T
    nearest = _nearest_by_entry(sims, space.starts)
    combined = _combine(weights, proba, nearest)
    k = min(KNN_K, sims.shape[1])
    handoff = {
        "nearest": nearest.max(axis=1),
        "centroid": (emb @ space.centroids.T).max(axis=1),
        "oos_class": 1.0 - p_oos,
        "combined": combined.max(axis=1),
        "knn": -np.partition(-sims, k - 1, axis=1)[:, k - 1],
    }
    if space.precision is not None:
        handoff["mahalanobis"] = -_mahalanobis(emb, space)
    return _Parts(combined, handoff)


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


class SupportEngine:
    """A trained engine: predicts the best entry for a question, with a calibrated confidence."""

    def __init__(self, slugs: list[str], config: EngineConfig) -> None:
        self.slugs = slugs
        self.config = config
        self.classifier: _Classifier | None = None
        self.oos_class = False
        self.example_emb = np.zeros((0, 384), dtype=np.float32)
        self.centroids = np.zeros((0, 384), dtype=np.float32)
        self.starts = np.zeros(0, dtype=int)
        self.maha_means: np.ndarray | None = None
        self.precision: np.ndarray | None = None
        self.stacker = None  # scikit-learn pipeline over SCORE_RULES' scores; None: no "stacked" rule
        self.calibrator: IsotonicRegression | None = None
        self.threshold = 0.0  # combined-score quantile: how plausible a runner-up must be to be offered
        self.handoff_thresholds: dict[str, float] = {}
        self.metrics: dict = {}
        self.known_examples: dict[str, int] = {}
        self.speller: Speller | None = None
        self.encoder_weights: dict[str, np.ndarray] | None = None  # fine-tuned top layers; None: frozen MiniLM
        self._embed: EmbedFn = embedder(config)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    # Pickled without the embedder or its cache: a loaded artefact embeds with the process's shared model.
    def __getstate__(self):
        state = self.__dict__.copy()
        for transient in ("_embed", "_cache", "_cache_lock"):
            state.pop(transient, None)
        return state

    def __setstate__(self, state):
        # Artefacts from before fine-tuning: frozen MiniLM, no speller, thresholds by name.
        state.setdefault("encoder_weights", None)
        state.setdefault("speller", None)
        state.setdefault("oos_class", False)
        state.setdefault("centroids", np.zeros((0, 384), dtype=np.float32))
        state.setdefault("maha_means", None)
        state.setdefault("precision", None)
        state.setdefault("stacker", None)
        if "handoff_thresholds" not in state:
            state["handoff_thresholds"] = {"nearest": state.get("nearest_threshold", 0.0),
                                           "combined": state.get("threshold", 0.0)}
        self.__dict__.update(state)
        self._embed = embedder(self.config, self.encoder_weights)
        self._cache = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def fine_tuned(self) -> bool:
        return bool(self.encoder_weights)

    def use_embedder(self, embed: EmbedFn) -> None:
        self._embed = embed
        self._cache.clear()

    def _embed_question(self, text: str) -> np.ndarray:
        # A question worded exactly like a KB example already has its vector from training.
        known = self.known_examples.get(text)
        if known is not None:
            return self.example_emb[known]
        # Subscribers ask the same few things in the same words; a small LRU spares MiniLM those repeats.
        with self._cache_lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self._embed([text])[0]
        with self._cache_lock:
            self._cache[text] = vector
            if len(self._cache) > 2048:
                self._cache.popitem(last=False)
        return vector

    @property
    def handoff_rule(self) -> str:
        return getattr(self.config, "handoff_rule", "combined")  # older artefacts: "combined"

    @property
    def handoff_threshold(self) -> float:
        """The score under which questions go to a person, on the scale `EngineConfig.handoff_rule` names."""
        return self.handoff_thresholds[self.handoff_rule]

    @handoff_threshold.setter
    def handoff_threshold(self, value: float) -> None:
        self.handoff_thresholds = {**self.handoff_thresholds, self.handoff_rule: value}

    def prepare(self, question: str) -> str:
        """The text both models see: normalised, misspelt words replaced by the KB's own words."""
        text = normalize_question(question)
        if self.speller is not None and getattr(self.config, "spelling", False):
            text = self.speller.correct(text)
        return text

    def parts(self, question: str) -> _Parts:
        text = self.prepare(question)
        query = self._embed_question(text)[None, :]
        centroids = self.centroids if len(self.centroids) else np.zeros((1, query.shape[1]), np.float32)
        space = _Space(self.example_emb, self.starts, centroids, self.maha_means, self.precision)
        parts = _score(self.classifier, self.config.weights, [text], query, space, len(self.slugs), self.oos_class)
        if self.stacker is not None:
            features = np.column_stack([parts.handoff[r] for r in SCORE_RULES])
            parts.handoff["stacked"] = self.stacker.decision_function(features)
        return parts

    def predict(self, question: str) -> Prediction:
        if not self.slugs or self.classifier is None or not normalize_question(question):
            return Prediction(None, 0.0, 0.0, None, 0.0, handoff=True, clarify=False)
        parts = self.parts(question)
        idx, top = _top_two(parts.combined)
        return self._decide(int(idx[0, 0]), int(idx[0, 1]), float(top[0, 0]), float(top[0, 1]),
                            float(parts.handoff[self.handoff_rule][0]))

    def _decide(self, best: int, second: int, score: float, second_score: float, handoff_score: float) -> Prediction:
        confidence = float(self.calibrator.predict([score])[0])
        handoff = handoff_score < self.handoff_threshold
        clarify = (not handoff and best != second and second_score >= self.threshold
                   and score - second_score < self.config.clarify_margin)
        return Prediction(
            self.slugs[best], confidence, score, self.slugs[second] if best != second else None, second_score,
            handoff=handoff, clarify=clarify,
        )


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
