"""Admin hooks: Marquee's name on the admin, and the index links to the staff dashboard."""

from django.contrib import admin

admin.site.index_template = "admin/marquee_index.html"
admin.site.site_header = "Marquee administration"
admin.site.site_title = "Marquee admin"
admin.site.index_title = "Marquee back office"

