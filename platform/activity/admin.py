from django.contrib import admin

from jobs.admin import ReadOnlyLogAdmin

from .models import Impression, MyListEntry, Rating, SearchQuery, ViewingEvent

# Activity tables grow with every page view: raw-id widgets and no count-heavy filters.


@admin.register(ViewingEvent)
class ViewingEventAdmin(ReadOnlyLogAdmin):
    list_display = ["profile", "title", "started_at", "seconds_watched", "completion", "hidden_at"]
    search_fields = ["title__name", "profile__account__email"]
    raw_id_fields = ["profile", "title"]
    date_hierarchy = "started_at"
    list_select_related = ["profile__account", "title"]
    show_full_result_count = False


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["profile", "title", "stars", "thumb", "rated_at"]
    list_filter = ["thumb"]
    search_fields = ["title__name", "profile__account__email"]
    raw_id_fields = ["profile", "title"]
    date_hierarchy = "rated_at"
    list_select_related = ["profile__account", "title"]
    show_full_result_count = False


@admin.register(SearchQuery)
class SearchQueryAdmin(ReadOnlyLogAdmin):
    list_display = ["text", "profile", "results_count", "opened_title", "created_at"]
    search_fields = ["text", "normalized_text"]
    raw_id_fields = ["profile", "opened_title"]
    date_hierarchy = "created_at"
    list_select_related = ["profile__account", "opened_title"]
    show_full_result_count = False


@admin.register(Impression)
class ImpressionAdmin(ReadOnlyLogAdmin):
    list_display = ["title", "profile", "surface", "position", "artwork", "policy", "propensity", "shown_at"]
    list_filter = ["shown_at", "surface", "policy"]  # date ranges use the BRIN index; no date drill-down scans
    raw_id_fields = ["profile", "title", "artwork"]
    list_select_related = ["profile__account", "title", "artwork"]
    show_full_result_count = False


@admin.register(MyListEntry)
class MyListEntryAdmin(admin.ModelAdmin):
    list_display = ["title", "profile", "added_at"]
    search_fields = ["title__name", "profile__account__email"]
    raw_id_fields = ["profile", "title"]
    list_select_related = ["profile__account", "title"]
