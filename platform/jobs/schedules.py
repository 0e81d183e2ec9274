"""Beat schedules created by migrations, in django-celery-beat's tables so staff edit them in the admin.

An entry names no queue: beat then sends the task where CELERY_TASK_ROUTES sends it from anywhere else,
so the routes stay the one place a queue is chosen.
"""

from typing import Any

from django.utils import timezone


def ensure_periodic_task(
    apps: Any, name: str, task: str, *, description: str, expire_seconds: int,
    crontab: dict[str, str] | None = None, every: tuple[int, str] | None = None,
) -> None:
    """Create or update one periodic task; `crontab` fields (UTC) or `every=(n, "seconds"|"minutes"|"hours")`.

    `expire_seconds` drops a run that no worker started in time: the next one supersedes it.
    """
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule: dict[str, Any] = {}
    if crontab is not None:
        fields = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*", **crontab}
        CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
        schedule["crontab"], _ = CrontabSchedule.objects.get_or_create(timezone="UTC", **fields)
    elif every is not None:
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        schedule["interval"], _ = IntervalSchedule.objects.get_or_create(every=every[0], period=every[1])
    else:
        raise ValueError(f"periodic task {name!r}: give crontab= or every=")
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={"task": task, "queue": None, "expire_seconds": expire_seconds, "enabled": True,
                  "description": description, **schedule},
    )
    # Tell a running beat that the schedule changed.
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def remove_periodic_task(apps: Any, name: str) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()
