"""Summary tables the insights pages read: weekly counts per region and key, and the trends tested on them.

They are written by the scheduled refresh (`trends.refresh_trends`) from SQL aggregates over the core
logs, so a staff page never scans the event tables.
"""

from django.db import models

from catalog.models import Region


class Kind(models.TextChoices):
    GENRE = "genre", "Genre"
    TAG = "tag", "Tag"
    TITLE = "title", "Title"
    SEARCH = "search", "Search term"


class WeeklyCount(models.Model):
    """Events of one key (a genre, tag or title id, or a normalised search text) in one region-week.

    `total` is the region-week's count of the whole family (all views, or all searches), so
    `count / total` is the key's share. For searches, `unmet` counts the ones that found nothing or
    that no one opened, `no_results` those that found nothing.
    """

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="Monday of the ISO week (UTC)")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=200)
    label = models.CharField(max_length=300)
    count = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    unmet = models.PositiveIntegerField(default=0)
    no_results = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["region_id", "kind", "week", "-count"]
        indexes = [models.Index(fields=["region", "kind", "week"])]
        constraints = [
            models.UniqueConstraint(fields=["region", "week", "kind", "key"], name="one_weekly_count_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.label} in {self.region_id} week {self.week}: {self.count}/{self.total}"


class Trend(models.Model):
    """One key's share in a region-week against its time-decayed share over the weeks before, tested.

    `significant` is the Benjamini-Hochberg decision over every test of the same refresh, so a
    handful of views in a tiny region does not come out as a trend.
    """

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=200)
    label = models.CharField(max_length=300)
    count = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    share = models.FloatField()
    baseline_share = models.FloatField(help_text="time-decayed share over the preceding weeks")
    z = models.FloatField()
    p_value = models.FloatField()
    q_value = models.FloatField(help_text="Benjamini-Hochberg adjusted p-value")
    significant = models.BooleanField(default=False)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["region_id", "week", "kind", "q_value"]
        indexes = [models.Index(fields=["region", "week", "kind", "significant"])]
        constraints = [
            models.UniqueConstraint(fields=["region", "week", "kind", "key"], name="one_trend_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.label} in {self.region_id} week {self.week}: {self.baseline_share:.3f} -> {self.share:.3f}"

    @property
    def rising(self) -> bool:
        return self.share > self.baseline_share
