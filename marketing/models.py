"""Marketing's tables: rule segments and their stored members, engagement tiers, campaigns, offers,
recipients (the holdout draw, the claimed send and its tracking), and the churn and offer models' outputs.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q


class Segment(models.Model):
    """A set of subscribers described by rules over their attributes and behaviour, and by other segments."""

    class Match(models.TextChoices):
        ALL = "all", "All conditions (AND)"
        ANY = "any", "Any condition (OR)"

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    match = models.CharField(max_length=3, choices=Match.choices, default=Match.ALL)
    # Included segments count as conditions (combined like the rules); excluded ones are always subtracted.
    include = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="included_by")
    exclude = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="excluded_by")
    size = models.PositiveIntegerField(default=0, help_text="Stored members at the last refresh")
    refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SegmentRule(models.Model):
    """One condition: `field operator value` (e.g. hours_watched_30d >= 5, region in "US, GB")."""

    class Field(models.TextChoices):
        REGION = "region", "Region code(s)"
        PLAN = "plan", "Plan code(s)"
        TENURE_DAYS = "tenure_days", "Tenure in days"
        DAYS_SINCE_LAST_VIEW = "days_since_last_view", "Days since last view"
        HOURS_WATCHED_30D = "hours_watched_30d", "Hours watched in the last 30 days"
        GENRE_AFFINITY = "genre_affinity", "Views of a genre (slug) in the last 90 days"
        TAG_AFFINITY = "tag_affinity", "Views of a tag (slug) in the last 90 days"
        CONSENT = "consent", "Marketing consent (yes/no)"
        ENGAGEMENT_TIER = "engagement_tier", "Engagement tier name(s)"
        RISK_SCORE = "risk_score", "Churn risk score (0 to 1)"
        TASTE_CLUSTER = "taste_cluster", "Taste cluster number(s)"

    class Operator(models.TextChoices):
        IS = "is", "is / is one of"
        IS_NOT = "is_not", "is not / is none of"
        GTE = "gte", "at least"
        GT = "gt", "more than"
        LTE = "lte", "at most"
        LT = "lt", "less than"

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="rules")
    field = models.CharField(max_length=30, choices=Field.choices)
    operator = models.CharField(max_length=6, choices=Operator.choices, default=Operator.IS)
    value = models.CharField(
        max_length=200, help_text="A number, yes/no, or comma-separated codes/names; affinity: the genre or tag slug"
    )
    amount = models.FloatField(
        null=True, blank=True, help_text="Affinity only: how many views of it (compared with the operator)"
    )

    class Meta:
        ordering = ["segment_id", "id"]

    def __str__(self) -> str:
        extra = f" ({self.get_operator_display()} {self.amount:g} views)" if self.amount is not None else ""
        return f"{self.field} {self.operator} {self.value}{extra}"


class SegmentMembership(models.Model):
    """A stored member of a segment, written by the set-based refresh (segments.refresh_membership)."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="segment_memberships")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["segment", "account"], name="unique_segment_member")]
        indexes = [models.Index(fields=["account", "segment"])]

    def __str__(self) -> str:
        return f"{self.account_id} in {self.segment_id}"


class EngagementTier(models.Model):
    """Recency, frequency and watch-time quintiles (5 = best) of an account, and the plain tier name."""

    account = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="engagement")
    recency = models.PositiveSmallIntegerField()
    frequency = models.PositiveSmallIntegerField()
    watch_time = models.PositiveSmallIntegerField()
    tier = models.CharField(max_length=30, db_index=True)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.account}: {self.tier} (R{self.recency} F{self.frequency} M{self.watch_time})"


class TasteCluster(models.Model):
    """A k-means cluster of main-profile tastes (clusters.py), named from its over-represented genres."""

    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    top_genres = models.JSONField(default=list)
    top_titles = models.JSONField(default=list)
    source = models.CharField(max_length=40, help_text="recommender embeddings or genre shares")
    silhouette = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.name


class TasteClusterMember(models.Model):
    cluster = models.ForeignKey(TasteCluster, on_delete=models.CASCADE, related_name="members")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="taste_clusters")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "account"], name="unique_taste_cluster_member")]

    def __str__(self) -> str:
        return f"{self.account_id} in {self.cluster_id}"


class ChurnScore(models.Model):
    """The latest churn risk of an account (probability of no viewing in the next 30 days)."""

    account = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="churn_risk")
    score = models.FloatField(db_index=True)
    top_factors = models.JSONField(default=list, blank=True)
    model_version = models.CharField(max_length=40, blank=True)
    scored_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.account}: {self.score:.2f}"


