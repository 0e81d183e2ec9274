"""The watch page resumes where the latest session left off; a finished title starts again and History
calls it finished."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from activity.models import ViewingEvent
from activity.resume import resume_position
from factories import make_profile, make_title, signed_in, watch

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client):
    cache.clear()
    profile = make_profile(onboarded_at=timezone.now())
    signed_in(client, profile)
    yield client, profile
    cache.clear()


def test_the_latest_unfinished_session_sets_the_resume_point(viewer):
    _, profile = viewer
    title = make_title(runtime_minutes=100)
    now = timezone.now()
    assert resume_position(profile, title, 6000) == 0.0
    watch(profile, title, completion=0.8, when=now - timedelta(days=2))
    watch(profile, title, completion=0.25, when=now - timedelta(hours=1))  # rewatching from the start
    assert resume_position(profile, title, 6000) == 1500.0
    watch(profile, title, completion=ViewingEvent.FINISHED_AT, when=now - timedelta(minutes=5))
    assert resume_position(profile, title, 6000) == 0.0  # finished: History, and it starts again


def test_a_hidden_session_is_not_resumed(viewer):
    _, profile = viewer
    title = make_title(runtime_minutes=100)
    event = watch(profile, title, completion=0.5)
    event.hidden_at = timezone.now()
    event.save()
    assert resume_position(profile, title, 6000) == 0.0


def test_the_watch_page_starts_at_the_resume_point_and_history_marks_finished_titles(viewer):
    client, profile = viewer
    halfway, done = make_title("Halfway", runtime_minutes=100), make_title("Done", runtime_minutes=100)
    watch(profile, halfway, completion=0.5)
    watch(profile, done, completion=0.95)

    page = client.get(reverse("storefront:watch", args=[halfway.pk])).content.decode()
    assert 'data-resume="3000.000000"' in page and "Resuming at 50:00." in page
    fresh = client.get(reverse("storefront:watch", args=[done.pk])).content.decode()
    assert 'data-resume="0.000000"' in fresh and "Not started." in fresh

    history = client.get(reverse("storefront:history")).content.decode()
    assert "Finished" in history and "50% watched" in history
