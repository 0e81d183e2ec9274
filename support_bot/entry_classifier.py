"""The engine's entry classifier: the lexical channel (TF-IDF word n-grams, and character n-grams that
survive typos) beside the MiniLM vector, in one logistic regression."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

if TYPE_CHECKING:
    from .engine import EngineConfig


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
