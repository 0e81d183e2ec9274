from django.contrib import admin
from django.utils.html import format_html

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


def preview(asset: MediaAsset, height: int) -> str:
    """An image asset drawn at `height` px (lazily, from the media storage); a video says what it is."""
    if not asset.file:
        return "—"
    if asset.kind != MediaAsset.Kind.IMAGE:
        length = f", {asset.duration_s:.1f} s" if asset.duration_s else ""
        return format_html('<span class="media-kind">▶ {}{}</span>', asset.get_role_display(), length)
    return format_html(
        '<img src="{}" alt="{} of {}" loading="lazy" style="height:{}px;max-width:{}px;object-fit:contain;'
        'border-radius:3px;background:#222">',
        asset.file.url, asset.get_role_display(), asset.title, height, height * 2,
    )


@admin.register(MediaAsset)
class MediaAssetAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "__str__", "kind", "role", "status", "size_bytes", "width", "height", "duration_s",
                    "created_at"]
    list_display_links = ["thumbnail", "__str__"]
    list_filter = ["kind", "role", "status"]
    search_fields = ["title__name", "original_name", "checksum"]
    autocomplete_fields = ["title"]
    readonly_fields = ["poster_preview", "size_bytes", "width", "height", "duration_s", "checksum", "status", "error",
                       "metadata"]
    list_select_related = ["title"]

    @admin.display(description="preview")
    def thumbnail(self, obj: MediaAsset) -> str:
        return preview(obj, 60)

    @admin.display(description="preview")
    def poster_preview(self, obj: MediaAsset) -> str:
        return preview(obj, 320) if obj.pk else "Shown here once the file is saved."
