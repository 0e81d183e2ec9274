from django.contrib import admin
from django_celery_results.admin import TaskResultAdmin
from django_celery_results.models import TaskResult

from .models import JobLock


class ReadOnlyLogAdmin(admin.ModelAdmin):
    """Logs are written by the platform, never by hand: staff read them (and may delete), never add or edit."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(JobLock)
class JobLockAdmin(admin.ModelAdmin):
    list_display = ["name", "holder", "expires_at"]


# Task results are the workers' log: django-celery-results' admin, without its "Add" and edit forms.
admin.site.unregister(TaskResult)


@admin.register(TaskResult)
class ReadOnlyTaskResultAdmin(ReadOnlyLogAdmin, TaskResultAdmin):
    pass
