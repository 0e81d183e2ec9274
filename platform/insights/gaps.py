"""Catalogue gaps: genres and tags whose share of a region's demand exceeds their share of what it can watch.

Demand is viewing (the weekly summary rows) plus unmet searches (found nothing, or nobody opened what they
found) that name the genre or tag, or whose meaning is closest to it: the core's MiniLM
(`catalog.embeddings`, the model search's meaning index uses) embeds the search text and each genre name and
tag description, and a search counts for its nearest genre and its nearest tag when the cosine reaches
`MEANING_MIN` ("ww2" counts for War, "kung fu" for martial arts). One unmet search counts like one view. Supply is the share of the
titles available in the region (`Title.objects.visible_in(region, None)`: the visibility rule, any rating).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Sum

from catalog.models import Genre, Region, Tag, Title, TitleTag

from .models import Kind, WeeklyCount
from .searches import UnmetSearch, unmet_searches

if TYPE_CHECKING:
    import numpy as np

# Picked by hand on a few dozen queries against the demo vocabulary: related pairs ("ghost"/ghosts 0.68,
# "ww2"/War 0.59, "robots"/artificial intelligence 0.59) sit above it, unrelated nearest labels ("asdf",
# "christmas", "taylor swift": 0.31-0.46) below. Not measured on labelled searches.
MEANING_MIN = 0.5
MEANING_TEXTS = 200  # the most-unmet texts matched by meaning; the long tail only word for word
# Embeddings of label and search texts, kept per process so a repeat view of the gaps page embeds only texts
# it has not seen: a vector depends on the text alone (the model is fixed for the process), so a renamed
# genre or edited tag description is simply a new key. Least recently used texts are dropped beyond the bound.
VECTOR_CACHE_SIZE = 5000
_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
_vectors_lock = threading.Lock()


@dataclass
class Gap:
    kind: str  # "genre" or "tag"
    key: str  # its id
    label: str
    demand_share: float
    catalogue_share: float
    unmet_searches: int
    examples: list[UnmetSearch] = field(default_factory=list)

    @property
    def gap(self) -> float:
        return self.demand_share - self.catalogue_share


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", text) is not None


def cached_vectors(texts: list[str]) -> np.ndarray:
    """L2-normalised MiniLM vectors for `texts` (one row each), embedding only the texts not cached yet."""
    import numpy as np

    from catalog.embeddings import EMBEDDING_DIM, embed_texts

    with _vectors_lock:
        missing = list(dict.fromkeys(text for text in texts if text not in _vectors))
    fresh = embed_texts(missing) if missing else np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    with _vectors_lock:
        known = {text: _vectors[text] for text in texts if text in _vectors}
        known.update(zip(missing, fresh, strict=True))
        for text in texts:
            _vectors[text] = known[text]
            _vectors.move_to_end(text)
        while len(_vectors) > VECTOR_CACHE_SIZE:
            _vectors.popitem(last=False)
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    return np.vstack([known[text] for text in texts])


def meaning_matches(texts: list[str], labels: list[tuple[str, str, str]]) -> dict[str, set[tuple[str, str]]]:
    """{text: {(kind, key)}}: per text, the nearest label of each kind if its cosine reaches MEANING_MIN.

    labels: (kind, key, text to embed)."""
    if not texts or not labels:
        return {}
    import numpy as np

    vectors = cached_vectors(list(texts) + [text for _, _, text in labels])
    cosines = vectors[: len(texts)] @ vectors[len(texts) :].T
    kinds = np.array([kind for kind, _, _ in labels])
    found: dict[str, set[tuple[str, str]]] = {text: set() for text in texts}
    for kind in set(kinds.tolist()):
        columns = np.flatnonzero(kinds == kind)
        best = columns[np.argmax(cosines[:, columns], axis=1)]
        for row, column in enumerate(best):
            if cosines[row, column] >= MEANING_MIN:
                found[texts[row]].add(labels[column][:2])
    return found


def catalogue_gaps(region: Region, *, last_week: date, weeks: int = 4, limit: int = 15) -> list[Gap]:
    """The region's genres and tags ranked by demand share minus catalogue share, positive gaps only."""
    window = WeeklyCount.objects.filter(
        region=region, week__gt=last_week - timedelta(weeks=weeks), week__lte=last_week
    )
    # Every row of a region-week carries the week's total of views: take it once per week.
    view_total = sum(
        window.filter(kind=Kind.TITLE).values("week").annotate(t=Max("total")).values_list("t", flat=True)
    )
    viewing = {
        (kind, key): n
        for kind, key, n in window.filter(kind__in=[Kind.GENRE, Kind.TAG])
        .values_list("kind", "key")
        .annotate(n=Sum("count"))
    }
    unmet = unmet_searches(region.pk, last_week=last_week, weeks=weeks, limit=10_000)
    unmet_total = sum(u.unmet for u in unmet)
    available = Title.objects.visible_in(region, None)
    n_titles = available.count()
    supply = {
        (Kind.GENRE, str(g)): n
        for g, n in available.filter(genres__isnull=False)
        .values_list("genres")
        .annotate(n=Count("id", distinct=True))
    }
    supply |= {
        (Kind.TAG, str(t)): n
        for t, n in TitleTag.objects.filter(title__in=available)
        .values_list("tag")
        .annotate(n=Count("title", distinct=True))
    }
    demand_total = view_total + unmet_total
    if not demand_total or not n_titles:
        return []
    labels = [(Kind.GENRE, str(pk), name, name) for pk, name in Genre.objects.values_list("pk", "name")]
    labels += [
        (Kind.TAG, str(pk), name, f"{name}: {description}" if description else name)
        for pk, name, description in Tag.objects.values_list("pk", "name", "description")
    ]
    by_meaning = meaning_matches(
        [u.text for u in unmet[:MEANING_TEXTS]], [(kind, key, text) for kind, key, _, text in labels]
    )
    gaps = []
    for kind, pk, name, _text in labels:
        examples = [u for u in unmet if _mentions(u.text, name) or (kind, pk) in by_meaning.get(u.text, ())]
        searched = sum(u.unmet for u in examples)
        demand = (viewing.get((kind, pk), 0) + searched) / demand_total
        share = supply.get((kind, pk), 0) / n_titles
        if demand > share:
            gaps.append(Gap(kind, pk, name, demand, share, searched, examples[:3]))
    gaps.sort(key=lambda g: -g.gap)
    return gaps[:limit]
