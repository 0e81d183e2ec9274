"""Models of the artwork app: candidate images per title, bandit policies and their learned state."""

from django.db import models
from django.utils import timezone

from accounts.models import Profile
from catalog.models import MediaAsset, Title


class ArtworkCandidate(models.Model):
    """An image that may be shown on a title's card, with its aesthetic score and crops.

    Only approved candidates are ever served; the title's poster stays the fallback.
    """

    class Source(models.TextChoices):
        UPLOAD = "upload", "Staff upload"
        KEYFRAME = "keyframe", "Proposed from a keyframe"

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="artwork_candidates")
    asset = models.ForeignKey(
        MediaAsset,
        on_delete=models.CASCADE,
        related_name="artwork_candidates",
        help_text="The stored image that is served",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    score = models.FloatField(
        default=0.0, help_text="Aesthetic score, higher is better (artwork/aesthetics.py)"
    )
    components = models.JSONField(default=dict, blank=True, help_text="Score parts and penalties")
    features = models.JSONField(default=dict, blank=True, help_text="Arm features for the contextual bandit")
    phash = models.CharField(max_length=32, blank=True, help_text="Perceptual hash (imagehash.phash)")
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
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
    epsilon = models.FloatField(
        default=0.1, help_text="Exploration share (epsilon-greedy); 0 only on purpose"
    )
    is_live = models.BooleanField(default=False)
    reward_window_hours = models.PositiveIntegerField(
        default=24, help_text="A play this soon after is a reward"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_live"], condition=models.Q(is_live=True), name="artwork_one_live_policy"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}){' live' if self.is_live else ''}"


class PolicyState(models.Model):
    """A version of a policy's learned parameters; the learner appends one per run that saw new data.

    Each policy learns two channels from two logs: card artwork (`activity.Impression`) and title-page
    previews (`PreviewImpression`); their parameters and versions are kept apart.
    """

    class Channel(models.TextChoices):
        ARTWORK = "artwork", "Card artwork"
        PREVIEW = "preview", "Preview clip"

    policy = models.ForeignKey(BanditPolicy, on_delete=models.CASCADE, related_name="states")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ARTWORK)
    version = models.PositiveIntegerField()
    watermark = models.BigIntegerField(default=0, help_text="Last impression id folded in")
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy_id", "channel", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "channel", "version"], name="artwork_state_channel_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.channel} v{self.version}"


class PreviewCandidate(models.Model):
    """A window of consecutive shots of a title's video (15-30 s, on shot boundaries), scored by interest.

    Served as the video's media fragment `#t=start,end`. Windows pass the automatic checks (no black,
    credits or static stretch, no black frame at either end) and are approved when proposed; staff may
    withdraw one, and only approved windows are served.
    """

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="preview_candidates")
    asset = models.ForeignKey(MediaAsset, on_delete=models.CASCADE, related_name="preview_candidates")
    first_shot = models.PositiveIntegerField(help_text="Index of the window's first shot")
    last_shot = models.PositiveIntegerField(help_text="Index of the window's last shot")
    start_s = models.FloatField()
    end_s = models.FloatField()
    score = models.FloatField(
        default=0.0, help_text="Interest: motion, faces, tag variety (artwork/previews.py)"
    )
    components = models.JSONField(default=dict, blank=True)
    features = models.JSONField(default=dict, blank=True, help_text="Arm features for the contextual bandit")
    tags = models.JSONField(default=list, blank=True, help_text="Tags of the window's shots")
    approved = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title_id", "-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "first_shot", "last_shot"], name="artwork_preview_one_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title_id}: {self.start_s:.1f}-{self.end_s:.1f} s ({self.score:.2f})"

    @property
    def fragment(self) -> str:
        """The HTML5 media fragment that plays only this window."""
        return f"#t={self.start_s:g},{self.end_s:g}"


class PreviewImpression(models.Model):
    """A preview shown to a profile (title page or card hover), with the live policy's true propensity."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="preview_impressions")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="preview_impressions")
    preview = models.ForeignKey(
        PreviewCandidate, null=True, on_delete=models.SET_NULL, related_name="impressions"
    )
    surface = models.CharField(max_length=20)
    policy = models.CharField(max_length=40, blank=True)
    propensity = models.FloatField()
    shown_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["profile", "title", "shown_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(propensity__gt=0) & models.Q(propensity__lte=1),
                name="preview_impression_propensity_0_1",
            )
        ]

    def __str__(self) -> str:
        return f"preview {self.preview_id} of {self.title_id} shown to {self.profile_id} ({self.surface})"


class FootageProposal(models.Model):
    """That a processed video's preview windows were proposed: the beat sweep skips it from then on.

    Written by `artwork.proposals.propose_for_title` for each of the title's videos it read, also when a
    video yields no window (too short, static or black), so such a video is not read again every sweep.
    `keyframes` is set once the video's keyframes were proposed as artwork, so that happens once per video.
    """

    asset = models.OneToOneField(MediaAsset, on_delete=models.CASCADE, related_name="artwork_proposal")
    windows = models.PositiveIntegerField(default=0)
    keyframes = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Artwork candidates proposed from this video's keyframes; empty: not proposed yet",
    )
    proposed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"asset {self.asset_id}: {self.windows} window(s) at {self.proposed_at:%Y-%m-%d %H:%M}"
