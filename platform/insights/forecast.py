"""What a title we do not have would be worth in each market: a cold-start forecast from its description alone.

The recommender scores the described title from its genres, tags and year
(`recommendations.services.score_cold_title`: the active model's feature embeddings, for every profile it
was trained on). Per region the forecast says how many profiles would have it in their top 50, the five
most similar existing titles available there with their actual first-month viewers, and the expected
first-month viewers: a blend, in log(1 + viewers), of five estimates of that number (`BLEND`):

- reach: the nearest titles' mean first-month viewers, scaled by the candidate's top-50 reach against theirs;
- similar: the nearest titles' mean first-month viewers;
- genres: the region's mean first-month viewers per title of each of the candidate's genres;
- tags: the same for its tags (weighted like its tag features);
- regression: a per-region ridge regression of log(1 + first-month viewers) on genre and tag indicators,
  fitted on the other titles and read at the candidate's.

The description is `insights.candidates.CandidateTitle`. The synopsis adds tags through the core's MiniLM (a tag whose description it matches closely counts like a
model-suggested tag). The runtime is accepted and echoed but not used: the hybrid has no runtime feature,
and neither world the forecast is checked on carries a runtime signal (ml-latest-small has no runtimes;
`seed_demo` draws them independently of taste), so a runtime weight could not be chosen or checked.

No interaction of the candidate is ever read, so forecasting an existing title from its features (the
`exclude_title_id` path, used to check the forecast honestly) reads only other titles' logs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

import numpy as np
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, OuterRef, Subquery

from accounts.models import Profile
from activity.models import ViewingEvent
from catalog.models import Region, Title, TitleTag

from .candidates import CandidateTitle, synopsis_tags

TOP_K = 50
SIMILAR = 5
FIRST_MONTH = timedelta(days=30)
NEIGHBOURS = SIMILAR * 4  # nearest titles fetched, so each region still has five it can show
# Weights of the four estimates in log(1 + viewers), chosen on the validation titles of the seed_demo world
# by `bench/insights.py forecast` (its separate test titles report them; docs/benchmarks.md).
BLEND = {"reach": 0.0, "similar": 0.0, "genres": 0.3, "tags": 0.0, "regression": 0.7}
RIDGE_ALPHA = 1.0  # of the regional regression, chosen on the same validation titles


# -- the forecast --------------------------------------------------------------------------------------
def first_month_viewers(
    title_ids: list[int] | None = None, *, exclude_title_id: int | None = None
) -> dict[int, dict[int, int]]:
    """{title: {region: distinct profiles who watched it in its first 30 days}}, from its first view anywhere.

    One GROUP BY over the given titles (None: every title with a view), never reading `exclude_title_id`.
    The first view, not `added_at`: imported catalogues carry no date the title arrived on the service.
    """
    views = ViewingEvent.objects.filter(hidden_at__isnull=True)
    if exclude_title_id is not None:
        views = views.exclude(title_id=exclude_title_id)
    if title_ids is not None:
        views = views.filter(title_id__in=title_ids)
    first = (
        ViewingEvent.objects.filter(title_id=OuterRef("title_id"), hidden_at__isnull=True)
        .order_by("started_at")
        .values("started_at")[:1]
    )
    rows = (
        views.filter(profile__account__region__isnull=False)
        .annotate(first=Subquery(first))
        .filter(started_at__lt=ExpressionWrapper(F("first") + FIRST_MONTH, output_field=DateTimeField()))
        .values_list("title_id", "profile__account__region_id")
        .annotate(n=Count("profile_id", distinct=True))
        .order_by()
    )
    found: dict[int, dict[int, int]] = {t: {} for t in title_ids or []}
    for title_id, region_id, n in rows:
        found.setdefault(title_id, {})[region_id] = n
    return found


def expected_viewers(reach: float, similar_reach: np.ndarray, similar_actual: np.ndarray) -> float:
    """The neighbours' mean first-month viewers, scaled by the candidate's top-k reach against theirs (+1 smoothed)."""
    if not len(similar_actual):
        return 0.0
    return float(similar_actual.mean() * (reach + 1) / (similar_reach.mean() + 1))


def feature_popularity(membership: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """features x regions: mean first-month viewers per title having the feature (titles x features in,
    titles x regions in); NaN for a feature no title has."""
    counts = membership.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (membership.T @ actual) / counts[:, None]


def candidate_popularity(weights: np.ndarray, table: np.ndarray) -> np.ndarray | None:
    """Per region, the weighted mean of `table`'s rows over the candidate's features that some title has."""
    use = (weights > 0) & ~np.isnan(table[:, 0])
    if not use.any():
        return None
    return (weights[use] @ table[use]) / weights[use].sum()


def regional_regression(membership: np.ndarray, actual: np.ndarray, candidates: np.ndarray, alpha: float) -> np.ndarray:
    """Per region, expm1 of a ridge regression of log(1 + first-month viewers) on the titles' genre and tag
    indicators (titles x features, titles x regions), read at each candidate's (candidates x features in,
    candidates x regions out)."""
    target = np.log1p(actual)
    mean_x, mean_y = membership.mean(axis=0), target.mean(axis=0)
    x = membership - mean_x
    # The dual form when there are fewer titles than features (MovieLens' free-text tags): same answer.
    if x.shape[0] < x.shape[1]:
        beta = x.T @ np.linalg.solve(x @ x.T + alpha * np.eye(x.shape[0]), target - mean_y)
    else:
        beta = np.linalg.solve(x.T @ x + alpha * np.eye(x.shape[1]), x.T @ (target - mean_y))
    return np.expm1((candidates - mean_x) @ beta + mean_y)


def blend_viewers(estimates: dict[str, float | None], weights: dict[str, float] = BLEND) -> float:
    """expm1 of the weighted mean of log1p(estimate), over the estimates that exist (weights renormalised)."""
    present = {k: max(float(v), 0.0) for k, v in estimates.items() if v is not None and weights.get(k, 0) > 0}
    if not present:
        return 0.0
    total = sum(weights[k] for k in present)
    return float(np.expm1(sum(weights[k] * np.log1p(v) for k, v in present.items()) / total))


def _every_first_month(exclude_title_id: int | None) -> dict[int, dict[int, int]]:
    """`first_month_viewers` of every title, cached until the visible viewing log changes (one correlated
    subquery per view: seconds on a large log, and staff forecast several candidates in a row)."""
    from django.core.cache import cache
    from django.db.models import Max

    state = ViewingEvent.objects.filter(hidden_at__isnull=True).aggregate(n=Count("id"), at=Max("updated_at"))
    key = f"insights:first-month:{exclude_title_id}:{state['n']}:{state['at'] and state['at'].isoformat()}"
    found = cache.get(key)
    if found is None:
        found = first_month_viewers(exclude_title_id=exclude_title_id)
        cache.set(key, found, 3600)
    return found


def _regional_popularity(
    candidate_genres: list[str], tag_weights: dict[str, float], regions: list[Region], exclude_title_id: int | None
) -> dict[str, np.ndarray | None]:
    """The candidate's genre and tag popularity and its regional regression, per region (in `regions`' order),
    from the other titles' first months."""
    actual = _every_first_month(exclude_title_id)
    titles = sorted(actual)
    if not titles:
        return {"genres": None, "tags": None, "regression": None}
    row = {t: i for i, t in enumerate(titles)}
    column = {r.pk: j for j, r in enumerate(regions)}
    viewers = np.zeros((len(titles), len(regions)))
    for title_id, by_region in actual.items():
        for region_id, n in by_region.items():
            if region_id in column:
                viewers[row[title_id], column[region_id]] = n
    links = [(t, f"genre:{g}") for t, g in Title.genres.through.objects.values_list("title_id", "genre__slug")]
    links += [(t, f"tag:{g}") for t, g in TitleTag.objects.values_list("title_id", "tag__slug")]
    features = sorted({name for t, name in links if t in row})
    index = {name: j for j, name in enumerate(features)}
    membership = np.zeros((len(titles), len(features)))
    for title_id, name in links:
        if title_id in row:
            membership[row[title_id], index[name]] = 1
    wanted = {f"genre:{g}": 1.0 for g in candidate_genres} | {f"tag:{t}": w for t, w in tag_weights.items()}
    weights = np.array([wanted.get(name, 0.0) for name in features])
    is_genre = np.array([name.startswith("genre:") for name in features], dtype=bool)
    table = feature_popularity(membership, viewers)
    return {
        "genres": candidate_popularity(np.where(is_genre, weights, 0.0), table),
        "tags": candidate_popularity(np.where(is_genre, 0.0, weights), table),
        "regression": regional_regression(membership, viewers, np.minimum(weights, 1.0)[None, :], RIDGE_ALPHA)[0]
        if features and weights.any()
        else None,
    }


