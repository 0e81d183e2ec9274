"""Support chatbot data: the staff-kept knowledge base, the conversation log, hand-off tickets, engine versions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from .templating import template_errors

# Knowledge-base ids (entries, categories): lower-case letters, digits, hyphens and underscores.
KB_ID = RegexValidator(r"^[a-z0-9_][a-z0-9_-]*$", "Use lower-case letters, digits, hyphens and underscores.")

# The categories the knowledge base started with (staff add more in the admin; import_faq adds missing ones).
STARTING_CATEGORIES = {
    "billing": "Billing", "plans": "Plans", "cancelling": "Cancelling", "login": "Passwords and login",
    "profiles": "Profiles", "playback": "Playback and buffering", "devices": "Devices", "downloads": "Downloads",
    "parental": "Parental controls", "regions": "Regions and availability", "privacy": "Privacy and data",
    "discovery": "Finding something to watch",
}


class FaqCategory(models.Model):
    """A heading of the knowledge base, kept by staff (entries refer to it by its id)."""

    slug = models.CharField(max_length=40, unique=True, validators=[KB_ID], help_text="Stable id; exports use it.")
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = "FAQ category"
        verbose_name_plural = "FAQ categories"

    def __str__(self) -> str:
        return self.name


class FaqEntry(models.Model):
    """One answer in the knowledge base, found through its example questions."""

    slug = models.CharField(max_length=80, unique=True, validators=[KB_ID],
                            help_text="Stable id; exports and the API use it.")
    # Keyed by the category's id so the column keeps the same values it had as a fixed list.
    category = models.ForeignKey(FaqCategory, to_field="slug", db_column="category", on_delete=models.PROTECT,
                                 related_name="entries")
    answer = models.TextField(
        help_text="Plain text. May use {plan}, {plan_price}, {next_billing_date}, {profiles}, {profile_count}, "
        "{max_profiles}, {max_streams}, {video_quality}, {downloads}, {region}, {email}."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category_id", "slug"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        errors = template_errors(self.answer)
        if errors:
            raise ValidationError({"answer": errors})

    @property
    def label(self) -> str:
        """How the bot names this entry when it asks which of two was meant: its first example question."""
        first = self.questions.order_by("id").first()
        return first.text if first else self.slug.replace("-", " ")


class FaqQuestion(models.Model):
    """An example question (paraphrase) that should lead to its entry."""

    class Source(models.TextChoices):
        KNOWLEDGE_BASE = "kb", "Knowledge base"
        LEARNED = "learned", "Attached from a missed question"

    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=300)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.KNOWLEDGE_BASE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry_id", "id"]
        verbose_name = "example question"
        constraints = [models.UniqueConstraint(fields=["entry", "text"], name="unique_faq_question_per_entry")]

    def __str__(self) -> str:
        return self.text


class Conversation(models.Model):
    """One subscriber's chat with the bot (and possibly an agent)."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_conversations")
    profile = models.ForeignKey("accounts.Profile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The two entry slugs the bot asked the subscriber to choose between, until the next reply settles it.
    pending_choices = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"Conversation {self.pk} with {self.account}"


class Message(models.Model):
    """One line of a conversation; bot lines carry the chosen entry, its confidence and the subscriber's thumb."""

    class Sender(models.TextChoices):
        SUBSCRIBER = "subscriber", "Subscriber"
        BOT = "bot", "Bot"
        AGENT = "agent", "Agent"

    class Outcome(models.TextChoices):
        ANSWERED = "answered", "Answered"
        CLARIFY = "clarify", "Asked which entry was meant"
        HANDOFF = "handoff", "Handed off to a person"

    class Review(models.TextChoices):
        OPEN = "open", "Not reviewed"
        ATTACHED = "attached", "Attached as a paraphrase"
        NEW_ENTRY = "new_entry", "Became a new entry"
        DISMISSED = "dismissed", "Dismissed"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=12, choices=Sender.choices)
    text = models.TextField()
    # For a subscriber's question: what the bot made of it (copied onto the question so misses are easy to list).
    entry = models.ForeignKey(FaqEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confidence = models.FloatField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    feedback = models.SmallIntegerField(null=True, blank=True, choices=[(1, "👍"), (-1, "👎")])
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.OPEN)
    engine_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sender", "review", "outcome"], name="support_msg_review_idx")]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:60]}"


class MissedQuestion(Message):
    """Admin view of subscriber questions the bot handed off, answered with low confidence, or got a thumbs-down on."""

    class Meta:
        proxy = True
        verbose_name = "missed question"


class SupportTicket(models.Model):
    """A hand-off to a person: agents see the conversation in the admin and their reply shows in the chat."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="tickets")
    question = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="support_tickets",
        limit_choices_to={"is_staff": True},
    )
    agent_reply = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "-created_at"]

    def __str__(self) -> str:
        return f"Ticket {self.pk} ({self.status})"


class EngineIndex(models.Model):
    """One built version of the engine (index + classifier): its artefact file and what it was built from."""

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    version = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    is_active = models.BooleanField(default=False)
    kb_fingerprint = models.CharField(max_length=64, blank=True)
    artifact = models.CharField(max_length=500, blank=True)
    entries = models.PositiveIntegerField(default=0)
    questions = models.PositiveIntegerField(default=0)
    threshold = models.FloatField(null=True, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = "engine index"
        verbose_name_plural = "engine indexes"
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True), name="one_active_support_index")
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.status}{', active' if self.is_active else ''})"
