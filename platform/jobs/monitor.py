"""The queue monitor: backlog per queue, workers alive and an ETA, answered within about a second.

Backlog is the broker's own count of waiting messages (kombu's passive queue declare: LLEN on Redis, a
folder count on the filesystem broker); workers, what they run and which queues they consume come from
Celery's inspect API (one broadcast per question, asked in parallel with a short timeout). Throughput is
read from the task results the workers wrote. Anything that cannot be reached reads "unknown": the
monitor never raises, so the page that shows it never answers 5xx.
"""

from __future__ import annotations

import fnmatch
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

logger = logging.getLogger(__name__)

THROUGHPUT_WINDOW = timedelta(minutes=15)
CACHE_KEY, CACHE_SECONDS = "jobs:queue-monitor", 5  # many staff pages polling share one broker round


@dataclass
class QueueState:
    name: str
    waiting: int | None  # None: the broker did not answer
    running: int = 0
    consumers: list[str] = field(default_factory=list)  # workers consuming this queue
    finished_recently: int = 0  # results written in the throughput window
    eta_seconds: float | None = None
    eta_basis: str = ""  # how the ETA was reached, in words

    @property
    def eta_text(self) -> str:
        return duration_text(self.eta_seconds)


@dataclass
class MonitorSnapshot:
    checked_at: datetime
    broker: str  # "ok" or "unknown"
    broker_error: str
    workers: dict[str, dict] | None  # None: no answer (no broker, or no worker within the timeout)
    queues: list[QueueState]

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self) | {"checked_at": self.checked_at.isoformat()}
        for queue, state in zip(out["queues"], self.queues, strict=True):
            queue["eta_text"] = state.eta_text
        return out


def duration_text(seconds: float | None) -> str:
    """'unknown', 'now', '40 s', '12 min', '3.5 h' (for an ETA)."""
    if seconds is None:
        return "unknown"
    if seconds < 1:
        return "now"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _app():
    from celery import current_app

    return current_app


