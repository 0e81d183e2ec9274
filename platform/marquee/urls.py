"""Root URLs: the admin, each feature's pages and APIs, and the subscriber storefront."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/dashboard/", include("storefront.staff_urls")),
    path("admin/", admin.site.urls),
    path("api/recommendations/", include("recommendations.urls")),
    path("api/support/", include("support_bot.urls")),
    path("tagging/", include("tagging.urls")),
    path("", include("storefront.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
