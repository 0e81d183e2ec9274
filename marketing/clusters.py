"""Taste clusters: k-means over each account's main-profile taste vector, k chosen by silhouette.

The vectors are the recommender's profile embeddings (`recommendations.services.profile_embeddings`,
{profile id: vector} of the active model) when a model is active; until one is, each profile's genre
shares of its viewing. Either way a profile with no viewing is in no cluster. Each cluster is named
from its most over-represented genres and is usable as a segment filter.
"""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from accounts.models import Profile
from activity.models import ViewingEvent
from catalog.models import Genre

from .models import TasteCluster, TasteClusterMember
from .segments import subscribers

SILHOUETTE_SAMPLE = 5000


def main_profile_ids() -> dict[int, int]:
    """{profile id: account id} of each subscriber's first profile."""
    out: dict[int, int] = {}
    seen: set[int] = set()
    rows = Profile.objects.filter(account__in=subscribers()).order_by("account_id", "created_at", "id")
    for pid, aid in rows.values_list("pk", "account_id").iterator(chunk_size=5000):
        if aid not in seen:
            seen.add(aid)
            out[pid] = aid
    return out


def genre_vectors(profile_ids: list[int]) -> tuple[list[int], np.ndarray, list[str]]:
    genres = list(Genre.objects.order_by("pk").values_list("slug", flat=True))
    col = {g: j for j, g in enumerate(genres)}
    row = {p: i for i, p in enumerate(profile_ids)}
    X = np.zeros((len(profile_ids), len(genres)))
    counts = (ViewingEvent.objects.filter(profile__in=profile_ids, hidden_at__isnull=True)
              .values("profile", "title__genres__slug").annotate(n=Count("pk")).order_by())
    for c in counts:
        if c["title__genres__slug"] in col:
            X[row[c["profile"]], col[c["title__genres__slug"]]] = c["n"]
    totals = X.sum(axis=1, keepdims=True)
    return profile_ids, np.divide(X, totals, out=np.zeros_like(X), where=totals > 0), genres


def taste_vectors(profile_ids: list[int]) -> tuple[list[int], np.ndarray, str]:
    from recommendations import services

    vectors = services.profile_embeddings(profile_ids)
    if vectors:
        ids = [p for p in profile_ids if p in vectors]
        return ids, np.vstack([vectors[p] for p in ids]), "recommender embeddings"
    ids, X, _ = genre_vectors(profile_ids)
    return ids, X, "genre shares"


def choose_k(X: np.ndarray, ks=range(2, 9), seed: int = 0) -> tuple[int, dict[int, float]]:
    rng = np.random.default_rng(seed)
    sample = X if len(X) <= SILHOUETTE_SAMPLE else X[rng.choice(len(X), SILHOUETTE_SAMPLE, replace=False)]
    scores = {}
    for k in ks:
        if k >= len(sample):
            break
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(sample)
        if len(set(labels)) > 1:
            scores[k] = float(silhouette_score(sample, labels))
    return (max(scores, key=scores.get) if scores else 1), scores


def refresh_clusters(*, seed: int = 0) -> list[TasteCluster]:
    mains = main_profile_ids()
    ids, X, source = taste_vectors(list(mains))
    _, shares, genres = genre_vectors(ids)
    # Profiles with no viewing yet are left out of every cluster (a model still gives them a vector).
    keep = shares.sum(axis=1) > 0
    ids = [p for p, k in zip(ids, keep, strict=True) if k]
    X, shares = X[keep], shares[keep]
    if len(ids) < 3:
        return []
    k, scores = choose_k(X, seed=seed)
    model = KMeans(n_clusters=max(k, 1), n_init=4, random_state=seed).fit(X)
    overall = shares.mean(axis=0) + 1e-9
    names = dict(Genre.objects.values_list("slug", "name"))
    now = timezone.now()
    with transaction.atomic():
        TasteCluster.objects.all().delete()
        clusters = []
        for c in range(model.n_clusters):
            members = np.flatnonzero(model.labels_ == c)
            lift = shares[members].mean(axis=0) / overall
            top = [genres[j] for j in np.argsort(-lift)[:2] if lift[j] > 1]
            label = " & ".join(names.get(g, g) for g in top) or "Broad taste"
            cluster = TasteCluster.objects.create(
                number=c + 1, name=f"{c + 1}: {label} fans", size=len(members), top_genres=top, source=source,
                silhouette=scores.get(k), computed_at=now,
            )
            TasteClusterMember.objects.bulk_create(
                [TasteClusterMember(cluster=cluster, account_id=mains[ids[i]]) for i in members], batch_size=5000
            )
            top_titles = (ViewingEvent.objects.filter(profile__in=[ids[i] for i in members[:5000]])
                          .values("title__name").annotate(n=Count("pk")).order_by("-n")[:5])
            cluster.top_titles = [t["title__name"] for t in top_titles]
            cluster.save(update_fields=["top_titles"])
            clusters.append(cluster)
    return clusters
