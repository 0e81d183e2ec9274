"""Model versions with their metrics and artefact, stored candidates and neighbours, tuning trials."""

from django.db import models
from django.db.models import Q

from accounts.models import Profile
from catalog.models import Title


class ModelVersion(models.Model):
    """One trained hybrid model: how it was made, how good it was, and where its embeddings live."""

    class Status(models.TextChoices):
        TRAINING = "training", "Training"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired (was active)"
        REJECTED = "rejected", "Rejected by the quality gate"
        FAILED = "failed", "Failed"

    version = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TRAINING, db_index=True)
    is_active = models.BooleanField(default=False)
    hyperparams = models.JSONField(default=dict)
    data_size = models.JSONField(default=dict, help_text="profiles, titles, interactions the model saw")
    training_seconds = models.FloatField(null=True, blank=True)
    # Held-out time-split metrics of this model and of every baseline on the same split.
    metrics = models.JSONField(default=dict, blank=True)
    artifact = models.CharField(max_length=300, blank=True, help_text="file under MODEL_ARTIFACT_DIR")
    ranker = models.CharField(
        max_length=300, blank=True,
        help_text="the two-stage ranker's file under MODEL_ARTIFACT_DIR (blank: the hybrid ranks alone)",
    )
    learner_state = models.CharField(
        max_length=300, blank=True,
        help_text="the fitted LightFM's state under MODEL_ARTIFACT_DIR, which an incremental update resumes from",
    )
    # Behaviour written after this moment is not in the model yet: the next incremental update folds it in.
    trained_until = models.DateTimeField(null=True, blank=True)
    updated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="the version this one is an incremental update of (blank: a full fit)",
    )
    note = models.TextField(blank=True, help_text="why it was rejected or failed")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_model_version")
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_status_display()})"

    @property
    def served(self) -> str:
        """What this version serves, by its key in `metrics`: the two-stage ranker when it has one, else the hybrid."""
        return "two_stage" if self.ranker else "hybrid"

    @property
    def ndcg(self) -> float | None:
        """Held-out NDCG@10 of what this version serves (the gate compares these)."""
        return ((self.metrics or {}).get(self.served) or {}).get("ndcg@10")


class Candidate(models.Model):
    """A profile's precomputed top-N titles from one model version, re-ranked at request time."""

    class Source(models.TextChoices):
        MODEL = "model", "Model score"
        PEERS = "peers", "Viewers like you"

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="candidates")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="recommendation_candidates")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=5, choices=Source.choices, default=Source.MODEL)
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    # For the two-stage ranker's picks: the generator that proposed the title (the reason names it), and for
    # item-to-item generators the liked title that added most to its score ("Because you watched <anchor>").
    generator = models.CharField(max_length=12, blank=True)
    anchor = models.ForeignKey(Title, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["model_version_id", "profile_id", "source", "rank"]
        indexes = [models.Index(fields=["profile", "model_version", "source", "rank"])]

    def __str__(self) -> str:
        return f"#{self.rank} {self.source} for profile {self.profile_id}: title {self.title_id}"


class ItemNeighbour(models.Model):
    """Nearest titles in one model's item embedding space ("Because you watched", "More like this")."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="neighbours")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="+")
    neighbour = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    similarity = models.FloatField()

    class Meta:
        ordering = ["model_version_id", "title_id", "rank"]
        indexes = [models.Index(fields=["title", "model_version", "rank"])]

    def __str__(self) -> str:
        return f"title {self.title_id} ~ {self.neighbour_id} ({self.similarity:.2f})"


class HyperparameterTrial(models.Model):
    """One configuration tried by a search, scored on a validation split carved out of the training data."""

    search_id = models.CharField(max_length=36, db_index=True)
    protocol = models.CharField(max_length=12)
    params = models.JSONField()
    metrics = models.JSONField(default=dict)
    validation_ndcg = models.FloatField(db_index=True)
    seconds = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-validation_ndcg"]

    def __str__(self) -> str:
        return f"trial {self.pk} of {self.search_id[:8]}: ndcg@10 {self.validation_ndcg:.4f}"
