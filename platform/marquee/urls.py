"""Root URLs: the admin, each feature's pages and APIs, and the subscriber storefront."""

from django.contrib import admin
from django.urls import include, path

from .media import media_urlpatterns

urlpatterns = [
    path("admin/dashboard/", include("storefront.staff_urls")),
    path("admin/", admin.site.urls),
    path("api/recommendations/", include("recommendations.urls")),
    path("api/support/", include("support_bot.urls")),
    path("tagging/", include("tagging.urls")),
    path("m/", include("marketing.urls")),
    path("", include("storefront.urls")),
]
# Uploads are served by Django only in development, and then never inline unless an allowed image or video.
urlpatterns += media_urlpatterns()