@dataclass
class SimilarTitle:
    id: int
    name: str
    similarity: float
    first_month_viewers: int
    profiles_with_it_in_top_50: int


@dataclass
class RegionForecast:
    region: str
    name: str
    profiles: int  # profiles of the region the model scored
    profiles_with_it_in_top_50: int
    expected_first_month_viewers: float
    similar_titles: list[SimilarTitle]

    def as_dict(self) -> dict:
        return asdict(self)


def forecast(
    candidate: CandidateTitle, *, exclude_title_id: int | None = None, use_synopsis: bool = True
) -> list[RegionForecast]:
    """One forecast per region (every region, even one without profiles). Empty without an active model."""
    from recommendations.services import score_cold_title

    tag_weights = {slug: 1.0 for slug in candidate.tags}  # staff describe it: curated like staff tags
    if use_synopsis:
        for slug, weight in synopsis_tags(candidate.synopsis, exclude=set(candidate.tags)).items():
            tag_weights.setdefault(slug, weight)
    scored = score_cold_title(
        candidate.genres,
        tag_weights,
        candidate.year,
        k=TOP_K,
        similar=NEIGHBOURS,
        exclude_title_id=exclude_title_id,
    )
    if scored is None:
        return []
    regions = list(Region.objects.order_by("code"))
    region_of = dict(
        Profile.objects.filter(pk__in=scored.profile_ids.tolist()).values_list("pk", "account__region_id")
    )
    regions_by_row = np.array([region_of.get(p) or 0 for p in scored.profile_ids.tolist()])
    in_top = scored.scores > scored.cutoffs
    similar_in_top = scored.similar_scores > scored.cutoffs[:, None]
    neighbour_ids = [int(t) for t in scored.similar_ids]
    names = dict(Title.objects.filter(pk__in=neighbour_ids).values_list("pk", "name"))
    actual = first_month_viewers(neighbour_ids)
    popularity = _regional_popularity(candidate.genres, tag_weights, regions, exclude_title_id)
    results = []
    for j, region in enumerate(regions):
        rows = regions_by_row == region.pk
        reach = int(in_top[rows].sum())
        # The nearest titles this region can watch (the visibility rule, any rating): shown and counted.
        visible = set(Title.objects.visible_in(region, None).filter(pk__in=neighbour_ids).values_list("pk", flat=True))
        picks = [i for i, t in enumerate(neighbour_ids) if t in visible][:SIMILAR]
        similar_reach = similar_in_top[rows][:, picks].sum(axis=0)
        similar_actual = np.array([actual[neighbour_ids[i]].get(region.pk, 0) for i in picks], dtype=float)
        similar = [
            SimilarTitle(
                neighbour_ids[i],
                names.get(neighbour_ids[i], str(neighbour_ids[i])),
                round(float(scored.similar_cosines[i]), 4),
                int(similar_actual[n]),
                int(similar_reach[n]),
            )
            for n, i in enumerate(picks)
        ]
        estimates = {
            "reach": expected_viewers(reach, similar_reach, similar_actual) if picks else None,
            "similar": float(similar_actual.mean()) if picks else None,
            **{k: None if v is None else float(v[j]) for k, v in popularity.items()},
        }
        results.append(
            RegionForecast(
                region.code,
                region.name,
                int(rows.sum()),
                reach,
                round(blend_viewers(estimates), 2),
                similar,
            )
        )
    return results
