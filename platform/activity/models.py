"""What profiles do: watch, rate, search, save, and what they were shown. Every learner reads these."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Profile
from catalog.models import MediaAsset, Title


class ViewingEvent(models.Model):
    """One viewing session of a title; it grows as the player reports progress."""

    # A session at least this far through is finished: it leaves Continue Watching and stays in History.
    FINISHED_AT = 0.9

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="viewing_events")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="viewing_events")
    started_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    seconds_watched = models.PositiveIntegerField(default=0)
    completion = models.FloatField(default=0.0, help_text="Share of the runtime watched, 0 to 1")
    # Set when the viewer removed it from their history: kept for audit, ignored by learners.
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["profile", "-started_at"]), models.Index(fields=["title", "started_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(completion__gte=0) & Q(completion__lte=1), name="view_completion_0_1")
        ]

    def __str__(self) -> str:
        return f"{self.profile} watched {self.title} ({self.completion:.0%})"


class Rating(models.Model):
    """A profile's opinion of a title: MovieLens-style half stars, thumbs, or both."""

    class Thumb(models.IntegerChoices):
        DOWN = -1, "Thumbs down"
        UP = 1, "Thumbs up"

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="ratings")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="ratings")
    stars = models.FloatField(null=True, blank=True, help_text="0.5 to 5 in half stars")
    thumb = models.SmallIntegerField(choices=Thumb.choices, null=True, blank=True)
    rated_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-rated_at"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "title"], name="one_rating_per_profile_title"),
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | (Q(stars__gte=0.5) & Q(stars__lte=5)), name="rating_stars_range"
            ),
            models.CheckConstraint(
                condition=Q(stars__isnull=False) | Q(thumb__isnull=False), name="rating_has_stars_or_thumb"
            ),
        ]

    def __str__(self) -> str:
        opinion = f"{self.stars}★" if self.stars is not None else self.get_thumb_display()
        return f"{self.profile} rated {self.title}: {opinion}"


class SearchQuery(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="searches")
    text = models.CharField(max_length=200)
    normalized_text = models.CharField(max_length=200, db_index=True)
    results_count = models.PositiveIntegerField(default=0)
    # The title the viewer opened from the results, if any: a search-led interest signal.
    opened_title = models.ForeignKey(
        Title, null=True, blank=True, on_delete=models.SET_NULL, related_name="search_openings"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "search queries"

    def __str__(self) -> str:
        return f"{self.profile}: {self.text!r} ({self.results_count} results)"


class Impression(models.Model):
    """A title card shown to a profile: where, with which artwork, and how likely that choice was.

    The propensity is the serving policy's probability of the artwork it showed, so
    off-policy evaluation and bandit learning can correct for what was shown.

    An append-only log written in large batches (activity/impressions.py), about 80 rows per home
    page, so every index and check is paid ~80 times a page: its foreign keys carry no database
    constraint (the flush keeps only cards whose profile, title and artwork exist, and Django still
    cascades deletes), and it keeps two B-trees (the primary key; profile, title, time) plus, on
    PostgreSQL, a BRIN index on `shown_at` for time-window reads (migration 0005). Deferred
    constraint checks and four more B-trees made a batch ~4x dearer (110k rows: 2.1 s against 0.54 s).
    The price: deleting a title or an artwork asset scans the log for its impressions.
    """

    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="impressions", db_constraint=False, db_index=False
    )  # indexed by the (profile, title, shown_at) index below
    title = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="impressions", db_constraint=False, db_index=False
    )
    surface = models.CharField(max_length=40, help_text="Row or page, e.g. top_picks, because_you_watched, search")
    position = models.PositiveSmallIntegerField(default=0)
    artwork = models.ForeignKey(
        MediaAsset, null=True, blank=True, on_delete=models.SET_NULL, related_name="impressions",
        db_constraint=False, db_index=False,
    )
    policy = models.CharField(max_length=40, blank=True)
    propensity = models.FloatField(default=1.0)
    request_id = models.CharField(max_length=36, blank=True, help_text="The page view the card belonged to")
    shown_at = models.DateTimeField(default=timezone.now)  # set by the page, not the flush; BRIN on PostgreSQL
    # The bandit's context at decision time (the profile's taste vector, a list of floats) for cards a policy
    # chose; the learner and offline evaluation read it instead of rebuilding the taste from a history that
    # may have grown since. Null for posters shown as the fallback and for impressions logged before it.
    context = models.JSONField(null=True, blank=True, help_text="Taste vector the serving policy saw")

    class Meta:
        ordering = ["-id"]  # insertion order: the newest first without sorting the log
        indexes = [models.Index(fields=["profile", "title", "shown_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(propensity__gt=0) & Q(propensity__lte=1), name="impression_propensity_0_1"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} shown to {self.profile} in {self.surface}#{self.position}"


class MyListEntry(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="my_list")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="saved_by")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-added_at"]
        verbose_name = "My List entry"
        verbose_name_plural = "My List entries"
        constraints = [models.UniqueConstraint(fields=["profile", "title"], name="unique_my_list_title")]

    def __str__(self) -> str:
        return f"{self.title} on {self.profile}'s list"
