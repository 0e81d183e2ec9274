"""Meaning search: a precomputed MiniLM index of each title's text, so a query embeds one short string
at request time and never the catalogue."""

import hashlib
import threading

import numpy as np
from django.db import transaction
from django.db.models import Count, Max, Prefetch

from catalog.models import Title, TitleTag, subscriber_tag_names
from jobs import Progress

from .models import TitleSearchVector
from .names import MAX_QUERY_CHARS, normalize

SEMANTIC_MIN = 0.25  # MiniLM cosine below this is mostly noise (unrelated text scores ~0.0-0.2)

_vector_cache_lock = threading.Lock()
_vector_cache: dict = {
    "key": None,
    "ids": np.zeros(0, dtype=np.int64),
    "matrix": np.zeros((0, 384), np.float32),
}


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


def _indexed_titles(ids: list[int]):
    """The titles with their genres and the tags a subscriber may see, prefetched for `index_text`."""
    shown = TitleTag.objects.shown_to_subscribers().select_related("tag")
    return Title.objects.filter(pk__in=ids).prefetch_related(
        "genres", Prefetch("title_tags", queryset=shown, to_attr="subscriber_tags")
    )


def index_text(title: Title) -> str:
    """The text a title is found by. Only tags a subscriber may see go in (the core's one rule), so a
    search never matches a title by an internal tag (colour, on-screen text, an unreviewed guess)."""
    genres = ", ".join(g.name for g in title.genres.all())
    if hasattr(title, "subscriber_tags"):
        tags = ", ".join(sorted({row.tag.name for row in title.subscriber_tags}))
    else:
        tags = ", ".join(subscriber_tag_names(title))
    return f"{title.name}. {title.synopsis} Genres: {genres}. Tags: {tags}."


def embed_changed_titles(report: Progress | None = None, *, batch_size: int = 256) -> dict:
    """Embed every title whose text changed since the last build (callers hold the job lock: services)."""
    from catalog.embeddings import embed_texts

    all_ids = list(Title.objects.order_by("id").values_list("id", flat=True))
    known = dict(TitleSearchVector.objects.values_list("title_id", "text_hash"))
    total, embedded = len(all_ids), 0
    for start in range(0, total, batch_size):
        batch_ids = all_ids[start : start + batch_size]
        titles = _indexed_titles(batch_ids)
        texts = {t.pk: index_text(t) for t in titles}
        hashes = {pk: hashlib.sha256(text.encode()).hexdigest() for pk, text in texts.items()}
        stale = [pk for pk in texts if known.get(pk) != hashes[pk]]
        if stale:
            vectors = embed_texts([texts[pk] for pk in stale])
            with transaction.atomic():
                for pk, vector in zip(stale, vectors, strict=True):
                    TitleSearchVector.objects.update_or_create(
                        title_id=pk,
                        defaults={"vector": vector.astype(np.float32).tobytes(), "text_hash": hashes[pk]},
                    )
            embedded += len(stale)
        if report:
            report(min(start + batch_size, total), total, f"{embedded} titles embedded")
    return {"titles": total, "embedded": embedded, "unchanged": total - embedded}
