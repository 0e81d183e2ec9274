"""The one table behind `exclusive_job` on databases without advisory locks."""

from django.db import models


class JobLock(models.Model):
    name = models.CharField(max_length=200, unique=True)
    holder = models.CharField(max_length=200)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder}"
