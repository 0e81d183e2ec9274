"""Staff build segments, preview, schedule, pause and read results here; the work is in the plain modules."""

from django.contrib import admin, messages
from django.http import JsonResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from jobs import enqueue_on_commit

from . import campaigns, reports, segments, sending, templating
from .models import (
    Campaign,
    ChurnModelRun,
    ChurnScore,
    EngagementTier,
    Offer,
    OfferModel,
    Recipient,
    Segment,
    SegmentRule,
    TasteCluster,
)
from .tasks import refresh_segment_task, send_campaign_batch_task, start_campaign_task


class SegmentRuleInline(admin.TabularInline):
    model = SegmentRule
    extra = 1


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "match", "size", "refreshed_at"]
    search_fields = ["name"]
    inlines = [SegmentRuleInline]
    filter_horizontal = ["include", "exclude"]
    readonly_fields = ["size", "refreshed_at", "live_preview"]
    fields = ["name", "description", "match", "include", "exclude", "live_preview", "size", "refreshed_at"]
    actions = ["refresh_membership"]
    change_form_template = "admin/marketing/segment/change_form.html"

    def get_urls(self):
        return [
            path("preview/", self.admin_site.admin_view(self.preview_view), name="marketing_segment_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request):
        """The size and sample of the form's unsaved rules, as staff edit them (POSTed by the change form)."""
        if request.method != "POST":
            return JsonResponse({"error": "POST the change form"}, status=405)
        pk = request.POST.get("segment_pk")
        try:
            found = segments.preview_from_form(request.POST, int(pk) if pk and pk.isdigit() else None)
        except segments.SegmentError as error:
            return JsonResponse({"error": "; ".join(error.messages)})
        return JsonResponse({"size": found["size"], "sample": [m["email"] for m in found["sample"]]})

    @admin.display(description="Live preview (updates as you edit the rules)")
    def live_preview(self, obj: Segment) -> str:
        found = {"size": 0, "sample": []}
        if obj.pk:
            try:
                found = segments.preview(obj)
            except segments.SegmentError as error:
                return format_html(
                    '<div id="segment-preview"><strong style="color:#b00">{}</strong></div>',
                    "; ".join(error.messages),
                )
        sample = format_html_join(", ", "{}", ((m["email"],) for m in found["sample"])) or "none"
        return format_html(
            '<div id="segment-preview"><strong>{}</strong> members now. Sample: {}</div>',
            found["size"],
            sample,
        )

    @admin.action(description="Refresh stored membership now")
    def refresh_membership(self, request, queryset):
        for segment in queryset:
            enqueue_on_commit(refresh_segment_task, segment.pk)
        self.message_user(request, f"Queued a refresh of {queryset.count()} segment(s).")


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 1


def _placeholder_help() -> str:
    return format_html_join(mark_safe("<br>"), "<code>{{{}}}</code> {}", templating.PLACEHOLDERS.items())


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "segment", "status", "scheduled_at", "started_at", "holdout_share", "results_at"]
    list_filter = ["status"]
    inlines = [OfferInline]
    readonly_fields = [
        "status",
        "seed",
        "started_at",
        "finished_at",
        "placeholders",
        "message_preview",
        "results_view",
        "results_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "segment", "status"]}),
        ("Message", {"fields": ["subject", "html_body", "text_body", "placeholders", "message_preview"]}),
        (
            "Schedule and measurement",
            {
                "fields": [
                    "scheduled_at",
                    "holdout_share",
                    "frequency_cap_days",
                    "attribution_days",
                    "exploration_share",
                    "seed",
                    "started_at",
                    "finished_at",
                ]
            },
        ),
        ("Results", {"fields": ["results_view", "results_at"]}),
    ]
    actions = ["schedule", "start_now", "pause", "resume", "refresh_results", "send_test_to_me"]

    @admin.display(description="Placeholders")
    def placeholders(self, obj) -> str:
        return _placeholder_help()

    @admin.display(description="Preview for sample members")
    def message_preview(self, obj: Campaign) -> str:
        if not obj.pk:
            return "Save once to preview."
        try:
            shown = campaigns.preview(obj, sample=3)
        except segments.SegmentError as error:
            return "; ".join(error.messages)
        return (
            format_html_join(
                "",
                '<details><summary>{} — {}</summary><iframe sandbox srcdoc="{}" style="width:100%;height:320px;'
                'border:1px solid #ccc;background:#fff"></iframe><pre>{}</pre></details>',
                ((p["email"], p["subject"], p["html"], p["text"]) for p in shown),
            )
            or "The segment has no members yet."
        )

    @admin.display(description="Results")
    def results_view(self, obj: Campaign) -> str:
        return (
            reports.results_html(obj.results)
            if obj.results
            else "No results yet (refreshed every 15 minutes)."
        )

    @admin.action(description="Schedule (starts at its scheduled time)")
    def schedule(self, request, queryset):
        n = (
            queryset.filter(status=Campaign.Status.DRAFT)
            .exclude(scheduled_at=None)
            .update(status=Campaign.Status.SCHEDULED)
        )
        self.message_user(request, f"Scheduled {n} campaign(s).")

    @admin.action(description="Start now (draws the holdout, then sends)")
    def start_now(self, request, queryset):
        # Drawing a large segment takes seconds: a task does it, and only a draft or scheduled campaign starts.
        startable = queryset.filter(status__in=[Campaign.Status.DRAFT, Campaign.Status.SCHEDULED])
        for campaign in startable:
            enqueue_on_commit(start_campaign_task, campaign.pk)
        self.message_user(
            request, f"Starting {startable.count()} campaign(s): the holdout is drawn, then sending begins."
        )

    @admin.action(description="Pause sending")
    def pause(self, request, queryset):
        n = sum(campaigns.pause(c) for c in queryset)
        self.message_user(request, f"Paused {n} campaign(s).")

    @admin.action(description="Resume sending")
    def resume(self, request, queryset):
        for campaign in queryset:
            if campaigns.resume(campaign):
                enqueue_on_commit(send_campaign_batch_task, campaign.pk)
        self.message_user(request, "Resumed.")

    @admin.action(description="Refresh results now")
    def refresh_results(self, request, queryset):
        from . import results

        for campaign in queryset.exclude(started_at=None):
            results.compute(campaign)
        self.message_user(request, "Results refreshed.")

    @admin.action(description="Send a test of the message to me")
    def send_test_to_me(self, request, queryset):
        for campaign in queryset:
            try:
                sending.send_test(campaign, request.user)
            except campaigns.CampaignError as error:
                self.message_user(request, f"{campaign}: {error}", messages.WARNING)
                continue
            self.message_user(request, f"{campaign}: test sent to {request.user.email}.")


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = [
        "account",
        "campaign",
        "group",
        "offer",
        "propensity",
        "state",
        "sent_at",
        "opened_at",
        "clicked_at",
        "converted_at",
    ]
    list_filter = ["campaign", "group", "state", "offer_policy"]
    search_fields = ["account__email"]
    raw_id_fields = ["account", "featured_title", "offer"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the draw and the send log are evidence: never edited by hand


@admin.register(EngagementTier)
class EngagementTierAdmin(admin.ModelAdmin):
    list_display = ["account", "tier", "recency", "frequency", "watch_time", "computed_at"]
    list_filter = ["tier"]
    search_fields = ["account__email"]
    raw_id_fields = ["account"]


@admin.register(ChurnScore)
class ChurnScoreAdmin(admin.ModelAdmin):
    list_display = ["account", "score", "factors", "model_version", "scored_at"]
    ordering = ["-score"]
    search_fields = ["account__email"]
    raw_id_fields = ["account"]

    @admin.display(description="Top factors")
    def factors(self, obj: ChurnScore) -> str:
        return ", ".join(str(f) for f in obj.top_factors[:3])


@admin.register(OfferModel)
class OfferModelAdmin(admin.ModelAdmin):
    list_display = ["created_at", "learner", "source", "is_active"]
    readonly_fields = ["created_at", "learner", "source", "offers", "metrics", "artifact", "charts_view"]

    def has_add_permission(self, request) -> bool:
        return False  # trained by train_offer_model or its weekly task

    @admin.display(description="Uplift by decile and Qini per offer")
    def charts_view(self, obj: OfferModel) -> str:
        return reports.offer_model_html(obj.metrics)


@admin.register(ChurnModelRun)
class ChurnModelRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "gb_auc", "lr_auc", "recency_auc"]
    readonly_fields = ["created_at", "report"]
    exclude = ["metrics"]

    def has_add_permission(self, request) -> bool:
        return False  # runs come from the nightly task (churn.refresh_scores)

    def _auc(self, obj, key):
        value = (obj.metrics.get(key) or {}).get("roc_auc")
        return f"{value:.3f}" if value is not None else "-"

    @admin.display(description="GB ROC AUC")
    def gb_auc(self, obj):
        return self._auc(obj, "gradient_boosting")

    @admin.display(description="logistic ROC AUC")
    def lr_auc(self, obj):
        return self._auc(obj, "logistic_regression")

    @admin.display(description="days-since-last-view ROC AUC")
    def recency_auc(self, obj):
        return self._auc(obj, "days_since_last_view")

    @admin.display(description="Time-split evaluation")
    def report(self, obj: ChurnModelRun) -> str:
        return reports.churn_html(obj.metrics)


@admin.register(TasteCluster)
class TasteClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "size", "genres", "titles", "silhouette", "source", "computed_at"]

    @admin.display(description="Over-represented genres")
    def genres(self, obj: TasteCluster) -> str:
        return ", ".join(obj.top_genres)

    @admin.display(description="Top titles")
    def titles(self, obj: TasteCluster) -> str:
        return ", ".join(obj.top_titles)

    def has_add_permission(self, request) -> bool:
        return False  # computed nightly (clusters.refresh_clusters); use "taste cluster" rules in segments
