"""Typo-tolerant title-name matching: pg_trgm on PostgreSQL, the same trigram measure in Python elsewhere."""

import re
import threading
import unicodedata

from django.db import connection
from django.db.models import Count, Max, Q

from catalog.models import Title

LEXICAL_MIN = 0.3  # pg_trgm's default similarity threshold
MAX_QUERY_CHARS = 200


def normalize(text: str) -> str:
    """Lower-case, accents and punctuation removed, whitespace collapsed: what queries are grouped by."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())[:MAX_QUERY_CHARS]


# --- trigram measure (pg_trgm's, for databases without it) -----------------------------------
def trigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for word in normalize(text).split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _word_similarity(query: str, name: str) -> float:
    """Best match of the query against any run of the name's words (like pg_trgm word_similarity)."""
    q_grams = trigrams(query)
    words = normalize(name).split()
    span = max(1, len(query.split()))
    best = trigram_similarity(q_grams, trigrams(name))
    for start in range(len(words)):
        best = max(best, trigram_similarity(q_grams, trigrams(" ".join(words[start : start + span]))))
    return best


_name_index_lock = threading.Lock()
_name_index: dict = {"key": None, "rows": []}


def _python_name_scores(query: str, limit: int) -> dict[int, float]:
    # The newest added_at too: ids are reused after a rollback (SQLite), so count and top id alone can repeat.
    key = tuple(Title.objects.aggregate(n=Count("id"), top=Max("id"), newest=Max("added_at")).values())
    with _name_index_lock:
        if _name_index["key"] != key:
            rows = list(Title.objects.values_list("id", "name"))
            _name_index.update(key=key, rows=[(pk, name, trigrams(name)) for pk, name in rows])
        rows = _name_index["rows"]
    q_grams = trigrams(query)
    scored = []
    for pk, name, grams in rows:
        # Cheap whole-name score first; word-run matching only where they share trigrams.
        if not q_grams & grams:
            continue
        scored.append((max(trigram_similarity(q_grams, grams), _word_similarity(query, name)), pk))
    scored.sort(reverse=True)
    return {pk: score for score, pk in scored[:limit] if score >= LEXICAL_MIN}


def _postgres_name_scores(query: str, limit: int) -> dict[int, float]:
    from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
    from django.db.models.functions import Greatest

    rows = (
        Title.objects.annotate(
            sim=Greatest(TrigramSimilarity("name", query), TrigramWordSimilarity(query, "name"))
        )
        .filter(Q(sim__gte=LEXICAL_MIN) | Q(name__icontains=query))
        .order_by("-sim")
        .values_list("id", "sim")[:limit]
    )
    return {pk: float(sim) for pk, sim in rows}


def name_scores(query: str, *, limit: int = 50) -> dict[int, float]:
    """Typo-tolerant title-name matches: `{title_id: score in 0..1}`, best first."""
    query = normalize(query)
    if not query:
        return {}
    if connection.vendor == "postgresql":
        return _postgres_name_scores(query, limit)
    return _python_name_scores(query, limit)
