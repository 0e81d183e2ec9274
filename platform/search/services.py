"""Title search, the public face: typo-tolerant name matching blended with meaning search over synopses
and tags, the search log, and the index rebuild (under its job lock, however it is started).

Names are matched in `names.py` (pg_trgm on PostgreSQL, the same measure in Python elsewhere); meaning
against the MiniLM index in `meaning.py`. The storefront's pages, the dashboard button, the hourly beat
entry and `manage.py rebuild_search_index` all come through here.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Profile
from activity.models import SearchQuery
from catalog.models import Title
from jobs import JobAlreadyRunning, Progress, enqueue_on_commit, exclusive_job

from . import meaning
from .names import LEXICAL_MIN, MAX_QUERY_CHARS, name_scores, normalize

__all__ = [
    "LEXICAL_MIN",
    "MAX_QUERY_CHARS",
    "INDEX_LOCK",
    "JobAlreadyRunning",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "enqueue_search_index_rebuild",
    "log_search",
    "name_scores",
    "normalize",
    "popular_titles",
    "rebuild_search_index",
    "record_opened",
    "search_titles",
    "suggest",
]

LEXICAL_WEIGHT = 0.65
INDEX_LOCK = "search.rebuild_search_index"
REBUILD_TASK = "search.tasks.rebuild_search_index"  # routed to `ml` by CELERY_TASK_ROUTES


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


def _visible(profile: Profile | None):
    """The titles `profile` may see (the core's rule); every title for staff tools and tests (None)."""
    return Title.objects.all() if profile is None else Title.objects.visible_to(profile)


def search_titles(
    query: str, *, profile: Profile | None, limit: int = 30, semantic: bool = True
) -> SearchResults:
    """Blend name matches with meaning matches, best first, among the titles `profile` may see."""
    results = SearchResults(query=query)
    lexical = name_scores(query, limit=limit * 2)
    by_meaning = meaning.meaning_scores(query, limit=limit * 2) if semantic else {}
    results.semantic_used = bool(by_meaning)
    blended = {}
    for title_id in lexical.keys() | by_meaning.keys():
        lex, sem = lexical.get(title_id, 0.0), by_meaning.get(title_id, 0.0)
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
    text = text.replace("\x00", "")  # PostgreSQL text cannot hold NUL; nothing a person types has one
    return SearchQuery.objects.create(
        profile=profile,
        text=text[:MAX_QUERY_CHARS],
        normalized_text=normalize(text),
        results_count=results_count,
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
    cache_key = (
        f"storefront:popular:{profile.account.region_id}:{profile.maturity_limit}:{limit}"  # name kept
    )
    ids = cache.get(cache_key)
    if ids is None:
        since = timezone.now() - timedelta(days=30)
        ids = list(
            Title.objects.visible_to(profile)
            .annotate(
                recent=Count(
                    "viewing_events", filter=Q(viewing_events__started_at__gte=since), distinct=True
                ),
                rated=Count("ratings", distinct=True),
            )
            .order_by("-recent", "-rated", "name")
            .values_list("id", flat=True)[:limit]
        )
        cache.set(cache_key, ids, 600)
    by_id = Title.objects.only("id", "name", "year").in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def rebuild_search_index(report: Progress | None = None, *, batch_size: int = 256) -> dict:
    """Embed every title whose text changed since the last build; returns counts for the caller.

    Runs under the `search.rebuild_search_index` job lock whoever calls it (the task, the command `make run`
    uses, a test): raises `JobAlreadyRunning` while another rebuild holds it.
    """
    with exclusive_job(INDEX_LOCK):
        return meaning.embed_changed_titles(report, batch_size=batch_size)


def enqueue_search_index_rebuild() -> str:
    """Queue a rebuild after the current transaction commits; returns the Celery task id to poll."""
    return enqueue_on_commit(REBUILD_TASK)
