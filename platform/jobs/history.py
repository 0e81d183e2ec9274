"""Job history for staff: the workers' task results as readable sentences instead of raw JSON.

The rows are django-celery-results' `TaskResult`s, kept for `CELERY_RESULT_EXPIRES` (settings) by Celery's
own nightly clean-up, so the history outlasts a session and a worker restart.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.utils import timezone

MAX_TEXT = 300
FINISHED = {"SUCCESS", "FAILURE", "REVOKED"}


def task_label(task_name: str | None) -> str:
    """'recommendations.tasks.train_recommender_task' -> 'Train recommender (recommendations)'."""
    if not task_name:
        return "Unknown job"
    app = task_name.split(".", 1)[0]
    func = task_name.rsplit(".", 1)[-1].removesuffix("_task").replace("_", " ").strip()
    return f"{func[:1].upper()}{func[1:]} ({app})" if func else task_name


def _phrase(key: str, value: Any) -> str | None:
    name = key.replace("_", " ")
    if value is None or value == "" or value == {} or value == []:
        return None
    if isinstance(value, bool):
        return name if value else f"not {name}"
    if isinstance(value, float):
        return f"{name}: {value:.4g}"
    if isinstance(value, list):
        return f"{name}: {len(value)}" if len(value) > 5 else f"{name}: {', '.join(map(str, value))}"
    if isinstance(value, dict):
        inner = [
            p for k, v in list(value.items())[:4] if (p := _phrase(str(k), v)) and not isinstance(v, dict)
        ]
        more = f" and {len(value) - 4} more" if len(value) > 4 else ""
        return f"{name}: {'; '.join(inner)}{more}" if inner else f"{name}: {len(value)} entries"
    return f"{name}: {value}"


def describe_result(result: Any, status: str = "SUCCESS") -> str:
    """A short sentence for a task's result or progress: its note first, then its other fields."""
    if isinstance(result, str):
        try:
            result = json.loads(result)
        except ValueError:
            pass
    if status == "FAILURE" and isinstance(result, dict):
        kind, message = result.get("exc_type", "Error"), result.get("exc_message", "")
        message = " ".join(map(str, message)) if isinstance(message, list | tuple) else str(message)
        return _clip(f"Failed: {kind}: {message}" if message else f"Failed: {kind}")
    if status == "PROGRESS" and isinstance(result, dict) and "done" in result:
        note = f" — {result['note']}" if result.get("note") else ""
        return _clip(
            f"{result.get('done')} of {result.get('total')} done ({result.get('percent', 0)}%){note}"
        )
    if result is None:
        return "Done." if status == "SUCCESS" else status.title()
    if not isinstance(result, dict):
        return _clip(str(result))
    parts = [str(result["note"])] if result.get("note") else []
    parts += [p for k, v in result.items() if k != "note" and (p := _phrase(k, v))]
    return _clip("; ".join(parts) or "Done, nothing to report.")


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return max(0.0, (end - start).total_seconds()) if start and end else None


def recent_jobs(*, limit: int = 20, now: datetime | None = None) -> list[dict[str, Any]]:
    """The latest jobs across all staff and schedules, newest first, with readable results."""
    from django_celery_results.models import TaskResult

    now = now or timezone.now()
    rows = TaskResult.objects.filter(date_created__lte=now).order_by("-date_created")[:limit]
    return [
        {
            "task_id": row.task_id,
            "label": task_label(row.task_name),
            "name": row.task_name,
            "status": row.status,
            "started": row.date_created,
            "finished": row.date_done if row.status in FINISHED else None,
            "seconds": _seconds(row.date_created, row.date_done) if row.status in FINISHED else None,
            "worker": row.worker or "",
            "summary": describe_result(row.result, row.status),
            "scheduled": bool(row.periodic_task_name),
        }
        for row in rows
    ]
