from django.contrib import admin
from django_celery_results.admin import GroupResultAdmin, TaskResultAdmin
from django_celery_results.models import GroupResult, TaskResult

from .models import JobLock


class ReadOnlyLogAdmin(admin.ModelAdmin):
    """Logs are written by the platform, never by hand: staff read them (and may delete), never add or edit."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# Locks are taken and released by the jobs that hold them; staff may only delete a stale one.
@admin.register(JobLock)
class JobLockAdmin(ReadOnlyLogAdmin):
    list_display = ["name", "holder", "expires_at"]


# Task and group results are the workers' log: django-celery-results' admin, without "Add" and edit forms.
admin.site.unregister(TaskResult)
admin.site.unregister(GroupResult)


@admin.register(TaskResult)
class ReadOnlyTaskResultAdmin(ReadOnlyLogAdmin, TaskResultAdmin):
    pass


@admin.register(GroupResult)
class ReadOnlyGroupResultAdmin(ReadOnlyLogAdmin, GroupResultAdmin):
    pass
