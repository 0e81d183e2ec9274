"""Shared job plumbing for every app: enqueue after commit, non-overlapping locks, task progress."""

from .locks import JobAlreadyRunning, exclusive_job
from .progress import Progress, TaskProgress, TqdmProgress, no_progress
from .queue import enqueue_on_commit

__all__ = [
    "JobAlreadyRunning", "Progress", "TaskProgress", "TqdmProgress",
    "enqueue_on_commit", "exclusive_job", "no_progress",
]
