"""Admin hooks: Marquee's name on the admin, the index links to the staff dashboard; the search index is browsable."""

from django.contrib import admin

from .models import TitleSearchVector

admin.site.index_template = "admin/marquee_index.html"
admin.site.site_header = "Marquee administration"
admin.site.site_title = "Marquee admin"
admin.site.index_title = "Marquee back office"


@admin.register(TitleSearchVector)
class TitleSearchVectorAdmin(admin.ModelAdmin):
    list_display = ["title", "text_hash", "updated_at"]
    raw_id_fields = ["title"]
    readonly_fields = ["vector", "text_hash", "updated_at"]
