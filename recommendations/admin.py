"""Admin: model versions with metrics against baselines as an SVG chart, rollback, retrain now; trials; candidates."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from charts import Series, line_chart

from . import services
from .baselines import BASELINE_LABELS, BASELINES, best_baseline
from .models import Candidate, HyperparameterTrial, ItemNeighbour, ModelVersion

_BASELINE_COLOURS = {
    "item_knn": "#1f77b4",
    "popularity": "#7f7f7f",
    "lightfm_default": "#2ca02c",
    "user_knn": "#9467bd",
    "ease": "#ff7f0e",
}


def _mark(h: dict) -> str:
    return " ★" if h.get("is_active") else " ✗" if h.get("status") == ModelVersion.Status.REJECTED else ""


def metrics_chart(history: list[dict], metric: str = "ndcg@10"):
    """One line per model over versions (oldest left), baselines dashed, plus each version's strongest
    baseline on its split (the bar to beat); versions without the metric leave a gap."""
    evaluated = [h for h in history if (h.get("metrics") or {}).get("hybrid", {}).get(metric) is not None]

    def values(pick) -> list[float | None]:
        return [pick(h.get("metrics") or {}) for h in evaluated]

    def best(metrics: dict) -> float | None:
        name = best_baseline(metrics, metric)
        return metrics[name][metric] if name else None

    series = [
        Series("Two-stage ranker (what a version serves when it has one)",
               values(lambda m: (m.get("two_stage") or {}).get(metric)), "#1f77b4"),
        Series("Hybrid", values(lambda m: m["hybrid"][metric]), "#e50914"),
    ]
    series += [
        Series(
            label,
            values(lambda m, n=name: (m.get(n) or {}).get(metric)),
            _BASELINE_COLOURS.get(name),
            dashed=True,
        )
        for name, label in BASELINE_LABELS.items()
    ]
    series.append(Series("Best baseline (the bar)", values(best), "#000000"))
    series = [s for s in series if any(v is not None for v in s.values)]
    names = [f"v{h['version']}" for h in evaluated]
    labels = [f"{name}{_mark(h)}" for name, h in zip(names, evaluated, strict=True)]
    return line_chart(
        labels,
        series,
        point_names=names,
        value_format=lambda v: f"{v:.4f}",
        width=720,
        height=260,
        title=f"{metric} on the held-out time split, per model version (★ serving, ✗ rejected)",
        empty="No evaluated model versions yet: the chart appears after a training.",
    )


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "version",
        "status",
        "is_active",
        "ndcg_vs_baselines",
        "training_seconds",
        "created_at",
        "activated_at",
    ]
    list_filter = ["status", "is_active"]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    actions = ["roll_back_to_version"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_add_permission_for_training(self, request: HttpRequest) -> bool:
        # has_add_permission is False (versions come only from training); training itself needs the add right.
        return request.user.has_perm("recommendations.add_modelversion")

    @admin.display(description="NDCG@10 (hybrid / best baseline)")
    def ndcg_vs_baselines(self, obj: ModelVersion) -> str:
        if obj.ndcg is None:
            return "—"
        baselines = {
            k: v.get("ndcg@10", 0) for k, v in obj.metrics.items() if k in BASELINES and isinstance(v, dict)
        }
        if not baselines:
            return f"{obj.ndcg:.4f}"
        best = max(baselines, key=baselines.get)
        return (
            f"{obj.served} {obj.ndcg:.4f} vs {best} {baselines[best]:.4f} "
            f"(×{obj.ndcg / max(baselines[best], 1e-12):.2f})"
        )

    @admin.action(
        description="Roll back: make the selected (previously active) version active again",
        permissions=["change"],
    )
    def roll_back_to_version(self, request: HttpRequest, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to roll back to.", messages.ERROR)
            return
        from . import training  # admin actions only: web processes do not load the training stack

        try:
            version = training.rollback(queryset.get())
        except training.RollbackError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, f"v{version.version} is active again.", messages.SUCCESS)

    def get_urls(self):
        retrain = self.admin_site.admin_view(require_POST(self.retrain_view))
        tune = self.admin_site.admin_view(require_POST(self.search_view))
        return [
            path("retrain/", retrain, name="recommendations_modelversion_retrain"),
            path("search/", tune, name="recommendations_modelversion_search"),
        ] + super().get_urls()

    def search_view(self, request: HttpRequest):
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        from jobs import enqueue_on_commit

        from .tasks import hyperparameter_search_task

        enqueue_on_commit(hyperparameter_search_task, 8)
        self.message_user(
            request, "Hyperparameter search queued (8 trials); trials appear under Hyperparameter trials."
        )
        return HttpResponseRedirect(reverse("admin:recommendations_modelversion_changelist"))

    def retrain_view(self, request: HttpRequest):
        # Training adds a version and may activate it: both permissions, as on the staff dashboard.
        if not (self.has_add_permission_for_training(request) and self.has_change_permission(request)):
            return HttpResponseRedirect(reverse("admin:index"))
        task_id = services.enqueue_training()
        self.message_user(
            request, f"Training queued (task {task_id}); progress shows above the list.", messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:recommendations_modelversion_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context=None):
        from django_celery_results.models import TaskResult

        history = services.metrics_history()
        task = (
            TaskResult.objects.filter(task_name="recommendations.tasks.train_recommender_task")
            .order_by("-date_created")
            .first()
        )
        progress = None
        if task and task.status == "PROGRESS" and task.result:
            try:
                progress = json.loads(task.result)
            except ValueError:
                progress = None
        extra_context = (extra_context or {}) | {
            "metric_charts": [metrics_chart(history, "ndcg@10"), metrics_chart(history, "coverage")],
            "training_task": task,
            "training_progress": progress,
        }
        return super().changelist_view(request, extra_context)


@admin.register(HyperparameterTrial)
class HyperparameterTrialAdmin(admin.ModelAdmin):
    list_display = ["pk", "search_id", "protocol", "validation_ndcg", "seconds", "created_at"]
    list_filter = ["protocol"]
    readonly_fields = [
        "search_id",
        "protocol",
        "params",
        "metrics",
        "validation_ndcg",
        "seconds",
        "created_at",
    ]


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["profile", "model_version", "source", "rank", "title", "score", "generator", "anchor"]
    list_filter = ["source", "generator"]
    list_select_related = ["profile", "title", "anchor", "model_version"]
    raw_id_fields = ["profile", "title", "anchor", "model_version"]


@admin.register(ItemNeighbour)
class ItemNeighbourAdmin(admin.ModelAdmin):
    list_display = ["title", "neighbour", "rank", "similarity", "model_version"]
    list_select_related = ["title", "neighbour", "model_version"]
    raw_id_fields = ["title", "neighbour", "model_version"]
