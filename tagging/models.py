"""Shots, keyframes and tag suggestions of a title's media, staff labels and the learned taggers built from them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import MediaAsset, Tag, Title


class Shot(models.Model):
    """A continuous run of frames of a video asset (a still image is one shot of its own)."""

    class Transition(models.TextChoices):
        START = "start", "Start"
        CUT = "cut", "Cut"
        FADE = "fade", "Fade"
        DISSOLVE = "dissolve", "Dissolve"

    asset = models.ForeignKey(MediaAsset, on_delete=models.CASCADE, related_name="tagging_shots")
    index = models.PositiveIntegerField()
    start_frame = models.PositiveIntegerField()
    end_frame = models.PositiveIntegerField()
    start_s = models.FloatField()
    end_s = models.FloatField()
    transition = models.CharField(max_length=10, choices=Transition.choices)

    class Meta:
        ordering = ["asset_id", "index"]
        constraints = [models.UniqueConstraint(fields=["asset", "index"], name="tagging_unique_shot_index")]

    def __str__(self) -> str:
        return f"shot {self.index} of asset {self.asset_id} ({self.start_s:.1f}-{self.end_s:.1f} s)"

    @property
    def duration_s(self) -> float:
        return max(self.end_s - self.start_s, 0.0)


def keyframe_upload_path(keyframe: "Keyframe", filename: str) -> str:
    return f"tagging/keyframes/{keyframe.shot.asset_id}/{filename}"


class Keyframe(models.Model):
    """The best-looking frame of a shot, stored as an image, with the descriptors taggers read."""

    shot = models.OneToOneField(Shot, on_delete=models.CASCADE, related_name="keyframe")
    frame = models.PositiveIntegerField()
    image = models.FileField(upload_to=keyframe_upload_path, max_length=300)
    quality = models.FloatField(help_text="0..1: sharpness, exposure and contrast")
    motion = models.FloatField(default=0.0, help_text="mean luma change to the next frame, 0..1")
    features = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"keyframe {self.frame} of {self.shot}"


# `MediaAsset.metadata` key of a still copied from a keyframe (artwork's proposed candidates): its frame was
# tagged as part of its video, so the pipeline leaves the copy alone rather than tag the same frame twice.
COPIED_FROM_KEYFRAME = "copied_from_keyframe"


def is_keyframe_copy(asset) -> bool:
    return bool((asset.metadata or {}).get(COPIED_FROM_KEYFRAME))


SHOTS_TAGGER = "shots"  # the tagger name of title-level suggestions aggregated from keyframe suggestions


class TagSuggestionQuerySet(models.QuerySet):
    def for_review(self) -> "TagSuggestionQuerySet":
        """What staff review: every proposal but the title-level sums of keyframe suggestions ("shots").

        Those follow from the keyframe rows (judging a frame re-sums its title), so listing both showed a
        poster's every tag twice and counted it twice as awaiting review.
        """
        return self.exclude(keyframe__isnull=True, tagger=SHOTS_TAGGER)


class TagSuggestion(models.Model):
    """A tag proposed by a tagger, for one keyframe or (keyframe empty) for the whole title."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="tag_suggestions")
    keyframe = models.ForeignKey(
        Keyframe, on_delete=models.CASCADE, null=True, blank=True, related_name="suggestions"
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="suggestions")
    tagger = models.CharField(max_length=40)
    confidence = models.FloatField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TagSuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-confidence", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["keyframe", "tag", "tagger"], condition=Q(keyframe__isnull=False),
                name="tagging_unique_keyframe_suggestion",
            ),
            models.UniqueConstraint(
                fields=["title", "tag", "tagger"], condition=Q(keyframe__isnull=True),
                name="tagging_unique_title_suggestion",
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1), name="tagging_suggestion_confidence_0_1"
            ),
        ]
        indexes = [models.Index(fields=["status", "-confidence"])]

    def __str__(self) -> str:
        where = f"keyframe {self.keyframe_id}" if self.keyframe_id else "title"
        return f"{self.tag} on {self.title} ({where}, {self.tagger} {self.confidence:.2f})"


class TrainingLabel(models.Model):
    """A staff decision on a keyframe tag, kept with the keyframe's features so it outlives re-processing."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="training_labels")
    keyframe = models.ForeignKey(Keyframe, on_delete=models.SET_NULL, null=True, blank=True)
    features = models.JSONField()
    positive = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["keyframe", "tag"], condition=Q(keyframe__isnull=False), name="tagging_unique_label"
            )
        ]

    def __str__(self) -> str:
        return f"{'+' if self.positive else '-'}{self.tag} (keyframe {self.keyframe_id})"


class LearnedTagger(models.Model):
    """Per-tag logistic model with Platt calibration; the newest evaluated version per tag is active."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="learned_taggers")
    version = models.PositiveIntegerField()
    is_active = models.BooleanField(default=False)
    params = models.JSONField(help_text="feature names, scaling, weights and calibration")
    positives = models.PositiveIntegerField()
    negatives = models.PositiveIntegerField()
    cv_log_loss = models.FloatField(help_text="cross-validated log loss of the calibrated model")
    baseline_log_loss = models.FloatField(help_text="log loss of always predicting the base rate")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tag_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["tag", "version"], name="tagging_unique_learned_version"),
            models.UniqueConstraint(fields=["tag"], condition=Q(is_active=True), name="tagging_one_active_learned"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} v{self.version}{' (active)' if self.is_active else ''}"


class SynopsisCalibration(models.Model):
    """Threshold and Platt scaling turning synopsis/tag-description similarity into a confidence."""

    threshold = models.FloatField()
    slope = models.FloatField()
    intercept = models.FloatField()
    pairs = models.PositiveIntegerField(help_text="(title, tag) pairs it was fitted on")
    positives = models.PositiveIntegerField()
    f1 = models.FloatField(help_text="F1 at the threshold on the fitting pairs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        get_latest_by = "created_at"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"synopsis threshold {self.threshold:.3f} (F1 {self.f1:.2f} on {self.pairs} pairs)"
