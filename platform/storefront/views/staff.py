"""Staff dashboard inside the admin: numbers, charts, search terms, and buttons that enqueue work."""

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from recommendations import services as recommendations
from tagging import services as tagging

from .. import dashboard
from ..forms import RetagForm
from ..search import enqueue_search_index_rebuild

SESSION_TASKS = "marquee_dashboard_tasks"


def _remember_task(request: HttpRequest, label: str, task_id: str) -> None:
    tasks = [t for t in request.session.get(SESSION_TASKS, []) if t["id"] != task_id]
    request.session[SESSION_TASKS] = [{"id": task_id, "label": label}, *tasks][:8]


def dashboard_view(request: HttpRequest) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": "Marquee dashboard",
        "numbers": dashboard.headline_numbers(),
        "views_chart": dashboard.views_chart(),
        "metric_charts": dashboard.metric_charts(recommendations.metrics_history()),
        "zero_result_terms": dashboard.search_terms(zero_results=True),
        "top_terms": dashboard.search_terms(zero_results=False),
        "tasks": request.session.get(SESSION_TASKS, []),
        "retag_form": RetagForm(),
    }
    return TemplateResponse(request, "admin/marquee_dashboard.html", context)


@require_POST
def retrain(request: HttpRequest) -> HttpResponse:
    _remember_task(request, "Retrain recommendations", recommendations.enqueue_training())
    messages.success(request, "Retraining queued.")
    return redirect("marquee_dashboard:index")


@require_POST
def retag(request: HttpRequest) -> HttpResponse:
    form = RetagForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Re-tag: {form.errors.as_text()}")
        return redirect("marquee_dashboard:index")
    title = form.cleaned_data["title"]
    _remember_task(request, f"Re-tag {title}", tagging.enqueue_retag(title.pk))
    messages.success(request, f"Re-tagging of {title} queued.")
    return redirect("marquee_dashboard:index")


@require_POST
def rebuild_search_index(request: HttpRequest) -> HttpResponse:
    _remember_task(request, "Rebuild search index", enqueue_search_index_rebuild())
    messages.success(request, "Search index rebuild queued.")
    return redirect("marquee_dashboard:index")


def task_status(request: HttpRequest, task_id: str) -> JsonResponse:
    return JsonResponse(dashboard.task_status(task_id))
