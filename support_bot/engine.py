"""The trained question → FAQ entry engine (MiniLM fine-tuned on the knowledge base + TF-IDF word/char
n-grams + a classifier with an out-of-scope class, calibrated): its configuration, and the answer to one
question (the best entry, a calibrated confidence, whether to hand off or ask which entry was meant).

MiniLM is in `encoder.py`, the classifier in `entry_classifier.py`, the scores in `scoring.py`;
`training.py` fits an engine and `index.py` stores its versions (joblib pickles of `SupportEngine`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .encoder import EmbedFn, embedder

# Stored engines (joblib pickles) name it `support_bot.engine._Classifier`: keep it importable here.
from .entry_classifier import _Classifier  # noqa: F401
from .finetune import FinetuneConfig
from .questions import normalize_question
from .scoring import SCORE_RULES, _Parts, _score, _Space, _top_two
from .spelling import Speller

if TYPE_CHECKING:
    from sklearn.isotonic import IsotonicRegression

# The classifier ranks, the nearest example's similarity decides the hand-off: how these were chosen is in
# docs/benchmarks.md ("Support chatbot", weights and hand-off rule).
DEFAULT_WEIGHTS = {"classifier": 0.8, "nearest": 0.2}


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
