"""The catalog every feature shares: titles, genres, the tag vocabulary, regions and media files."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now

from .formats import HEAD_BYTES, UnsupportedMedia, check_media


class Genre(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A word in the tag vocabulary. The description is what text and image taggers match against."""

    class Kind(models.TextChoices):
        GENRE = "genre", "Genre"
        MOOD = "mood", "Mood"
        THEME = "theme", "Theme"
        DESCRIPTOR = "descriptor", "Picture descriptor (colour, text, people, framing)"
        OTHER = "other", "Not classified yet"

    # Kinds a subscriber may see; descriptors and unclassified words (e.g. fresh MovieLens tags) stay internal.
    SUBSCRIBER_KINDS = (Kind.GENRE, Kind.MOOD, Kind.THEME)

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True, help_text="Inactive tags are kept but no tagger suggests them.")
    kind = models.CharField(
        max_length=12, choices=Kind.choices, default=Kind.OTHER, db_index=True,
        help_text="Only genres, moods and themes are shown to subscribers.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    code = models.CharField(max_length=2, unique=True, help_text="ISO 3166-1 alpha-2")
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TitleQuerySet(models.QuerySet):
    def visible_to(self, profile) -> "TitleQuerySet":
        """Titles this profile may see: licensed in its account's region now, within its maturity limit.

        This is the one visibility rule: every page, API, e-mail and bot answer that shows titles uses it
        (or `visible_in` with the same two facts when only those are at hand).
        """
        return self.visible_in(profile.account.region_id, profile.allowed_ratings)

    def visible_in(self, region: "Region | int | None", ratings: "Iterable[str] | None") -> "TitleQuerySet":
        """Titles available in `region` whose maturity rating is in `ratings` (None: any rating)."""
        return self.available_in(region).rated(ratings)

    def rated(self, ratings: "Iterable[str] | None") -> "TitleQuerySet":
        # Sorted, so the SQL is the same for the same set (prepared queries are keyed by it).
        return self if ratings is None else self.filter(maturity_rating__in=sorted(ratings))

    def available_in(self, region: "Region | int | None") -> "TitleQuerySet":
        """Titles that may be shown in `region`.

        A title with no availability rows is available everywhere (imported catalogues carry
        no rights data); one with rows is available only where a row's window is open.
        """
        if region is None:
            return self
        region_id = region.pk if isinstance(region, Region) else region
        # The database's clock, not a parameter: the same SQL serves every request (ranking.fetch_prepared).
        open_window = (Q(available_from__isnull=True) | Q(available_from__lte=Now())) & (
            Q(available_until__isnull=True) | Q(available_until__gt=Now())
        )
        any_rows = TitleAvailability.objects.filter(title=OuterRef("pk"))
        here = TitleAvailability.objects.filter(open_window, title=OuterRef("pk"), region_id=region_id)
        return self.filter(~Exists(any_rows) | Exists(here))


DEFAULT_RUNTIME_S = 90 * 60  # a title with neither a video nor a runtime plays as a feature film


class Title(models.Model):
    class Kind(models.TextChoices):
        MOVIE = "movie", "Movie"
        SERIES = "series", "Series"

    class Maturity(models.TextChoices):
        G = "G", "G"
        PG = "PG", "PG"
        PG13 = "PG-13", "PG-13"
        R = "R", "R"
        NC17 = "NC-17", "NC-17"
        UNRATED = "NR", "Not rated"

    name = models.CharField(max_length=300, db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MOVIE)
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    synopsis = models.TextField(blank=True)
    runtime_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    maturity_rating = models.CharField(max_length=5, choices=Maturity.choices, default=Maturity.UNRATED)
    genres = models.ManyToManyField(Genre, blank=True, related_name="titles")
    tags = models.ManyToManyField(Tag, through="TitleTag", blank=True, related_name="titles")
    regions = models.ManyToManyField(Region, through="TitleAvailability", blank=True, related_name="titles")
    # External ids, kept so data can round-trip with the sources it came from.
    movielens_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    imdb_id = models.CharField(max_length=12, blank=True, help_text="e.g. tt0114709")
    tmdb_id = models.PositiveIntegerField(null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = TitleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})" if self.year else self.name

    # get_absolute_url, the subscriber's page of this title, is set by the project (settings'
    # ABSOLUTE_URL_OVERRIDES): the core and the features link to it without naming the storefront's URLs.

    def playable_video(self) -> "MediaAsset | None":
        """The video the player shows: a feature beats a trailer; among equals the first uploaded."""
        videos = self.media_assets.filter(kind=MediaAsset.Kind.VIDEO, status=MediaAsset.Status.READY)
        return min(videos, key=lambda a: (a.role != MediaAsset.Role.FEATURE, a.pk), default=None)

    def duration_s(self, video: "MediaAsset | None") -> float:
        """How long playback runs: the video's length, else the listed runtime, else a feature's 90 minutes."""
        if video is not None and video.duration_s:
            return float(video.duration_s)
        return float(self.runtime_minutes * 60 if self.runtime_minutes else DEFAULT_RUNTIME_S)


