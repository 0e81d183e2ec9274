"""Subscribers: the login account (custom user model), its plan and region, and its profiles.

Recommendations, artwork and activity are all per `Profile`; billing and consent are per account.
"""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models

from catalog.models import Title


class Plan(models.Model):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    monthly_price = models.DecimalField(max_digits=6, decimal_places=2)
    max_profiles = models.PositiveSmallIntegerField(default=5)
    max_streams = models.PositiveSmallIntegerField(default=1)
    video_quality = models.CharField(max_length=10, default="HD")
    has_downloads = models.BooleanField(default=False)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code of the monthly price")

    class Meta:
        ordering = ["monthly_price"]

    def __str__(self) -> str:
        return self.name

    @property
    def price_label(self) -> str:
        """The monthly price with its currency, as subscribers read it: "$9.99", "€7.99", "CHF 12.00"."""
        return money_label(self.monthly_price, self.currency)


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def money_label(amount, currency: str) -> str:
    """An amount with its currency as subscribers read it: "$9.99", "€7.99", "CHF 12.00"."""
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{currency} {amount}"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class PlaybackQuality(models.TextChoices):
    AUTO = "auto", "Auto (adapts to your connection)"
    HIGH = "high", "High (best your plan allows)"
    MEDIUM = "medium", "Medium (standard definition, less data)"
    LOW = "low", "Low (saves data)"


class User(AbstractUser):
    """A subscriber account (or a staff member); people sign in with their email."""

    username = None
    email = models.EmailField("email address", unique=True)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="subscribers")
    region = models.ForeignKey(
        "catalog.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="subscribers"
    )
    marketing_consent = models.BooleanField(default=False)
    next_billing_date = models.DateField(null=True, blank=True)
    # A move to a plan that costs no more waits for the next bill (accounts/membership.py `change_plan`).
    scheduled_plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Plan that replaces the current one on the next billing date",
    )
    playback_quality = models.CharField(max_length=10, choices=PlaybackQuality.choices, default=PlaybackQuality.AUTO)
    # The MovieLens userId this account was imported from; exports use it.
    movielens_user_id = models.PositiveIntegerField(null=True, blank=True, unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.email


class Profile(models.Model):
    """One viewer within an account: the unit that watches, rates and gets recommendations."""

    class Maturity(models.TextChoices):
        KIDS = "kids", "Kids (up to PG)"
        TEEN = "teen", "Teens (up to PG-13)"
        ALL = "all", "All maturity ratings"

    # The maturity half of the visibility rule (`Title.objects.visible_to`): the ratings each limit admits.
    # An unrated title is shown only without a limit: an unknown rating is not a safe one.
    ALLOWED_RATINGS: dict[str, frozenset[str]] = {
        Maturity.KIDS: frozenset({Title.Maturity.G, Title.Maturity.PG}),
        Maturity.TEEN: frozenset({Title.Maturity.G, Title.Maturity.PG, Title.Maturity.PG13}),
    }

    account = models.ForeignKey(User, on_delete=models.CASCADE, related_name="profiles")
    name = models.CharField(max_length=50)
    maturity_limit = models.CharField(max_length=10, choices=Maturity.choices, default=Maturity.ALL)
    # Rendered into a style attribute, so only a #rrggbb colour (what <input type="color"> sends).
    avatar_color = models.CharField(
        max_length=7, default="#e50914",
        validators=[RegexValidator(r"\A#[0-9a-fA-F]{6}\Z", "Enter a colour as # and six hex digits, e.g. #e50914.")],
    )
    # Onboarding picks: what a new profile said it likes, used before it has any history.
    favourite_genres = models.ManyToManyField("catalog.Genre", blank=True, related_name="fans")
    favourite_titles = models.ManyToManyField("catalog.Title", blank=True, related_name="fans")
    onboarded_at = models.DateTimeField(null=True, blank=True)
    # A profile lock: Django's password hash of a 4-digit PIN, asked when switching to this profile.
    pin_hash = models.CharField(max_length=128, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_id", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="unique_profile_name_per_account")]

    def __str__(self) -> str:
        return f"{self.name} ({self.account})"

    @property
    def allowed_ratings(self) -> frozenset[str] | None:
        """Title maturity ratings this profile may see; None means every rating."""
        return self.ALLOWED_RATINGS.get(self.maturity_limit)


class SignupRequest(models.Model):
    """A sign-up waiting for its e-mail link: nothing is created, or revealed, until the address answers.

    Only the token's SHA-256 is stored, so a leaked table confirms nobody; the password is already hashed.
    """

    email = models.EmailField(unique=True)
    password_hash = models.CharField(max_length=128)
    profile_name = models.CharField(max_length=50)
    region = models.ForeignKey("catalog.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    requested_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"sign-up of {self.email} (requested {self.requested_at:%Y-%m-%d %H:%M})"


class Cancellation(models.Model):
    """A subscriber's request to end their membership: why, and the day it ends.

    The membership keeps running until `effective_on` (the next billing date); restarting before then
    sets `withdrawn_at`, so a withdrawn row is a churn attempt, not a churn. Marketing's churn label reads
    `accounts.membership.cancelled_accounts` (non-withdrawn rows by effective date).
    """

    class Reason(models.TextChoices):
        PRICE = "price", "It costs too much"
        CONTENT = "content", "I can't find enough to watch"
        TECHNICAL = "technical", "Playback or technical problems"
        BREAK = "break", "I'm taking a break"
        SWITCHING = "switching", "I'm moving to another service"
        OTHER = "other", "Something else"

    account = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cancellations")
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    comment = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField()
    effective_on = models.DateField(db_index=True, help_text="The membership ends at the start of this day")
    withdrawn_at = models.DateTimeField(null=True, blank=True, help_text="Restarted before the end date")

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["account", "-requested_at"])]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else f"ends {self.effective_on}"
        return f"{self.account} cancelled ({self.get_reason_display()}, {state})"


class Invoice(models.Model):
    """One payment taken from an account: a month of its plan, or the prorated part of an upgrade.

    Billing history shows these rows; amounts are copied at the time, so a later price change or a
    deleted plan never rewrites what was paid.
    """

    class Kind(models.TextChoices):
        SUBSCRIPTION = "subscription", "Monthly subscription"
        UPGRADE = "upgrade", "Plan upgrade (rest of the period)"

    account = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invoices")
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SUBSCRIPTION)
    description = models.CharField(max_length=120)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    period_start = models.DateField()
    period_end = models.DateField(help_text="The day the next period starts")
    issued_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["account", "-issued_at"])]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="invoice_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.number}: {self.amount_label} ({self.account})"

    @property
    def number(self) -> str:
        return f"MQ-{self.pk:07d}"

    @property
    def amount_label(self) -> str:
        return money_label(self.amount, self.currency)
