"""A tiny world with hidden tastes for the recommendations tests: action fans and romance fans."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from factories import make_account, make_profile, make_region, make_title, rate, watch

FAST_PARAMS = {
    "loss": "warp", "no_components": 8, "learning_rate": 0.05, "epochs": 8, "max_sampled": 10,
    "item_feature_weight": 0.3, "user_feature_weight": 0.3,
}


class World:
    def __init__(self, profiles_per_taste: int = 12, titles_per_genre: int = 10, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.region = make_region("US", "United States")
        self.action = [make_title(f"Action {i}", genres=["Action"], tags=["explosions"], year=2000 + i)
                       for i in range(titles_per_genre)]
        self.romance = [make_title(f"Romance {i}", genres=["Romance"], tags=["love"], year=1990 + i)
                        for i in range(titles_per_genre)]
        self.fans: dict[str, list] = {"action": [], "romance": []}
        start = timezone.now() - timedelta(days=60)
        for taste, liked, other in (("action", self.action, self.romance), ("romance", self.romance, self.action)):
            for n in range(profiles_per_taste):
                profile = make_profile(make_account(region=self.region), name=f"{taste} fan {n}")
                for day, title in enumerate(rng.sample(liked, 6)):
                    watch(profile, title, completion=1.0, when=start + timedelta(days=day))
                    if day % 2:
                        rate(profile, title, stars=5.0, when=start + timedelta(days=day, hours=1))
                rate(profile, rng.choice(other), stars=1.0, when=start + timedelta(days=2, hours=3))
                self.fans[taste].append(profile)


@pytest.fixture
def fast_recommender(settings, tmp_path):
    settings.MODEL_ARTIFACT_DIR = tmp_path / "models"
    settings.RECOMMENDER_DEFAULT_PARAMS = FAST_PARAMS
    settings.RECOMMENDER_THREADS = 1
    settings.RECOMMENDER_CANDIDATES = 15
    settings.RECOMMENDER_EXPLORATION_SHARE = 0.0
    # The tiny world has 12 profiles per taste: these tests exercise the update itself, so the daily gate
    # judges any slice (test_recommendations_update_gate checks the minimum at its default).
    settings.RECOMMENDER_UPDATE_GATE_MIN_PROFILES = 1
    from django.core.cache import cache

    cache.clear()
    return settings


@pytest.fixture
def world(db, fast_recommender) -> World:
    return World()
