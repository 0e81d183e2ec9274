"""Taste clusters: k chosen by silhouette, names from over-represented genres, usable as a segment filter."""

import pytest

from factories import make_account, make_profile, make_title
from marketing import clusters, segments
from marketing.models import Segment, SegmentRule, TasteCluster

pytestmark = pytest.mark.django_db
pytest_plugins = ["recommendations_world"]


def test_two_clear_tastes_make_two_named_clusters_usable_in_segments():
    from django.utils import timezone

    from activity.models import ViewingEvent

    horror = [make_title(f"Scream {i}", genres=["Horror"]) for i in range(3)]
    comedy = [make_title(f"Laugh {i}", genres=["Comedy"]) for i in range(3)]
    views, fans = [], {"Horror": set(), "Comedy": set()}
    for i in range(16):
        profile = make_profile(make_account(f"t{i}@x.test"))
        kind, titles = ("Horror", horror) if i % 2 else ("Comedy", comedy)
        fans[kind].add(profile.account_id)
        views += [ViewingEvent(profile=profile, title=t, started_at=timezone.now()) for t in titles]
    make_profile(make_account("new@x.test"))  # no views: in no cluster
    ViewingEvent.objects.bulk_create(views)

    found = clusters.refresh_clusters()
    assert len(found) == 2 and {c.size for c in found} == {8}
    by_genre = {c.top_genres[0]: c for c in TasteCluster.objects.all()}
    assert set(by_genre) == {"horror", "comedy"} and "Horror" in by_genre["horror"].name
    assert by_genre["horror"].top_titles[0].startswith("Scream")
    seg = Segment.objects.create(name="horror fans")
    SegmentRule.objects.create(segment=seg, field="taste_cluster", operator="is", value=str(by_genre["horror"].number))
    assert set(segments.members(seg).values_list("pk", flat=True)) == fans["Horror"]


def test_with_an_active_model_clusters_come_from_its_profile_embeddings_and_still_split_the_tastes(
    fast_recommender,
):
    from django.utils import timezone

    from activity.models import ViewingEvent
    from recommendations import services, training

    fast_recommender.RECOMMENDER_DEFAULT_PARAMS = {**fast_recommender.RECOMMENDER_DEFAULT_PARAMS, "epochs": 30}
    horror = [make_title(f"Scream {i}", genres=["Horror"]) for i in range(6)]
    comedy = [make_title(f"Laugh {i}", genres=["Comedy"]) for i in range(6)]
    views, fans = [], {"Horror": set(), "Comedy": set()}
    for i in range(24):
        profile = make_profile(make_account(f"e{i}@x.test"))
        kind, titles = ("Horror", horror) if i % 2 else ("Comedy", comedy)
        fans[kind].add(profile.account_id)
        views += [ViewingEvent(profile=profile, title=t, started_at=timezone.now(), completion=1.0) for t in titles[:5]]
    newcomer = make_profile(make_account("new@x.test"))
    ViewingEvent.objects.bulk_create(views)
    training.train_recommender(evaluate=False)

    vectors = services.profile_embeddings([newcomer.pk, *range(1, 10_000)])
    assert newcomer.pk in vectors and all(v.ndim == 1 for v in vectors.values())
    found = clusters.refresh_clusters()
    assert found and {c.source for c in found} == {"recommender embeddings"}
    assert sum(c.size for c in found) == 24  # the newcomer, who has watched nothing, is in none
    for cluster in TasteCluster.objects.all():
        members = set(cluster.members.values_list("account_id", flat=True))
        taste = "Horror" if members <= fans["Horror"] else "Comedy"
        assert members <= fans[taste], "a cluster mixes the two tastes"
        assert cluster.top_genres[0] == taste.lower()