def queue_names(app=None) -> list[str]:
    """The default queue and every queue a route names, in settings order."""
    app = app or _app()
    names = [app.conf.task_default_queue]
    for route in (app.conf.task_routes or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.append(route["queue"])
    return list(dict.fromkeys(names))


def queue_of(task_name: str, app=None) -> str:
    """The queue a task is sent to: its decorator's queue if registered here, else the routes, else default.

    Only tasks already registered in this process are consulted: importing every tasks module would load
    the workers' libraries (OpenCV) into the web process.
    """
    app = app or _app()
    registered = app.tasks.get(task_name) if app.tasks is not None else None
    if getattr(registered, "queue", None):
        return registered.queue
    for pattern, route in (app.conf.task_routes or {}).items():
        if isinstance(route, dict) and route.get("queue") and fnmatch.fnmatchcase(task_name, pattern):
            return route["queue"]
    return app.conf.task_default_queue


def broker_backlog(names: list[str], *, timeout: float = 0.5, app=None) -> dict[str, int]:
    """Waiting messages per queue, from the broker; raises if the broker cannot be reached."""
    from kombu import Connection
    from kombu.exceptions import ChannelError

    app = app or _app()
    options = dict(app.conf.broker_transport_options or {})
    if app.conf.broker_url.startswith(("redis", "rediss")):
        options |= {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    with Connection(app.conf.broker_url, connect_timeout=timeout, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
        channel = conn.default_channel
        counts = {}
        for name in names:
            try:
                counts[name] = channel.queue_declare(queue=name, passive=True).message_count
            except ChannelError:  # never declared: nothing has been sent to it yet
                counts[name] = 0
        return counts


def inspect_workers(*, timeout: float = 0.5, app=None) -> dict[str, dict] | None:
    """Per live worker: the queues it consumes and the tasks it is running (None if nobody answered)."""
    app = app or _app()

    def ask(method: str):
        return getattr(app.control.inspect(timeout=timeout), method)() or {}

    with ThreadPoolExecutor(max_workers=2) as pool:
        queues_f, active_f = pool.submit(ask, "active_queues"), pool.submit(ask, "active")
        queues, active = queues_f.result(), active_f.result()
    if not queues and not active:
        return None
    return {
        worker: {
            "queues": [q.get("name") for q in queues.get(worker, [])],
            "active": [
                {
                    "name": t.get("name"),
                    "queue": (t.get("delivery_info") or {}).get("routing_key"),
                    "id": t.get("id"),
                }
                for t in active.get(worker, [])
            ],
        }
        for worker in sorted(set(queues) | set(active))
    }


def finished_per_queue(now: datetime, names: list[str], app=None) -> dict[str, int]:
    """Per queue: tasks that finished successfully in the throughput window (from the task results)."""
    from django_celery_results.models import TaskResult

    app = app or _app()
    rows = (
        TaskResult.objects.filter(date_done__gt=now - THROUGHPUT_WINDOW, date_done__lte=now, status="SUCCESS")
        .exclude(task_name=None)
        .values_list("task_name")
        .annotate(n=Count("id"))
        .values_list("task_name", "n")
    )
    finished = dict.fromkeys(names, 0)
    for task_name, n in rows:
        queue = queue_of(task_name, app)
        finished[queue] = finished.get(queue, 0) + n
    return finished


def estimate_eta(waiting: int | None, finished_recently: int, consumers: int) -> tuple[float | None, str]:
    """Seconds until the waiting tasks are done at the recent pace, and the basis of that guess."""
    if waiting is None:
        return None, "unknown: the broker did not answer"
    if waiting == 0:
        return 0.0, "nothing waiting"
    if finished_recently:
        rate = finished_recently / THROUGHPUT_WINDOW.total_seconds()
        minutes = int(THROUGHPUT_WINDOW.total_seconds() // 60)
        return waiting / rate, f"{finished_recently} finished in the last {minutes} min"
    if not consumers:
        return None, "unknown: no worker consumes this queue"
    return None, "unknown: nothing finished recently to measure the pace"


def snapshot(
    *, now: datetime | None = None, timeout: float = 0.5, app=None, use_cache: bool = True
) -> MonitorSnapshot:
    """The whole monitor in one call; cached for a few seconds so polling pages share one broker round."""
    if use_cache and (cached := cache.get(CACHE_KEY)) is not None:
        return cached
    app = app or _app()
    now = now or timezone.now()
    names = queue_names(app)
    broker, error, workers = "ok", "", None
    try:
        backlog: dict[str, int | None] = dict(broker_backlog(names, timeout=timeout, app=app))
    except Exception as exc:  # noqa: BLE001  any broker failure reads "unknown", never a 5xx
        logger.warning("queue monitor: broker unreachable: %s", exc)
        broker, error, backlog = "unknown", f"{type(exc).__name__}: {exc}"[:300], dict.fromkeys(names)
    if broker == "ok":
        try:
            workers = inspect_workers(timeout=timeout, app=app)
        except Exception as exc:  # noqa: BLE001
            logger.warning("queue monitor: inspect failed: %s", exc)
    finished = finished_per_queue(now, names, app)
    queues = []
    for name in list(dict.fromkeys([*names, *backlog])):
        consumers = [w for w, info in (workers or {}).items() if name in info["queues"]]
        running = sum(1 for info in (workers or {}).values() for t in info["active"] if t["queue"] == name)
        eta, basis = estimate_eta(backlog.get(name), finished.get(name, 0), len(consumers))
        queues.append(
            QueueState(name, backlog.get(name), running, consumers, finished.get(name, 0), eta, basis)
        )
    result = MonitorSnapshot(now, broker, error, workers, queues)
    if use_cache:
        cache.set(CACHE_KEY, result, CACHE_SECONDS)
    return result