class TitleTagQuerySet(models.QuerySet):
    def shown_to_subscribers(self) -> "TitleTagQuerySet":
        """The title tags a subscriber may see: the one rule every subscriber surface uses.

        A tag of a subscriber-facing kind (genre, mood, theme) that a person stated (staff, or the imported
        catalogue), or that a model proposed with at least SUBSCRIBER_MODEL_TAG_MIN_CONFIDENCE. Descriptor
        tags (colour, on-screen text, people) and unclassified words stay internal whatever their source.
        """
        stated = Q(source__in=[TitleTag.Source.STAFF, TitleTag.Source.IMPORTED])
        confident = Q(source=TitleTag.Source.MODEL, confidence__gte=settings.SUBSCRIBER_MODEL_TAG_MIN_CONFIDENCE)
        return self.filter(stated | confident, tag__kind__in=Tag.SUBSCRIBER_KINDS)


def subscriber_tag_names(title: "Title") -> list[str]:
    """The names of `title`'s tags a subscriber may see, sorted (the title page lists them)."""
    return sorted(TitleTag.objects.filter(title=title).shown_to_subscribers().values_list("tag__name", flat=True))


class TitleTag(models.Model):
    """A tag on a title, with where it came from and how sure that source is.

    One row per (title, tag): a person's word outranks a model's (SOURCE_RANK), so staff approval turns a
    model row into a staff row and a model never overwrites a staff or imported one.
    """

    class Source(models.TextChoices):
        IMPORTED = "imported", "Imported"
        STAFF = "staff", "Staff"
        MODEL = "model", "Model"

    # Which source a (title, tag) row keeps when two would state it: higher wins.
    SOURCE_RANK = {Source.STAFF: 3, Source.IMPORTED: 2, Source.MODEL: 1}

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="title_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="title_tags")
    source = models.CharField(max_length=10, choices=Source.choices)
    confidence = models.FloatField(default=1.0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TitleTagQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["title", "tag"], name="unique_title_tag"),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1), name="title_tag_confidence_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.tag} ({self.source}, {self.confidence:.2f})"


class TitleAvailability(models.Model):
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="availability")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="availability")
    available_from = models.DateTimeField(null=True, blank=True)
    available_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "title availability"
        constraints = [models.UniqueConstraint(fields=["title", "region"], name="unique_title_region")]

    def __str__(self) -> str:
        return f"{self.title} in {self.region.code}"


def media_upload_path(asset: "MediaAsset", filename: str) -> str:
    return f"titles/{asset.title_id or 'unassigned'}/{asset.kind}/{filename}"


class MediaAsset(models.Model):
    """An image or video file of a title, stored through Django's storage API."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"

    class Role(models.TextChoices):
        POSTER = "poster", "Poster"
        ARTWORK = "artwork", "Alternative artwork"
        STILL = "still", "Still"
        FEATURE = "feature", "Feature video"
        TRAILER = "trailer", "Trailer / preview clip"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="media_assets")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    role = models.CharField(max_length=10, choices=Role.choices)
    file = models.FileField(upload_to=media_upload_path, max_length=300)
    original_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the file's bytes")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField(blank=True, help_text="Why processing failed, for staff")
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title_id", "role", "id"]
        indexes = [models.Index(fields=["title", "role"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()} of {self.title} ({self.get_status_display()})"

    def clean(self) -> None:
        """Refuse a new file that is not an accepted image or video of the declared kind, before it is stored.

        Admin forms call this (full_clean), so a refused upload never reaches the storage.
        """
        upload = self.file
        if not upload or getattr(upload, "_committed", True):
            return  # no file, or the stored one (checked when it was uploaded)
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise ValidationError({"file": f"{upload.name}: {upload.size} bytes is over the upload limit "
                                           f"of {settings.MAX_UPLOAD_BYTES} bytes"})
        handle = upload.file
        handle.seek(0)
        head = handle.read(HEAD_BYTES)
        handle.seek(0)
        try:
            check_media(upload.name, head, self.kind or None)
        except UnsupportedMedia as error:
            raise ValidationError({"file": str(error)}) from None
