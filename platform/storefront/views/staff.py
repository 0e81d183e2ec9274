"""Staff dashboard inside the admin: numbers, charts, search terms, and buttons that enqueue work.

Every button checks the permission of the model its job changes (the admin's own rule), so a
support agent who may not touch model versions in the admin cannot retrain from here either.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from jobs import history, monitor
from recommendations import services as recommendations
from search.services import enqueue_search_index_rebuild
from tagging import services as tagging

from .. import dashboard
from ..forms import RetagForm

SESSION_TASKS = "marquee_dashboard_tasks"

# What each action writes, as the admin's model permissions.
RETRAIN_PERMISSIONS = ("recommendations.add_modelversion", "recommendations.change_modelversion")
RETAG_PERMISSIONS = ("tagging.change_tagsuggestion",)
SEARCH_INDEX_PERMISSIONS = ("search.change_titlesearchvector",)
TASK_RESULT_PERMISSION = "django_celery_results.view_taskresult"
SEARCH_TERMS_PERMISSION = "activity.view_searchquery"
MODEL_METRICS_PERMISSION = "recommendations.view_modelversion"
TAGGING_STATUS_PERMISSION = "tagging.view_tagsuggestion"
IMPRESSIONS_PERMISSION = "activity.view_impression"


def _remember_task(request: HttpRequest, label: str, task_id: str) -> None:
    tasks = [t for t in request.session.get(SESSION_TASKS, []) if t["id"] != task_id]
    request.session[SESSION_TASKS] = [{"id": task_id, "label": label}, *tasks][:8]


def dashboard_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    can = {
        "retrain": user.has_perms(RETRAIN_PERMISSIONS),
        "retag": user.has_perms(RETAG_PERMISSIONS),
        "rebuild_search_index": user.has_perms(SEARCH_INDEX_PERMISSIONS),
        "see_search_terms": user.has_perm(SEARCH_TERMS_PERMISSION),
        "see_model_metrics": user.has_perm(MODEL_METRICS_PERMISSION),
        "see_job_history": user.has_perm(TASK_RESULT_PERMISSION),
        "see_tagging": user.has_perm(TAGGING_STATUS_PERMISSION),
        "see_impressions": user.has_perm(IMPRESSIONS_PERMISSION),
    }
    context = {
        **admin.site.each_context(request),
        "title": "Marquee dashboard",
        "can": can,
        "numbers": dashboard.headline_numbers(),
        "views_chart": dashboard.views_chart(),
        "impression_charts": dashboard.impression_charts() if can["see_impressions"] else [],
        "growth_chart": dashboard.growth_chart(),
        "job_history": history.recent_jobs() if can["see_job_history"] else [],
        "tagging": tagging.tagging_status() if can["see_tagging"] else None,
        "metric_charts": dashboard.metric_charts(recommendations.metrics_history())
        if can["see_model_metrics"]
        else [],
        "zero_result_terms": dashboard.search_terms(zero_results=True) if can["see_search_terms"] else [],
        "top_terms": dashboard.search_terms(zero_results=False) if can["see_search_terms"] else [],
        "tasks": request.session.get(SESSION_TASKS, []),
        "result_days": settings.CELERY_RESULT_EXPIRES.days,
        "retag_form": RetagForm(),
    }
    return TemplateResponse(request, "admin/marquee_dashboard.html", context)


def queue_monitor(request: HttpRequest) -> HttpResponse:
    """Backlog per queue, workers alive and an ETA; "unknown" without a broker, never a 5xx."""
    state = monitor.snapshot()
    if request.GET.get("format") == "json":
        return JsonResponse(state.as_dict())
    context = {**admin.site.each_context(request), "title": "Queue monitor", "monitor": state}
    return TemplateResponse(request, "admin/marquee_queues.html", context)


@require_POST
@permission_required(RETRAIN_PERMISSIONS, raise_exception=True)
def retrain(request: HttpRequest) -> HttpResponse:
    _remember_task(request, "Retrain recommendations", recommendations.enqueue_training())
    messages.success(request, "Retraining queued.")
    return redirect("marquee_dashboard:index")


@require_POST
@permission_required(RETAG_PERMISSIONS, raise_exception=True)
def retag(request: HttpRequest) -> HttpResponse:
    form = RetagForm(request.POST)
    if not form.is_valid():
        asked = (request.POST.get("title") or "").strip()[:20]
        messages.error(
            request, f"Re-tag: there is no title with id {asked!r}." if asked else "Re-tag: enter a title id."
        )
        return redirect("marquee_dashboard:index")
    title = form.cleaned_data["title"]
    _remember_task(request, f"Re-tag {title}", tagging.enqueue_retag(title.pk))
    messages.success(request, f"Re-tagging of {title} queued.")
    return redirect("marquee_dashboard:index")


@require_POST
@permission_required(SEARCH_INDEX_PERMISSIONS, raise_exception=True)
def rebuild_search_index(request: HttpRequest) -> HttpResponse:
    _remember_task(request, "Rebuild search index", enqueue_search_index_rebuild())
    messages.success(request, "Search index rebuild queued.")
    return redirect("marquee_dashboard:index")


def task_status(request: HttpRequest, task_id: str) -> JsonResponse:
    """Progress of a job this session started, or of any job for staff who may read task results.

    Tracebacks name code paths and data, so only task-result readers see them.
    """
    may_read_results = request.user.has_perm(TASK_RESULT_PERMISSION)
    started_here = any(t["id"] == task_id for t in request.session.get(SESSION_TASKS, []))
    if not (may_read_results or started_here):
        raise PermissionDenied
    status = dashboard.task_status(task_id)
    if not may_read_results:
        status["traceback"] = ""
    return JsonResponse(status)
