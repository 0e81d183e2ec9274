"""The queue monitor (broker backlog, workers, ETA; "unknown" without a broker) and the readable job history."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_celery_results.models import TaskResult

from factories import make_account
from jobs import history, monitor

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def broker(tmp_path):
    """Point the producer at a broker URL for one test: `broker("redis://...")` or a private filesystem broker."""
    from marquee.celery import app

    previous = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))

    def use(url: str = "filesystem://"):
        options = {}
        if url == "filesystem://":
            folders = {name: tmp_path / name for name in ("queue", "processed", "control")}
            for folder in folders.values():
                folder.mkdir()
            options = {
                "data_folder_in": str(folders["queue"]),
                "data_folder_out": str(folders["queue"]),
                "processed_folder": str(folders["processed"]),
                "control_folder": str(folders["control"]),
            }
        app.conf.broker_url, app.conf.broker_transport_options = url, options
        app._pool = app.amqp._producer_pool = None
        cache.delete(monitor.CACHE_KEY)
        return app

    yield use
    app.conf.broker_url, app.conf.broker_transport_options = previous
    app._pool = app.amqp._producer_pool = None
    cache.delete(monitor.CACHE_KEY)


def test_task_labels_and_results_read_as_sentences():
    assert (
        history.task_label("recommendations.tasks.train_recommender_task")
        == "Train recommender (recommendations)"
    )
    retag = {
        "title": 7,
        "retagged_assets": [3, 4],
        "queued_assets": [],
        "tags": {"dark": 0.91, "heist": 0.5},
        "note": "re-tagged 2 asset(s)",
    }
    text = history.describe_result(json.dumps(retag))

    assert text.startswith(
        "re-tagged 2 asset(s); title: 7; retagged assets: 3, 4; tags: dark: 0.91; heist: 0.5"
    )
    assert "{" not in text and "queued" not in text  # empty fields say nothing
    failure = {"exc_type": "ValueError", "exc_message": ["no such title"]}
    assert history.describe_result(failure, "FAILURE") == "Failed: ValueError: no such title"
    progress = {"done": 2, "total": 4, "percent": 50.0, "note": "asset 9"}
    assert history.describe_result(progress, "PROGRESS") == "2 of 4 done (50.0%) — asset 9"
    assert history.describe_result(None) == "Done."


def test_recent_jobs_are_newest_first_with_their_duration_and_summary():
    old = TaskResult.objects.create(
        task_id="a",
        task_name="storefront.tasks.rebuild_search_index",
        status="SUCCESS",
        result=json.dumps({"embedded": 40}),
    )
    new = TaskResult.objects.create(task_id="b", task_name="tagging.tasks.retag_title", status="STARTED")
    TaskResult.objects.filter(pk=old.pk).update(
        date_created=NOW - timedelta(hours=2), date_done=NOW - timedelta(hours=2) + timedelta(seconds=12)
    )
    TaskResult.objects.filter(pk=new.pk).update(date_created=NOW - timedelta(minutes=1))

    jobs = history.recent_jobs(now=NOW)

    assert [j["task_id"] for j in jobs] == ["b", "a"]
    assert jobs[1]["label"] == "Rebuild search index (storefront)" and jobs[1]["summary"] == "embedded: 40"
    assert jobs[1]["seconds"] == 12.0 and jobs[0]["seconds"] is None and jobs[0]["finished"] is None


def test_eta_comes_from_the_recent_pace_and_is_unknown_without_one():
    assert monitor.estimate_eta(30, 15, 1) == (1800.0, "15 finished in the last 15 min")
    assert monitor.estimate_eta(0, 0, 0)[0] == 0.0
    assert monitor.estimate_eta(None, 5, 1)[0] is None
    assert monitor.estimate_eta(4, 0, 0) == (None, "unknown: no worker consumes this queue")
    assert monitor.duration_text(1800.0) == "30 min" and monitor.duration_text(None) == "unknown"


def test_finished_tasks_are_counted_on_the_queue_their_route_names():
    for i, name in enumerate(
        ["recommendations.tasks.score_profiles_task"] * 3 + ["marketing.tasks.refresh_results_task"]
    ):
        row = TaskResult.objects.create(task_id=f"t{i}", task_name=name, status="SUCCESS")
        TaskResult.objects.filter(pk=row.pk).update(date_done=NOW - timedelta(minutes=5))
    stale = TaskResult.objects.create(task_id="old", task_name="tagging.tasks.tag_asset", status="SUCCESS")
    TaskResult.objects.filter(pk=stale.pk).update(date_done=NOW - timedelta(hours=1))

    assert monitor.finished_per_queue(NOW, ["default", "ml", "media"]) == {"default": 1, "ml": 3, "media": 0}


def test_without_a_broker_everything_reads_unknown_and_the_page_still_answers(client, broker):
    broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    client.force_login(make_account(is_staff=True, is_superuser=True))

    state = monitor.snapshot(now=NOW, use_cache=False)
    page = client.get(reverse("marquee_dashboard:queues"))
    data = client.get(reverse("marquee_dashboard:queues"), {"format": "json"}).json()

    assert state.broker == "unknown" and state.workers is None and state.broker_error
    assert [q.name for q in state.queues] == ["default", "ml", "media"]
    assert all(q.waiting is None and q.eta_text == "unknown" for q in state.queues)
    assert page.status_code == 200 and "Workers alive: <strong>unknown" in page.content.decode()
    assert data["broker"] == "unknown" and data["queues"][1]["waiting"] is None


def test_backlog_is_the_brokers_count_of_waiting_messages(broker):
    app = broker()
    for _ in range(3):
        app.send_task("recommendations.tasks.score_profiles_task", queue="ml")
    app.send_task("storefront.tasks.rebuild_search_index", queue="default")

    state = monitor.snapshot(now=NOW, timeout=0.2, use_cache=False)

    assert state.broker == "ok" and {q.name: q.waiting for q in state.queues} == {
        "default": 1,
        "ml": 3,
        "media": 0,
    }
    assert state.workers is None  # nobody consumes this private broker
    assert state.queues[1].eta_basis == "unknown: no worker consumes this queue"


def test_only_staff_reach_the_queue_monitor(client):
    client.force_login(make_account())
    assert client.get(reverse("marquee_dashboard:queues")).status_code == 302


@pytest.mark.redis
def test_on_redis_the_backlog_is_llen_of_each_queue(broker, redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    app = broker(redis_url)
    before = client.llen("media")
    for _ in range(2):
        app.send_task("tagging.tasks.tag_asset", args=[1], queue="media")

    state = monitor.snapshot(now=NOW, timeout=0.3, use_cache=False)

    assert {q.name: q.waiting for q in state.queues}["media"] == client.llen("media") == before + 2
    if before == 0:
        client.delete("media")  # leave the test database as it was


@pytest.mark.redis
@pytest.mark.postgres
def test_a_running_worker_is_seen_alive_with_its_queues(celery_worker_process, redis_url):
    from marquee.celery import app

    cache.delete(monitor.CACHE_KEY)
    state = monitor.snapshot(timeout=1.0, use_cache=False, app=app)

    assert state.broker == "ok" and state.workers, state
    (info,) = state.workers.values()
    assert set(info["queues"]) == {"default", "ml", "media"}
    assert all(q.consumers for q in state.queues)
