"""Staff screens: the tag review queue (thumbnails, confidences, bulk approve/reject) and the pipeline's output."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from catalog.models import MediaAsset

from . import services
from .models import Keyframe, LearnedTagger, Shot, SynopsisCalibration, TagSuggestion, TrainingLabel


def thumbnail(keyframe: Keyframe | None, height: int = 54) -> str:
    if keyframe is None or not keyframe.image:
        return "—"
    return format_html('<img src="{}" alt="keyframe {}" style="height:{}px;border-radius:3px">',
                       keyframe.image.url, keyframe.frame, height)


class ReviewStatusFilter(admin.SimpleListFilter):
    """Pending first: the queue is what staff open this page for."""

    title = "review status"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("pending", "Pending"), ("approved", "Approved"), ("rejected", "Rejected"), ("all", "All")]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "pending") == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "pending"
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(TagSuggestion)
class TagSuggestionAdmin(admin.ModelAdmin):
    """The review queue."""

    list_display = ["keyframe_thumbnail", "tag", "title_link", "where", "tagger", "confidence_bar", "status", "review"]
    list_filter = [ReviewStatusFilter, "tagger", "tag"]
    search_fields = ["title__name", "tag__name"]
    list_select_related = ["tag", "title", "keyframe__shot__asset"]
    ordering = ["-confidence", "id"]
    actions = ["approve_selected", "reject_selected", "retag_titles"]
    list_per_page = 50
    readonly_fields = ["title", "keyframe", "tag", "tagger", "confidence", "status", "reviewed_by", "reviewed_at"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).for_review()

    @admin.display(description="keyframe")
    def keyframe_thumbnail(self, obj: TagSuggestion) -> str:
        return thumbnail(obj.keyframe)

    @admin.display(description="title", ordering="title__name")
    def title_link(self, obj: TagSuggestion) -> str:
        return format_html('<a href="{}">{}</a>', reverse("tagging:title_tags", args=[obj.title_id]), obj.title)

    @admin.display(description="from")
    def where(self, obj: TagSuggestion) -> str:
        if obj.keyframe is None:
            return "whole title"
        shot = obj.keyframe.shot
        if shot.asset.kind == MediaAsset.Kind.IMAGE:
            return "still image"  # its one "shot" has no length: "shot 0 (0.0–0.0 s)" reads as a fault
        return f"shot {shot.index} ({shot.start_s:.1f}–{shot.end_s:.1f} s)"

    @admin.display(description="confidence", ordering="confidence")
    def confidence_bar(self, obj: TagSuggestion) -> str:
        width = round(60 * obj.confidence)
        return format_html(
            '<svg width="64" height="10" role="img" aria-label="{}"><rect width="60" height="10" fill="#eee"/>'
            '<rect width="{}" height="10" fill="#417690"/></svg> {}',
            f"{obj.confidence:.2f}", width, f"{obj.confidence:.2f}",
        )

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if self.has_change_permission(request) else [c for c in shown if c != "review"]

    @admin.display(description="review")
    def review(self, obj: TagSuggestion) -> str:
        """Approve / Reject buttons for this one suggestion. The changelist is already a form (with the CSRF
        token), so each button posts it to the one-click view through `formaction`: no nested forms."""
        if obj.status != TagSuggestion.Status.PENDING:
            return obj.get_status_display()
        return format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post">Approve</button> '
            '<button type="submit" class="button" formaction="{}" formmethod="post">Reject</button>',
            reverse("tagging:decide_suggestion", args=[obj.pk, "approve"]),
            reverse("tagging:decide_suggestion", args=[obj.pk, "reject"]),
        )

    @admin.action(description="Approve selected tags (become staff title tags)", permissions=["change"])
    def approve_selected(self, request, queryset):
        count = services.approve(queryset.values_list("pk", flat=True), request.user)
        self.message_user(request, f"Approved {count} suggestions.", messages.SUCCESS)

    @admin.action(description="Re-tag the titles of the selected suggestions", permissions=["change"])
    def retag_titles(self, request, queryset):
        title_ids = sorted(set(queryset.values_list("title_id", flat=True)))
        for title_id in title_ids:
            services.enqueue_retag(title_id)
        self.message_user(request, f"Re-tagging queued for {len(title_ids)} titles.", messages.SUCCESS)

    @admin.action(description="Reject selected tags", permissions=["change"])
    def reject_selected(self, request, queryset):
        count = services.reject(queryset.values_list("pk", flat=True), request.user)
        self.message_user(request, f"Rejected {count} suggestions.", messages.SUCCESS)


class KeyframeInline(admin.StackedInline):
    model = Keyframe
    fields = ["preview", "frame", "quality", "motion", "features"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="image")
    def preview(self, obj: Keyframe) -> str:
        return thumbnail(obj, 120)


@admin.register(Shot)
class ShotAdmin(admin.ModelAdmin):
    list_display = ["__str__", "keyframe_thumbnail", "transition", "start_frame", "end_frame", "start_s", "end_s"]
    list_filter = ["transition"]
    search_fields = ["asset__title__name"]
    list_select_related = ["asset", "keyframe"]
    readonly_fields = ["asset", "index", "start_frame", "end_frame", "start_s", "end_s", "transition"]
    inlines = [KeyframeInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description="keyframe")
    def keyframe_thumbnail(self, obj: Shot) -> str:
        return thumbnail(getattr(obj, "keyframe", None))


@admin.register(LearnedTagger)
class LearnedTaggerAdmin(admin.ModelAdmin):
    list_display = ["tag", "version", "is_active", "positives", "negatives", "cv_log_loss", "baseline_log_loss", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["tag__name"]
    readonly_fields = [f.name for f in LearnedTagger._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(TrainingLabel)
class TrainingLabelAdmin(admin.ModelAdmin):
    list_display = ["tag", "positive", "keyframe", "created_at"]
    list_filter = ["positive", "tag"]

    def has_add_permission(self, request):
        return False


@admin.register(SynopsisCalibration)
class SynopsisCalibrationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "threshold", "f1", "pairs", "positives"]

    def has_add_permission(self, request):
        return False
