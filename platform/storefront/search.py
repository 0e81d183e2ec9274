"""Title search: typo-tolerant name matching blended with semantic search over synopses and tags.

Names are matched with pg_trgm on PostgreSQL and with the same trigram measure computed in
Python elsewhere (SQLite in development). Meaning is matched against a precomputed MiniLM
index of each title's text (`TitleSearchVector`, rebuilt by a task), so a query embeds one
short string at request time and never the catalog.
"""

import hashlib
import logging
import re
import threading
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from accounts.models import Profile
from activity.models import SearchQuery
from catalog.models import Title

from .models import TitleSearchVector

log = logging.getLogger(__name__)

LEXICAL_MIN = 0.3  # pg_trgm's default similarity threshold
SEMANTIC_MIN = 0.25  # MiniLM cosine below this is mostly noise (unrelated text scores ~0.0-0.2)
LEXICAL_WEIGHT = 0.65
MAX_QUERY_CHARS = 200


@dataclass
class SearchHit:
    title: Title
    score: float
    lexical: float
    semantic: float


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    semantic_used: bool = False


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
        Title.objects.annotate(sim=Greatest(TrigramSimilarity("name", query), TrigramWordSimilarity(query, "name")))
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


# --- semantic index ---------------------------------------------------------------------------
_vector_cache_lock = threading.Lock()
_vector_cache: dict = {"key": None, "ids": np.zeros(0, dtype=np.int64), "matrix": np.zeros((0, 384), np.float32)}


def _vector_index() -> tuple[np.ndarray, np.ndarray]:
    """All title vectors as one matrix, reloaded only when the index changed since the last search."""
    key = tuple(TitleSearchVector.objects.aggregate(n=Count("id"), at=Max("updated_at")).values())
    with _vector_cache_lock:
        if _vector_cache["key"] != key:
            ids, vectors = [], []
            for title_id, raw in TitleSearchVector.objects.values_list("title_id", "vector").iterator(2000):
                ids.append(title_id)
                vectors.append(np.frombuffer(bytes(raw), dtype=np.float32))
            matrix = np.vstack(vectors) if vectors else np.zeros((0, 384), np.float32)
            _vector_cache.update(key=key, ids=np.asarray(ids, dtype=np.int64), matrix=matrix)
        return _vector_cache["ids"], _vector_cache["matrix"]


def meaning_scores(query: str, *, limit: int = 50) -> dict[int, float]:
    """Titles whose synopsis, genres and tags are close in meaning to the query: `{title_id: cosine}`."""
    ids, matrix = _vector_index()
    if not len(ids) or not normalize(query):
        return {}
    from catalog.embeddings import embed_texts

    sims = matrix @ embed_texts([query[:MAX_QUERY_CHARS]])[0]
    top = np.argsort(-sims)[:limit]
    return {int(ids[i]): float(sims[i]) for i in top if sims[i] >= SEMANTIC_MIN}


def _visible(profile: Profile | None):
    """The titles `profile` may see (the core's rule); every title for staff tools and tests (None)."""
    return Title.objects.all() if profile is None else Title.objects.visible_to(profile)


def search_titles(query: str, *, profile: Profile | None, limit: int = 30, semantic: bool = True) -> SearchResults:
    """Blend name matches with meaning matches, best first, among the titles `profile` may see."""
    results = SearchResults(query=query)
    lexical = name_scores(query, limit=limit * 2)
    meaning = meaning_scores(query, limit=limit * 2) if semantic else {}
    results.semantic_used = bool(meaning)
    blended = {}
    for title_id in lexical.keys() | meaning.keys():
        lex, sem = lexical.get(title_id, 0.0), meaning.get(title_id, 0.0)
        # Rescale cosine so a strong meaning match (~0.5) weighs like a close name match.
        sem_scaled = min(1.0, max(0.0, (sem - 0.15) / 0.35))
        blended[title_id] = (LEXICAL_WEIGHT * lex + (1 - LEXICAL_WEIGHT) * sem_scaled, lex, sem)
    if not blended:
        return results
    titles = _visible(profile).filter(pk__in=blended.keys()).only("id", "name", "year")
    for title in titles:
        score, lex, sem = blended[title.pk]
        results.hits.append(SearchHit(title, score, lex, sem))
    results.hits.sort(key=lambda hit: (-hit.score, hit.title.name))
    del results.hits[limit:]
    return results


