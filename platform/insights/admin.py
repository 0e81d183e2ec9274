"""Staff read the insights here; every table is written by the scheduled refresh, so the admin is read-only."""

from django.contrib import admin

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


@admin.register(WeeklyCount)
class WeeklyCountAdmin(ReadOnlyAdmin):
    list_display = ["label", "kind", "region", "week", "count", "total", "unmet", "no_results"]
    list_filter = ["kind", "region", "week"]
    search_fields = ["label"]
