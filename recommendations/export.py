"""Export each imported MovieLens account's top-k in MovieLens ids, so the recommender can be judged from outside."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

from accounts.models import Profile
from catalog.models import Title

from .models import Candidate
from .ranking import active_version


def export_rows(k: int) -> Iterator[tuple[int, int, int, float]]:
    """(MovieLens userId, movieId, rank from 1, score) rows: the model's stored ranking of unseen titles.

    The stored ranking (not the re-ranked row) is exported, because an outside judge compares
    rankings; an account's first profile speaks for it (imported accounts have exactly one).
    """
    profiles: dict[int, int] = {}
    for pk, ml_user in Profile.objects.filter(account__movielens_user_id__isnull=False).order_by("pk").values_list(
        "pk", "account__movielens_user_id"
    ):
        profiles.setdefault(ml_user, pk)
    by_profile = {pk: ml_user for ml_user, pk in profiles.items()}
    ml_ids = dict(Title.objects.filter(movielens_id__isnull=False).values_list("pk", "movielens_id"))
    version = active_version()
    done: set[int] = set()
    if version is not None:
        rows = (
            Candidate.objects.filter(model_version=version, source=Candidate.Source.MODEL, profile_id__in=by_profile)
            .order_by("profile_id", "rank")
            .values_list("profile_id", "title_id", "score")
        )
        for profile_id, group in groupby(rows.iterator(chunk_size=10000), key=lambda r: r[0]):
            ranked = [(t, s) for _, t, s in group if t in ml_ids][:k]
            done.add(profile_id)
            for rank, (title_id, score) in enumerate(ranked, start=1):
                yield by_profile[profile_id], ml_ids[title_id], rank, round(score, 6)
    # Accounts the model has not scored yet get the cold-start ranking the storefront would show.
    from .services import rows_for

    for profile in Profile.objects.filter(pk__in=set(by_profile) - done).select_related("account").order_by("pk"):
        rows = rows_for(profile, limit=k, only={"top_picks"})
        items = [i for i in (rows[0].items if rows else []) if i.title_id in ml_ids]
        for rank, item in enumerate(items, start=1):
            yield by_profile[profile.pk], ml_ids[item.title_id], rank, item.score
