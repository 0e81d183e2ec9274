"""Staff read the insights here: charts per region and week, the raw tables, and the audience forecast form.

Every table is written by the scheduled refresh, so the model admins are read-only; the pages only parse
the request and render what `pages` and `forecast` compute.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from . import candidates, forecast, pages
from .forms import CandidateTitleForm
from .models import Trend, WeeklyCount


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Trend)
class TrendAdmin(ReadOnlyAdmin):
    list_display = [
        "label",
        "kind",
        "region",
        "week",
        "baseline_share",
        "share",
        "z",
        "q_value",
        "significant",
    ]
    list_filter = ["significant", "kind", "region", "week"]
    search_fields = ["label"]
    change_list_template = "admin/insights/trend/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("charts/", view(self.charts_view), name="insights_trend_charts"),
            path("forecast/", view(self.forecast_view), name="insights_trend_forecast"),
            *super().get_urls(),
        ]

    def _context(self, request, title: str) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title}

    def charts_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        region, week, regions, weeks = pages.choices(request.GET.get("region"), request.GET.get("week"))
        context = self._context(request, "Trends by region")
        context.update(region=region, week=week, regions=regions, weeks=weeks)
        if region and week:
            context.update(pages.overview(region, week))
        return TemplateResponse(request, "admin/insights/charts.html", context)

    def forecast_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = CandidateTitleForm(request.POST or None)
        context = self._context(request, "Audience forecast for a candidate title")
        if request.method == "POST" and form.is_valid():
            try:
                candidate = candidates.parse_candidate(form.description(), "form")
            except candidates.ForecastInputError as error:
                form.add_error(None, str(error))
            else:
                results = forecast.forecast(candidate)
                context.update(
                    results=results,
                    candidate=candidate,
                    chart=pages.forecast_chart(results),
                    no_model=not results,
                )
        context["form"] = form
        return TemplateResponse(request, "admin/insights/forecast.html", context)


@admin.register(WeeklyCount)
class WeeklyCountAdmin(ReadOnlyAdmin):
    list_display = ["label", "kind", "region", "week", "count", "total", "unmet", "no_results"]
    list_filter = ["kind", "region", "week"]
    search_fields = ["label"]
