"""The search index is browsable by staff (which titles are embedded, and when)."""

from django.contrib import admin

from .models import TitleSearchVector


@admin.register(TitleSearchVector)
class TitleSearchVectorAdmin(admin.ModelAdmin):
    list_display = ["title", "text_hash", "updated_at"]
    raw_id_fields = ["title"]
    readonly_fields = ["vector", "text_hash", "updated_at"]