def suggest(query: str, *, profile: Profile | None, limit: int = 8) -> list[Title]:
    """As-you-type suggestions: name matches only, so each keystroke stays a single cheap lookup."""
    scores = name_scores(query, limit=limit * 3)
    if not scores:
        return []
    titles = {t.pk: t for t in _visible(profile).filter(pk__in=scores).only("id", "name", "year")}
    ranked = sorted(titles.values(), key=lambda t: (-scores[t.pk], t.name))
    return ranked[:limit]


def log_search(profile: Profile, text: str, results_count: int) -> SearchQuery:
    return SearchQuery.objects.create(
        profile=profile, text=text[:MAX_QUERY_CHARS], normalized_text=normalize(text), results_count=results_count
    )


def record_opened(profile: Profile, search_id: int | str, title: Title) -> None:
    """Remember which title a search led to (only the profile's own searches)."""
    try:
        SearchQuery.objects.filter(profile=profile, pk=int(search_id), opened_title__isnull=True).update(
            opened_title=title
        )
    except (TypeError, ValueError):
        return


def popular_titles(profile: Profile, *, limit: int = 12) -> list[Title]:
    """Most watched lately among the titles the profile may see (cached briefly per region and maturity
    limit): what a zero-result search suggests."""
    cache_key = f"storefront:popular:{profile.account.region_id}:{profile.maturity_limit}:{limit}"
    ids = cache.get(cache_key)
    if ids is None:
        since = timezone.now() - timedelta(days=30)
        ids = list(
            Title.objects.visible_to(profile)
            .annotate(
                recent=Count("viewing_events", filter=Q(viewing_events__started_at__gte=since), distinct=True),
                rated=Count("ratings", distinct=True),
            )
            .order_by("-recent", "-rated", "name")
            .values_list("id", flat=True)[:limit]
        )
        cache.set(cache_key, ids, 600)
    by_id = Title.objects.only("id", "name", "year").in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


# --- index rebuild ----------------------------------------------------------------------------
def index_text(title: Title) -> str:
    genres = ", ".join(g.name for g in title.genres.all())
    tags = ", ".join(sorted({t.name for t in title.tags.all()}))
    return f"{title.name}. {title.synopsis} Genres: {genres}. Tags: {tags}."


def rebuild_search_index(report: Callable[[int, int, str], None] | None = None, *, batch_size: int = 256) -> dict:
    """Embed every title whose text changed since the last build; returns counts for the caller."""
    from catalog.embeddings import embed_texts

    all_ids = list(Title.objects.order_by("id").values_list("id", flat=True))
    known = dict(TitleSearchVector.objects.values_list("title_id", "text_hash"))
    total, embedded = len(all_ids), 0
    for start in range(0, total, batch_size):
        batch_ids = all_ids[start : start + batch_size]
        titles = Title.objects.filter(pk__in=batch_ids).prefetch_related("genres", "tags")
        texts = {t.pk: index_text(t) for t in titles}
        hashes = {pk: hashlib.sha256(text.encode()).hexdigest() for pk, text in texts.items()}
        stale = [pk for pk in texts if known.get(pk) != hashes[pk]]
        if stale:
            vectors = embed_texts([texts[pk] for pk in stale])
            with transaction.atomic():
                for pk, vector in zip(stale, vectors, strict=True):
                    TitleSearchVector.objects.update_or_create(
                        title_id=pk, defaults={"vector": vector.astype(np.float32).tobytes(), "text_hash": hashes[pk]}
                    )
            embedded += len(stale)
        if report:
            report(min(start + batch_size, total), total, f"{embedded} titles embedded")
    return {"titles": total, "embedded": embedded, "unchanged": total - embedded}


def enqueue_search_index_rebuild() -> str:
    """Queue a rebuild after the current transaction commits; returns the Celery task id to poll."""
    from .tasks import rebuild_search_index as task

    task_id = str(uuid.uuid4())
    # Embedding the catalog is model work: keep it off the queue people's clicks wait on.
    transaction.on_commit(lambda: task.apply_async(task_id=task_id, queue="ml"))
    return task_id
