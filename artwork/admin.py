"""Staff pages of the artwork app: approve candidates, see their take rates, promote a policy through the gate."""

import math

from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef
from django.utils.html import format_html

from activity.models import Impression, ViewingEvent

from . import candidates, gate
from .models import ArtworkCandidate, BanditPolicy, PolicyState, PreviewCandidate
from .services import forget_live_state


def wilson(plays: int, shown: int) -> tuple[float, float]:
    """The Wilson 95% interval of a take rate."""
    if shown == 0:
        return 0.0, 1.0
    p, z = plays / shown, 1.96
    centre = (p + z * z / (2 * shown)) / (1 + z * z / shown)
    half = z * math.sqrt(p * (1 - p) / shown + z * z / (4 * shown * shown)) / (1 + z * z / shown)
    return max(0.0, centre - half), min(1.0, centre + half)


@admin.register(ArtworkCandidate)
class ArtworkCandidateAdmin(admin.ModelAdmin):
    list_display = ("title", "preview", "source", "score", "approved", "duplicate_of", "take_rate")
    list_filter = ("approved", "source")
    search_fields = ("title__name",)
    raw_id_fields = ("title", "asset", "duplicate_of")
    readonly_fields = ("score", "components", "features", "phash", "crops")
    actions = ["approve", "withdraw"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("title", "asset")

    @admin.display(description="image")
    def preview(self, obj):
        return (
            format_html('<img src="{}" style="height:60px">', obj.asset.file.url) if obj.asset.file else "-"
        )

    @admin.display(description="take rate (95% CI)")
    def take_rate(self, obj):
        shown = Impression.objects.filter(artwork_id=obj.asset_id)
        plays = ViewingEvent.objects.filter(
            profile_id=OuterRef("profile_id"),
            title_id=OuterRef("title_id"),
            started_at__gt=OuterRef("shown_at"),
        )
        stats = shown.aggregate(n=Count("pk"), played=Count("pk", filter=Exists(plays)))
        lo, hi = wilson(stats["played"], stats["n"])
        rate = stats["played"] / stats["n"] if stats["n"] else 0.0
        return f"{stats['played']}/{stats['n']} = {rate:.3f} [{lo:.3f}, {hi:.3f}]"

    @admin.action(description="Approve: may be served")
    def approve(self, request, queryset):
        self.message_user(request, f"{candidates.approve(list(queryset))} candidates approved.")

    @admin.action(description="Withdraw approval")
    def withdraw(self, request, queryset):
        self.message_user(
            request, f"{candidates.approve(list(queryset), approved=False)} candidates withdrawn."
        )


@admin.register(BanditPolicy)
class BanditPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "epsilon", "is_live", "reward_window_hours")
    readonly_fields = ("is_live",)  # only the gate changes it
    actions = ["promote", "force_promote"]

    @admin.action(description="Make live if its doubly robust estimate beats the live policy's")
    def promote(self, request, queryset, force=False):
        for policy in queryset[:1]:
            result = gate.promote(policy, force=force)
            detail = " ".join(
                f"{who}: DR {e.estimate:.4f} [{e.ci95[0]:.4f}, {e.ci95[1]:.4f}]"
                for who, e in (("candidate", result.candidate), ("live", result.live))
                if e
            )
            level = messages.SUCCESS if result.promoted else messages.WARNING
            self.message_user(request, f"{policy.name}: {result.reason}. {detail}", level)

    @admin.action(description="Make live without the gate (staff override)")
    def force_promote(self, request, queryset):
        self.promote(request, queryset, force=True)


@admin.register(PolicyState)
class PolicyStateAdmin(admin.ModelAdmin):
    list_display = ("policy", "version", "watermark", "created_at")
    list_filter = ("policy",)
    readonly_fields = ("policy", "version", "watermark", "params", "created_at")


@admin.register(PreviewCandidate)
class PreviewCandidateAdmin(admin.ModelAdmin):
    list_display = ("title", "window", "score", "approved", "tag_list")
    list_filter = ("approved",)
    search_fields = ("title__name",)
    raw_id_fields = ("title", "asset")
    readonly_fields = (
        "first_shot",
        "last_shot",
        "start_s",
        "end_s",
        "score",
        "components",
        "features",
        "tags",
    )
    actions = ["approve", "withdraw"]

    @admin.display(description="window")
    def window(self, obj):
        return format_html(
            '<a href="{}{}">{:.1f}–{:.1f} s</a>', obj.asset.file.url, obj.fragment, obj.start_s, obj.end_s
        )

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(obj.tags)

    @admin.action(description="Approve: may be played")
    def approve(self, request, queryset):
        self.message_user(request, f"{queryset.update(approved=True)} previews approved.")
        forget_live_state()

    @admin.action(description="Withdraw: never played")
    def withdraw(self, request, queryset):
        self.message_user(request, f"{queryset.update(approved=False)} previews withdrawn.")
        forget_live_state()
