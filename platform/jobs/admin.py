from django.contrib import admin

from .models import JobLock


@admin.register(JobLock)
class JobLockAdmin(admin.ModelAdmin):
    list_display = ["name", "holder", "expires_at"]
