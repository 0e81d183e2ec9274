"""Shared job plumbing: enqueue after commit, and locks that keep scheduled jobs from overlapping."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from jobs import JobAlreadyRunning, enqueue_on_commit, exclusive_job
from jobs.models import JobLock


class RecordingTask:
    def __init__(self):
        self.sent = []

    def apply_async(self, args, kwargs, **options):
        self.sent.append((args, kwargs, options))


@pytest.mark.django_db
def test_tasks_are_sent_only_after_the_transaction_commits(django_capture_on_commit_callbacks):
    task = RecordingTask()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        task_id = enqueue_on_commit(task, 42, queue="ml")
        assert task.sent == []
    assert len(callbacks) == 1
    assert task.sent == [((42,), {}, {"queue": "ml", "task_id": task_id})]


@pytest.mark.django_db
def test_a_task_can_be_named_and_its_id_is_known_before_the_send(django_capture_on_commit_callbacks, monkeypatch):
    from celery import current_app

    sent = []
    monkeypatch.setattr(current_app, "send_task", lambda name, **options: sent.append((name, options)))
    with django_capture_on_commit_callbacks(execute=True):
        task_id = enqueue_on_commit("some.task", 1, queue="ml", flag=True)
        assert sent == []
    assert sent == [("some.task", {"args": (1,), "kwargs": {"flag": True}, "task_id": task_id, "queue": "ml"})]


@pytest.mark.django_db
def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    task = RecordingTask()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                enqueue_on_commit(task, 1)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert task.sent == []


def _try_in_another_connection(name: str) -> str:
    outcome = []

    def attempt():
        try:
            with exclusive_job(name):
                outcome.append("ran")
        except JobAlreadyRunning:
            outcome.append("refused")
        finally:
            connection.close()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join()
    return outcome[0]


@pytest.mark.django_db(transaction=True)
def test_a_second_run_of_the_same_job_is_refused_while_the_first_holds_the_lock():
    with exclusive_job("recommendations.train"):
        assert _try_in_another_connection("recommendations.train") == "refused"
        assert _try_in_another_connection("tagging.retrain") == "ran"
    assert _try_in_another_connection("recommendations.train") == "ran"


@pytest.mark.django_db(transaction=True)
def test_a_dead_workers_expired_claim_does_not_block_forever():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL releases advisory locks when the session dies; no claimed row to expire")
    JobLock.objects.create(name="nightly", holder="dead-host:1", expires_at=timezone.now() - timedelta(minutes=1))

    with exclusive_job("nightly"):
        assert JobLock.objects.get(name="nightly").holder != "dead-host:1"


@pytest.mark.django_db
def test_a_named_task_of_an_app_is_sent_through_the_task_itself(django_capture_on_commit_callbacks, monkeypatch):
    """So its routes, eager mode and test doubles apply, and the naming service needs no import of tasks.py."""
    from search import tasks

    sent = []
    monkeypatch.setattr(tasks.rebuild_search_index, "apply_async", lambda **options: sent.append(options))
    with django_capture_on_commit_callbacks(execute=True):
        task_id = enqueue_on_commit("search.tasks.rebuild_search_index")
    assert sent == [{"args": (), "kwargs": {}, "task_id": task_id}]
