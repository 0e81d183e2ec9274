"""The Celery application: configuration comes from Django settings under the CELERY_ prefix."""

import os
import sys
from pathlib import Path

# Run as `celery -A marquee ...` from the repo root: make sure the feature apps beside
# platform/ import too, even when the project is not pip-installed.
_repo_root = Path(__file__).resolve().parents[2]
for _path in (_repo_root, _repo_root / "platform"):
    if str(_path) not in sys.path:
        sys.path.append(str(_path))

from celery import Celery  # noqa: E402
from celery.signals import beat_init  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")

app = Celery("marquee")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def _schedule_only_what_has_work(sender=None, **kwargs) -> None:
    """Schedules that depend on this deployment's settings are switched on or off as beat starts."""
    from activity.impressions import sync_flush_schedule

    sync_flush_schedule()
