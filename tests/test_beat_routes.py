"""Beat entries name no queue: CELERY_TASK_ROUTES alone decides where every scheduled task runs."""

import importlib

import pytest
from django.apps import apps
from django_celery_beat.models import PeriodicTask

from jobs.monitor import queue_of

pytestmark = pytest.mark.django_db

# Where each scheduled task ran when the migrations still stored the queue: behaviour is unchanged.
QUEUE_BEFORE = {
    "accounts.tasks.renew_memberships": "default",
    "activity.tasks.flush_impressions": "default",
    "artwork.learn": "default",
    "artwork.tasks.propose_missing_task": "default",
    "insights.tasks.refresh_trends_task": "ml",
    "marketing.tasks.refresh_segments_task": "ml",
    "marketing.tasks.refresh_engagement_tiers_task": "ml",
    "marketing.tasks.start_due_campaigns_task": "default",
    "marketing.tasks.resume_running_campaigns_task": "default",
    "marketing.tasks.refresh_results_task": "default",
    "marketing.tasks.refresh_churn_scores_task": "ml",
    "marketing.tasks.train_offer_model_task": "ml",
    "marketing.tasks.refresh_taste_clusters_task": "ml",
    "recommendations.tasks.train_recommender_task": "ml",
    "recommendations.tasks.update_recommender_task": "ml",  # added after the queues left the entries
    "search.tasks.rebuild_search_index": "ml",
}


def test_every_beat_entry_leaves_the_queue_to_the_routes_and_lands_where_it_did():
    entries = dict(PeriodicTask.objects.exclude(name="celery.backend_cleanup").values_list("task", "queue"))
    assert set(entries) == set(QUEUE_BEFORE)
    assert set(entries.values()) == {None}
    assert {task: queue_of(task) for task in entries} == QUEUE_BEFORE


def test_the_upgrade_clears_a_stored_queue_the_routes_repeat_and_keeps_one_staff_chose():
    migration = importlib.import_module("jobs.migrations.0002_beat_entries_follow_routes")
    PeriodicTask.objects.filter(task="recommendations.tasks.train_recommender_task").update(queue="ml")
    PeriodicTask.objects.filter(task="marketing.tasks.refresh_results_task").update(queue="ml")

    migration.clear_repeated_queues(apps, None)

    queues = dict(PeriodicTask.objects.values_list("task", "queue"))
    assert queues["recommendations.tasks.train_recommender_task"] is None
    assert queues["marketing.tasks.refresh_results_task"] == "ml"
