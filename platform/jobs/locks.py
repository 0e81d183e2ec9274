"""Cross-process locks so scheduled jobs (retraining, rebuilds) never overlap.

PostgreSQL gets a session advisory lock, released by the server if the worker dies.
Other databases use a claimed row in `JobLock` with an expiry, so a killed worker's
claim lapses instead of blocking forever.
"""

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone


class JobAlreadyRunning(Exception):
    """Another process holds the lock for this job."""


def _advisory_key(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def exclusive_job(name: str, *, max_duration: timedelta = timedelta(hours=6)) -> Iterator[None]:
    """Run the body only if no other process is running the job `name`; else raise JobAlreadyRunning."""
    if connection.vendor == "postgresql":
        key = _advisory_key(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            (acquired,) = cursor.fetchone()
        if not acquired:
            raise JobAlreadyRunning(name)
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return

    from .models import JobLock

    now = timezone.now()
    holder = f"{socket.gethostname()}:{os.getpid()}"
    with transaction.atomic():
        JobLock.objects.filter(name=name, expires_at__lt=now).delete()
        try:
            JobLock.objects.create(name=name, holder=holder, expires_at=now + max_duration)
        except IntegrityError:
            raise JobAlreadyRunning(name) from None
    try:
        yield
    finally:
        JobLock.objects.filter(name=name, holder=holder).delete()