class ChurnModelRun(models.Model):
    """One churn evaluation and scoring run: time-split metrics against the baselines (churn.py)."""

    created_at = models.DateTimeField()
    metrics = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"churn run of {self.created_at:%Y-%m-%d %H:%M}"


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        RUNNING = "running", "Sending"
        PAUSED = "paused", "Paused"
        FINISHED = "finished", "Finished"

    name = models.CharField(max_length=120)
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="campaigns")
    subject = models.CharField(max_length=200, help_text="Placeholders like {profile_name}; see the help below")
    html_body = models.TextField(help_text="HTML; placeholder values are escaped")
    text_body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    scheduled_at = models.DateTimeField(null=True, blank=True, help_text="When to start; empty: start by hand")
    holdout_share = models.FloatField(default=0.1, help_text="Share drawn at start into the holdout (gets nothing)")
    frequency_cap_days = models.PositiveSmallIntegerField(
        default=7, help_text="No account gets a marketing message from any campaign more than once in this many days"
    )
    attribution_days = models.PositiveSmallIntegerField(
        default=7, help_text="A viewing within this many days of the start counts as a return to watch"
    )
    exploration_share = models.FloatField(
        default=0.1, help_text="With a trained offer model: share of recipients still given a random offer"
    )
    seed = models.PositiveIntegerField(default=0, help_text="Random seed of the holdout and offer draw (set at start)")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(default=dict, blank=True)
    results_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(holdout_share__gte=0) & Q(holdout_share__lt=1), name="campaign_holdout_0_1"
            ),
            models.CheckConstraint(
                condition=Q(exploration_share__gte=0) & Q(exploration_share__lte=1), name="campaign_explore_0_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .templating import template_errors

        errors = {}
        for field in ("subject", "html_body", "text_body"):
            if problems := template_errors(getattr(self, field) or ""):
                errors[field] = problems
        if errors:
            raise ValidationError(errors)


class Offer(models.Model):
    class Kind(models.TextChoices):
        DISCOUNT = "discount", "Discount"
        UPGRADE = "upgrade", "Plan upgrade"
        ANNOUNCEMENT = "announcement", "New-season announcement"
        OTHER = "other", "Other"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="offers")
    code = models.SlugField(max_length=40, help_text="Stable name, used by the offer model")
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.OTHER)
    headline = models.CharField(max_length=200, help_text="Shown as {offer}")
    details = models.TextField(blank=True, help_text="Shown as {offer_details}")
    link_path = models.CharField(max_length=200, default="/account/", help_text="A path on this site, e.g. /account/")

    class Meta:
        ordering = ["campaign_id", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="unique_offer_code_per_campaign")]

    def __str__(self) -> str:
        return f"{self.code}: {self.headline}"


def _tracking_token() -> str:
    return secrets.token_urlsafe(12)


class Recipient(models.Model):
    """One account of a campaign's segment at start: its group (drawn once), offer and send state.

    The send state machine is the exactly-once guarantee (sending.py): pending → claimed
    (a batch owns it) → sending (committed just before the message leaves) → sent. A `sending` row found
    after a crash may or may not have gone out, so it becomes `interrupted` and is never sent again.
    """

    class Group(models.TextChoices):
        TREATED = "treated", "Treated"
        HOLDOUT = "holdout", "Holdout"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        CLAIMED = "claimed", "Claimed by a batch"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        INTERRUPTED = "interrupted", "Interrupted (maybe sent; never retried)"
        HELD_OUT = "held_out", "Holdout (never sent)"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_receipts")
    group = models.CharField(max_length=8, choices=Group.choices)
    offer = models.ForeignKey(Offer, null=True, blank=True, on_delete=models.SET_NULL, related_name="recipients")
    offer_policy = models.CharField(max_length=20, blank=True, help_text="uniform, model or explore")
    propensity = models.FloatField(default=1.0, help_text="Probability the policy gave this offer (or holdout)")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    skip_reason = models.CharField(max_length=40, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    featured_title = models.ForeignKey(
        "catalog.Title", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token = models.CharField(max_length=20, unique=True, default=_tracking_token)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "account"], name="one_recipient_per_campaign_account"),
            models.CheckConstraint(condition=Q(propensity__gt=0) & Q(propensity__lte=1), name="recipient_propensity_0_1"),
        ]
        indexes = [
            models.Index(fields=["campaign", "state", "id"]),
            models.Index(fields=["account", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.account} in {self.campaign} ({self.group}, {self.state})"


class OfferModel(models.Model):
    """A trained offer-uplift model (uplift.py): the active one chooses offers for new campaigns."""

    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=200, help_text="platform logs or the history file it was trained on")
    learner = models.CharField(max_length=20)
    offers = models.JSONField(default=list)
    metrics = models.JSONField(default=dict)
    artifact = models.CharField(max_length=300)
    is_active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.learner} offer model of {self.created_at:%Y-%m-%d %H:%M}"
