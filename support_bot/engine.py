"""The question → FAQ entry engine: MiniLM similarity + TF-IDF word/char n-grams + a classifier, calibrated.

Training is a plain function over (question, entry id) pairs so a test, the Celery task and the benchmark
build it the same way. Every threshold comes from cross-validation over the knowledge base's own
paraphrases (never from the benchmark's held-out set):

- confidence is the combined top score mapped through isotonic regression fitted on out-of-fold
  predictions, i.e. P(the top entry is right) for an in-scope question;
- the hand-off threshold is the out-of-fold quantile, of the nearest example's similarity, that rejects
  `target_frr` of valid questions (see `EngineConfig.handoff_rule`).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

EmbedFn = Callable[[list[str]], np.ndarray]
Reporter = Callable[[int, int, str], None]

# The classifier ranks, the nearest example's similarity decides the hand-off: how these were chosen is in
# docs/benchmarks.md ("Support chatbot", weights and hand-off rule).
DEFAULT_WEIGHTS = {"classifier": 0.8, "nearest": 0.2}


# Asking for a person is answered by handing off at once, whatever the knowledge base holds.
_PERSON = (r"(?:a |an |to |some |one |the |real |actual |live |proper |human )*"
           r"(?:human|person|people|agent|someone|somebody|representative|rep|operator|staff|advisor|adviser"
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


def embedder(config: EngineConfig) -> EmbedFn:
    """MiniLM as the engine was trained with it: int8 or float32 (the two give different vectors)."""
    quantized = getattr(config, "int8_embeddings", False)  # artefacts from before the option were float32
    return lambda texts: default_embed(texts, quantized=quantized)


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
    target_frr: float = 0.05
    clarify_margin: float = 0.06
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # MiniLM vectors are scaled against the TF-IDF blocks inside the classifier (chosen by KB cross-validation).
    embedding_scale: float = 3.0
    # Ten folds: each out-of-fold model misses a tenth of an entry's examples, so the threshold taken from
    # their scores is closer to what the deployed model scores (five folds set it too low).
    folds: int = 10
    seed: int = 13
    # "nearest": hand off when no KB example is similar enough; "combined": when the combined top score is low.
    handoff_rule: str = "nearest"
    # MiniLM with int8 Linear layers, for training and answering alike: ~3x faster per question on one
    # CPU thread; what it does to accuracy and out-of-scope recall is measured by bench/support_bot.py.
    int8_embeddings: bool = True


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


def _nearest_by_entry(query_emb: np.ndarray, example_emb: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Max cosine similarity between each query and each entry's examples (examples sorted by entry)."""
    sims = query_emb @ example_emb.T
    return np.clip(np.maximum.reduceat(sims, starts, axis=1), 0.0, 1.0)


