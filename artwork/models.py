"""Models of the artwork app: candidate images per title, bandit policies and their learned state."""

from django.db import models

from catalog.models import MediaAsset, Title


class ArtworkCandidate(models.Model):
    """An image that may be shown on a title's card, with its aesthetic score and crops.

    Only approved candidates are ever served; the title's poster stays the fallback.
    """

    class Source(models.TextChoices):
        UPLOAD = "upload", "Staff upload"
        KEYFRAME = "keyframe", "Proposed from a keyframe"

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="artwork_candidates")
    asset = models.ForeignKey(MediaAsset, on_delete=models.CASCADE, related_name="artwork_candidates",
                              help_text="The stored image that is served")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    score = models.FloatField(default=0.0, help_text="Aesthetic score, higher is better (artwork/aesthetics.py)")
    components = models.JSONField(default=dict, blank=True, help_text="Score parts and penalties")
    features = models.JSONField(default=dict, blank=True, help_text="Arm features for the contextual bandit")
    phash = models.CharField(max_length=32, blank=True, help_text="Perceptual hash (imagehash.phash)")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="duplicates")
    crops = models.JSONField(default=dict, blank=True, help_text='{"2:3": [x, y, w, h], "16:9": [...]}')
    approved = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title_id", "-score"]
        constraints = [models.UniqueConstraint(fields=["asset"], name="artwork_candidate_one_per_asset")]

    def __str__(self) -> str:
        return f"{self.title_id}:{self.asset_id} ({self.score:.2f})"


class BanditPolicy(models.Model):
    """A serving policy; exactly one is live (chosen by staff, through the gate)."""

    class Kind(models.TextChoices):
        UNIFORM = "uniform", "Uniform random"
        EPSILON = "epsilon", "Epsilon-greedy"
        THOMPSON = "thompson", "Thompson sampling (Beta-Bernoulli per taste segment)"
        LINTS = "lints", "Linear Thompson sampling (context x arm features)"

    name = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    epsilon = models.FloatField(default=0.1, help_text="Exploration share (epsilon-greedy); 0 only on purpose")
    is_live = models.BooleanField(default=False)
    reward_window_hours = models.PositiveIntegerField(default=24, help_text="A play this soon after is a reward")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["is_live"], condition=models.Q(is_live=True),
                                               name="artwork_one_live_policy")]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}){' live' if self.is_live else ''}"


class PolicyState(models.Model):
    """A version of a policy's learned parameters; the learner appends one per run that saw new data."""

    policy = models.ForeignKey(BanditPolicy, on_delete=models.CASCADE, related_name="states")
    version = models.PositiveIntegerField()
    watermark = models.BigIntegerField(default=0, help_text="Last impression id folded in")
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["policy", "version"], name="artwork_state_version")]

    def __str__(self) -> str:
        return f"{self.policy_id} v{self.version}"
