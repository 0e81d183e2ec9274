"""Cache pre-positioning: tomorrow's list ranks by expected views; the command prints it as JSON."""

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from activity.models import ViewingEvent
from factories import make_account, make_profile, make_region, make_title
from insights import cache_fill

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)


@pytest.fixture
def region():
    home = make_region("US", "United States")
    profiles = [make_profile(make_account(region=home)) for _ in range(6)]
    rng = random.Random(1)
    fading, rising = make_title("Fading"), make_title("Rising")
    # d = days before NOW: Fading was watched most a week ago, Rising most lately; 21 views each.
    plan = [(fading, 1 + d, d) for d in range(6)] + [(rising, 6 - d, d) for d in range(6)]
    ViewingEvent.objects.bulk_create(
        [
            ViewingEvent(
                profile=rng.choice(profiles),
                title=title,
                completion=1.0,
                started_at=NOW - timedelta(days=days_back, hours=rng.randint(1, 6)),
            )
            for title, n, days_back in plan
            for _ in range(n)
        ]
    )
    return home


def test_the_list_ranks_by_decayed_recent_views(region):
    items = cache_fill.cache_fill(region, 2, now=NOW, candidates=False)
    # The same views in the week, but Rising's are recent: the decayed mean puts it first.
    assert [i.name for i in items] == ["Rising", "Fading"]
    assert items[0].expected_views > items[1].expected_views > 0


def test_hit_rate_counts_the_next_days_views_on_listed_titles():
    assert cache_fill.hit_rate([1, 2], {1: 3, 2: 1, 3: 4}) == pytest.approx(0.5)
    assert cache_fill.hit_rate([], {}) == 0.0


def test_the_command_prints_json_and_refuses_an_unknown_region(region, capsys, monkeypatch):
    monkeypatch.setattr(cache_fill.timezone, "now", lambda: NOW)
    call_command("cache_fill", "--region", "US", "-k", "50", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert {"title_id", "name", "expected_views"} <= set(printed[0]) and len(printed) == 2
    with pytest.raises(CommandError, match="no such region"):
        call_command("cache_fill", "--region", "ZZ", "-k", "50", "--json")
