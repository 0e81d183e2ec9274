"""The staff dashboard's URLs, mounted under /admin/dashboard/ and guarded by the admin's login.

Each action also checks the permission of the model it changes (views/staff.py), so a staff
group's role holds here as it does in the admin.
"""

from django.contrib import admin
from django.urls import path

from .views import staff

app_name = "marquee_dashboard"
urlpatterns = [
    path("", admin.site.admin_view(staff.dashboard_view), name="index"),
    path("retrain/", admin.site.admin_view(staff.retrain), name="retrain"),
    path("retag/", admin.site.admin_view(staff.retag), name="retag"),
    path("search-index/", admin.site.admin_view(staff.rebuild_search_index), name="rebuild_search_index"),
    path("queues/", admin.site.admin_view(staff.queue_monitor), name="queues"),
    path("tasks/<str:task_id>/", admin.site.admin_view(staff.task_status), name="task_status"),
]
