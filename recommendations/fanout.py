"""Batch scoring over many `ml` workers: a Celery chord of profile chunks, then one activation.

Above `RECOMMENDER_FANOUT_PROFILES` profiles, training writes the title neighbours itself and hands
the profiles to `score_in_chunks`: a group of `score_profiles_task` chunks (each idempotent: it
replaces its profiles' rows of the version in one transaction, so a retried or redelivered chunk
writes each profile once; a failed chunk is retried once) whose chord callback activates the new
version. If a chunk still fails, the callback never runs: the active model stays active and the new
version stays unactivated with its note saying why.
"""

from __future__ import annotations

from jobs import enqueue_on_commit

from .models import ModelVersion


def fanout_threshold() -> int:
    from django.conf import settings

    return settings.RECOMMENDER_FANOUT_PROFILES


def chunks(profile_ids: list[int], size: int) -> list[list[int]]:
    return [profile_ids[start : start + size] for start in range(0, len(profile_ids), size)]


def score_in_chunks(version: ModelVersion, profile_ids: list[int], *, chunk: int | None = None) -> int:
    """Queue the chord (after the current transaction commits); returns the number of chunks."""
    from celery import chord
    from django.conf import settings

    from .tasks import activate_scored_version_task, score_profiles_task

    parts = chunks(sorted(profile_ids), chunk or settings.RECOMMENDER_FANOUT_CHUNK)
    ModelVersion.objects.filter(pk=version.pk).update(
        note=f"scoring {len(profile_ids)} profiles in {len(parts)} chunks on the ml queue; activates when all finish"
    )
    # Both tasks go where CELERY_TASK_ROUTES sends recommendations.tasks.* (the ml queue).
    header = [score_profiles_task.si(version.pk, part) for part in parts]
    body = activate_scored_version_task.si(version.pk)
    enqueue_on_commit(chord(header, body))
    return len(parts)


def activate_scored(version_id: int) -> ModelVersion | None:
    """The chord's callback: every chunk is written, so the version goes live (unless it was failed meanwhile)."""
    from .training import activate, prune_old_versions

    version = ModelVersion.objects.filter(pk=version_id, status=ModelVersion.Status.TRAINING).first()
    if version is None:
        return None
    activate(version)
    ModelVersion.objects.filter(pk=version.pk).update(note="")
    prune_old_versions()
    version.refresh_from_db()
    return version
