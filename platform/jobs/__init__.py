"""Shared job plumbing for every app: enqueue after commit, non-overlapping locks, task progress."""

from .locks import JobAlreadyRunning, exclusive_job
from .queue import enqueue_on_commit
from .progress import ProgressReporter

__all__ = ["JobAlreadyRunning", "ProgressReporter", "enqueue_on_commit", "exclusive_job"]