def _combine(weights: dict[str, float], classifier: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    return weights["classifier"] * classifier + weights["nearest"] * nearest


def _top_two(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if scores.shape[1] == 1:
        idx = np.zeros((scores.shape[0], 2), dtype=int)
        return idx, np.column_stack([scores[:, 0], np.zeros(scores.shape[0])])
    idx = np.argsort(-scores, axis=1)[:, :2]
    return idx, np.take_along_axis(scores, idx, axis=1)


class SupportEngine:
    """A trained engine: predicts the best entry for a question, with a calibrated confidence."""

    def __init__(self, slugs: list[str], config: EngineConfig) -> None:
        self.slugs = slugs
        self.config = config
        self.classifier: _Classifier | None = None
        self.example_emb = np.zeros((0, 384), dtype=np.float32)
        self.starts = np.zeros(0, dtype=int)
        self.calibrator: IsotonicRegression | None = None
        self.threshold = 0.0
        self.nearest_threshold = 0.0
        self.metrics: dict[str, float] = {}
        self.known_examples: dict[str, int] = {}
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
        self.__dict__.update(state)
        self._embed = embedder(self.config)
        self._cache = OrderedDict()
        self._cache_lock = threading.Lock()

    def use_embedder(self, embed: EmbedFn) -> None:
        self._embed = embed
        self._cache.clear()

    def _embed_question(self, text: str) -> np.ndarray:
        # A question worded exactly like a KB example already has its vector from training.
        known = getattr(self, "known_examples", {}).get(text)
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
    def _hands_off_by_nearest(self) -> bool:
        return getattr(self.config, "handoff_rule", "combined") == "nearest"  # older artefacts: "combined"

    @property
    def handoff_threshold(self) -> float:
        """The score under which questions go to a person, on the scale `EngineConfig.handoff_rule` names."""
        return self.nearest_threshold if self._hands_off_by_nearest else self.threshold

    def _score_parts(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """(combined score, nearest-example similarity) of every entry for one question."""
        text = normalize_question(question)
        query = self._embed_question(text)[None, :]
        classifier = self.classifier.proba([text], query, len(self.slugs))
        nearest = _nearest_by_entry(query, self.example_emb, self.starts)
        return _combine(self.config.weights, classifier, nearest)[0], nearest[0]

    def predict(self, question: str) -> Prediction:
        if not self.slugs or self.classifier is None or not normalize_question(question):
            return Prediction(None, 0.0, 0.0, None, 0.0, handoff=True, clarify=False)
        combined, nearest = self._score_parts(question)
        idx, top = _top_two(combined[None, :])
        return self._decide(int(idx[0, 0]), int(idx[0, 1]), float(top[0, 0]), float(top[0, 1]), float(nearest.max()))

    def _decide(self, best: int, second: int, score: float, second_score: float, nearest: float) -> Prediction:
        confidence = float(self.calibrator.predict([score])[0])
        handoff = (nearest if self._hands_off_by_nearest else score) < self.handoff_threshold
        clarify = (not handoff and best != second and second_score >= self.threshold
                   and score - second_score < self.config.clarify_margin)
        return Prediction(
            self.slugs[best], confidence, score, self.slugs[second] if best != second else None, second_score,
            handoff=handoff, clarify=clarify,
        )


def _scores_for(classifier: _Classifier, weights: dict[str, float], texts: list[str], emb: np.ndarray,
                example_emb: np.ndarray, starts: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(combined scores, nearest-example similarities), each (len(texts), n_classes)."""
    probs = classifier.proba(texts, emb, n_classes)
    nearest = _nearest_by_entry(emb, example_emb, starts)
    return _combine(weights, probs, nearest), nearest


def _fold_of(labels: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Deal each entry's examples round-robin into folds after a seeded shuffle (stratified by entry)."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(labels), dtype=int)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        fold[members] = (np.arange(len(members)) + rng.integers(folds)) % folds
    return fold


def train_engine(examples: Sequence[tuple[str, str]], config: EngineConfig | None = None, *,
                 embed: EmbedFn | None = None, report: Reporter | None = None) -> SupportEngine:
    """Fit the engine on (question, entry slug) pairs and choose its thresholds by cross-validation."""
    config = config or EngineConfig()
    embed = embed or embedder(config)
    report = report or (lambda done, total, note="": None)
    pairs = sorted({(normalize_question(q), slug) for q, slug in examples if normalize_question(q)},
                   key=lambda pair: (pair[1], pair[0]))
    slugs = sorted({slug for _, slug in pairs})
    engine = SupportEngine(slugs, config)
    engine.use_embedder(embed)
    if len(slugs) < 2:
        raise ValueError("the knowledge base needs at least two entries with example questions")
    index = {slug: i for i, slug in enumerate(slugs)}
    texts = [q for q, _ in pairs]
    labels = np.array([index[slug] for _, slug in pairs])
    total_steps = config.folds + 2
    report(0, total_steps, "embedding examples")
    emb = embed(texts).astype(np.float32)
    report(1, total_steps, "cross-validating")

    oof = np.zeros((len(texts), len(slugs)))
    oof_nearest = np.zeros((len(texts), len(slugs)))
    fold = _fold_of(labels, config.folds, config.seed)
    for k in range(config.folds):
        held, kept = fold == k, fold != k
        if not held.any() or len(np.unique(labels[kept])) < 2:
            continue
        kept_idx, held_idx = np.flatnonzero(kept), np.flatnonzero(held)
        classifier = _Classifier(config).fit([texts[i] for i in kept_idx], emb[kept], labels[kept])
        # Nearest-example scores need a row per entry: an entry with no kept example gets a zero vector.
        ex_lab = np.concatenate([labels[kept], np.arange(len(slugs))])
        ex_emb = np.vstack([emb[kept], np.zeros((len(slugs), emb.shape[1]), dtype=np.float32)])
        order = np.argsort(ex_lab, kind="stable")
        starts = np.searchsorted(ex_lab[order], np.arange(len(slugs)))
        oof[held], oof_nearest[held] = _scores_for(classifier, config.weights, [texts[i] for i in held_idx],
                                                   emb[held], ex_emb[order], starts, len(slugs))
        report(2 + k, total_steps, f"fold {k + 1}/{config.folds}")

    _choose_thresholds(engine, labels, oof, oof_nearest.max(axis=1))
    engine.classifier = _Classifier(config).fit(texts, emb, labels)
    engine.example_emb = emb
    engine.starts = np.searchsorted(labels, np.arange(len(slugs)))
    engine.known_examples = {text: i for i, text in enumerate(texts)}
    report(total_steps, total_steps, "trained")
    return engine


def _choose_thresholds(engine: SupportEngine, labels: np.ndarray, oof: np.ndarray, oof_nearest: np.ndarray) -> None:
    config = engine.config
    idx, top = _top_two(oof)
    correct = (idx[:, 0] == labels).astype(float)
    engine.calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(top[:, 0], correct)
    # Reject the lowest-scoring `target_frr` share of valid (in-scope) questions, no more. The combined-score
    # threshold also bounds which runner-up is plausible enough to offer in a "which did you mean?".
    engine.threshold = float(np.quantile(top[:, 0], config.target_frr))
    engine.nearest_threshold = float(np.quantile(oof_nearest, config.target_frr))
    if config.handoff_rule == "nearest":
        accepted = oof_nearest >= engine.nearest_threshold
    else:
        accepted = top[:, 0] >= engine.threshold
    clarified = accepted & (top[:, 0] - top[:, 1] < config.clarify_margin) & (top[:, 1] >= engine.threshold)
    in_pair = (idx[:, 0] == labels) | (idx[:, 1] == labels)
    engine.metrics = {
        "cv_examples": int(len(labels)),
        "cv_top1_accuracy": float(correct.mean()),
        "cv_accuracy_accepted": float(correct[accepted].mean()) if accepted.any() else 0.0,
        "cv_false_rejection_rate": float(1 - accepted.mean()),
        "cv_clarify_rate": float(clarified.mean()),
        "cv_clarify_settled": float(in_pair[clarified].mean()) if clarified.any() else 0.0,
        "threshold": engine.threshold,
        "nearest_threshold": engine.nearest_threshold,
        "threshold_confidence": float(engine.calibrator.predict([engine.threshold])[0]),
    }
