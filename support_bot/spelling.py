"""A spelling-tolerant lexical channel: a misspelt word is replaced by the knowledge-base word it is closest to.

Only words that are neither in the knowledge base nor in MiniLM's own word list are touched ("cancle" ->
"cancel"; "weather" stays), and only for a close match: up to one edit for words of up to five letters, two
beyond (an adjacent swap counts as one). Lookup is a symmetric-delete index, so a question costs microseconds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def general_words() -> frozenset[str]:
    """Whole words of MiniLM's WordPiece vocabulary: real words the speller must leave alone."""
    from catalog.embeddings import model_dir

    try:
        lines = (model_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.islower() and len(w) > 2)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent transpositions)."""
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


class Speller:
    def __init__(self, texts: Iterable[str], *, known: frozenset[str] | None = None) -> None:
        counts = Counter(w for text in texts for w in _WORD.findall(text.lower()) if len(w) > 2)
        self.vocabulary = dict(counts)
        self.known = known if known is not None else general_words()
        self.index: dict[str, set[str]] = {}
        for word in self.vocabulary:
            for key in _deletes(word) | {word}:
                self.index.setdefault(key, set()).add(word)

    def suggest(self, word: str) -> str:
        if len(word) < 4 or word in self.vocabulary or word in self.known:
            return word
        candidates: set[str] = set()
        for key in _deletes(word) | {word}:
            candidates |= self.index.get(key, set())
        limit = 1 if len(word) <= 5 else 2
        scored = [(_distance(word, c), -self.vocabulary[c], c) for c in candidates]
        scored = [s for s in scored if s[0] <= limit]
        return min(scored)[2] if scored else word

    def correct(self, text: str) -> str:
        return _WORD.sub(lambda m: self.suggest(m.group(0)), text)
