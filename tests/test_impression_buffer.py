"""Impressions buffered in Redis and flushed into the table in batches: nothing lost, bad records named."""

import json
import logging

import pytest

from activity import impressions
from activity.impressions import BUFFER_KEY, Shown, buffered_pages, flush_buffer, log_impressions
from activity.models import Impression
from activity.tasks import flush_impressions
from catalog.models import MediaAsset
from factories import make_profile, make_title

pytestmark = pytest.mark.django_db


@pytest.fixture
def buffer(redis_url, settings):
    settings.IMPRESSION_BUFFER_URL = redis_url
    client = impressions._client(redis_url)
    client.delete(BUFFER_KEY)
    yield client
    client.delete(BUFFER_KEY)


def cards(titles, surface="top_picks", artwork=None):
    return [Shown(t.pk, surface, i, artwork, "default", 1.0) for i, t in enumerate(titles)]


def test_without_a_buffer_impressions_are_written_at_once(settings):
    settings.IMPRESSION_BUFFER_URL = ""
    profile, titles = make_profile(), [make_title() for _ in range(3)]
    request_id = log_impressions(profile.pk, cards(titles))
    assert list(Impression.objects.order_by("position").values_list("title_id", "request_id")) == [
        (t.pk, request_id) for t in titles
    ]


def test_buffered_pages_reach_the_table_only_when_flushed(buffer):
    profile, titles = make_profile(), [make_title() for _ in range(4)]
    first = log_impressions(profile.pk, cards(titles[:2]))
    second = log_impressions(profile.pk, cards(titles[2:], surface="trending"))
    assert Impression.objects.count() == 0 and buffered_pages() == 2

    report = flush_buffer(batch_pages=1)  # several batches
    assert (report.pages, report.written, report.dropped, report.malformed) == (2, 4, 0, 0)
    assert buffered_pages() == 0
    logged = Impression.objects.order_by("surface", "position").values_list("surface", "position", "title_id", "request_id")
    assert list(logged) == [
        ("top_picks", 0, titles[0].pk, first), ("top_picks", 1, titles[1].pk, first),
        ("trending", 0, titles[2].pk, second), ("trending", 1, titles[3].pk, second),
    ]


def test_a_malformed_record_is_skipped_and_named_while_the_rest_is_written(buffer, caplog):
    profile, title = make_profile(), make_title()
    buffer.rpush(BUFFER_KEY, b"not json")
    buffer.rpush(BUFFER_KEY, json.dumps([profile.pk, "r", "2026-11-29T05:00:00+00:00", [[title.pk, "row", 0, None, "p", 7]]]))
    buffer.rpush(BUFFER_KEY, json.dumps([profile.pk, "r", "2026-11-29T05:00:00+00:00", [[title.pk, "row\tx", 0, None, "p", 1]]]))
    log_impressions(profile.pk, cards([title]))
    with caplog.at_level(logging.WARNING, logger="activity.impressions"):
        report = flush_buffer()
    assert (report.malformed, report.written) == (3, 1)
    assert "surface and policy must be short identifiers" in caplog.text
    assert "propensity 7 is outside (0, 1]" in caplog.text and "not a [profile, request, shown_at, cards] record" in caplog.text
    assert Impression.objects.get().title == title


def test_cards_of_deleted_profiles_or_titles_are_dropped_and_deleted_artwork_forgotten(buffer):
    kept, gone = make_profile(), make_profile()
    title, removed_title = make_title(), make_title()
    poster = MediaAsset.objects.create(title=title, kind=MediaAsset.Kind.IMAGE, role=MediaAsset.Role.POSTER)
    log_impressions(kept.pk, cards([title], artwork=poster.pk) + cards([removed_title], surface="trending"))
    log_impressions(gone.pk, cards([title]))
    gone.delete()
    removed_title.delete()
    poster.delete()
    report = flush_buffer()
    assert (report.written, report.dropped) == (1, 2)
    assert Impression.objects.get().artwork_id is None


def test_a_failed_insert_puts_the_batch_back(buffer, monkeypatch):
    profile, title = make_profile(), make_title()
    log_impressions(profile.pk, cards([title]))

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(impressions, "insert_rows", broken)  # SQLite's path
    monkeypatch.setattr(impressions, "copy_text", broken)  # PostgreSQL's
    with pytest.raises(RuntimeError):
        flush_buffer()
    assert buffered_pages() == 1 and Impression.objects.count() == 0
    monkeypatch.undo()
    assert flush_impressions() == {"pages": 1, "written": 1, "dropped": 0, "malformed": 0}


def test_beat_flushes_impressions_only_where_a_buffer_exists(settings):
    from django_celery_beat.models import PeriodicTask

    def flush_enabled() -> bool:
        return PeriodicTask.objects.get(name=impressions.FLUSH_SCHEDULE_NAME).enabled

    settings.IMPRESSION_BUFFER_URL = ""
    assert impressions.sync_flush_schedule() is False
    assert not flush_enabled()

    settings.IMPRESSION_BUFFER_URL = "redis://127.0.0.1:6379/9"
    assert impressions.sync_flush_schedule() is True
    assert flush_enabled()
