from django.contrib import admin

from .models import Genre, MediaAsset, Region, Tag, Title, TitleAvailability, TitleTag


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "description", "is_active", "created_at"]
    list_editable = ["kind"]  # only genres, moods and themes reach subscribers
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class TitleTagInline(admin.TabularInline):
    model = TitleTag
    extra = 0
    autocomplete_fields = ["tag"]


class AvailabilityInline(admin.TabularInline):
    model = TitleAvailability
    extra = 0


class MediaAssetInline(admin.TabularInline):
    model = MediaAsset
    extra = 0
    fields = ["kind", "role", "file", "status", "error"]
    readonly_fields = ["status", "error"]
    show_change_link = True


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "year", "maturity_rating", "runtime_minutes", "movielens_id", "added_at"]
    list_filter = ["kind", "maturity_rating", "genres"]
    search_fields = ["name", "movielens_id", "imdb_id"]
    filter_horizontal = ["genres"]
    inlines = [TitleTagInline, AvailabilityInline, MediaAssetInline]
    date_hierarchy = "added_at"


@admin.register(TitleTag)
class TitleTagAdmin(admin.ModelAdmin):
    list_display = ["title", "tag", "source", "confidence", "created_at"]
    list_filter = ["source"]
    search_fields = ["title__name", "tag__name"]
    autocomplete_fields = ["title", "tag"]
    list_select_related = ["title", "tag"]


@admin.register(TitleAvailability)
class TitleAvailabilityAdmin(admin.ModelAdmin):
    list_display = ["title", "region", "available_from", "available_until"]
    list_filter = ["region"]
    search_fields = ["title__name"]
    autocomplete_fields = ["title"]
    list_select_related = ["title", "region"]


@admin.register(MediaAsset)
class MediaAssetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "role", "status", "size_bytes", "width", "height", "duration_s", "created_at"]
    list_filter = ["kind", "role", "status"]
    search_fields = ["title__name", "original_name", "checksum"]
    autocomplete_fields = ["title"]
    readonly_fields = ["size_bytes", "width", "height", "duration_s", "checksum", "status", "error", "metadata"]
    list_select_related = ["title"]
