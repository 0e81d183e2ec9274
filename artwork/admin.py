"""Staff pages of the artwork app: approve candidates, see their take rates, promote a policy through the gate."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from accounts.models import Profile
from activity.models import Impression, ViewingEvent
from charts import Interval, Series, interval_chart, line_chart

from . import candidates, gate, reports
from .models import ArtworkCandidate, BanditPolicy, PolicyState, PreviewCandidate
from .policy_state import forget_live_state
from .viewer import taste_segment


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
        lo, hi = reports.wilson(stats["played"], stats["n"])
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
    change_list_template = "admin/artwork/banditpolicy/change_list.html"

    def get_urls(self):
        return [
            path(
                "insights/",
                self.admin_site.admin_view(self.insights_view),
                name="artwork_banditpolicy_insights",
            ),
        ] + super().get_urls()

    def insights_view(self, request: HttpRequest):
        """Take rate over time per policy (chart), the winning artwork per taste segment, and what the live
        policy would show one profile (`?profile=ID[&title=ID]`)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        series = reports.take_rate_by_day()
        chart = line_chart(
            [d.strftime("%d %b") for d in series.days],
            [Series(policy, rates) for policy, rates in sorted(series.rates.items())],
            title="Take rate per day, by serving policy",
            desc="Share of card impressions followed by a play of the title within 24 hours.",
            partial_last=True,
            value_format=lambda v: f"{v:.1%}",
            empty="No card impressions with artwork in the last 14 days",
        )
        winners = reports.segment_winners()
        winners_chart = interval_chart(
            [Interval(f"{w.segment}: {w.title}"[:40], w.rate, w.low, w.high) for w in winners],
            title="Winning artwork per taste segment (take rate, Wilson 95%)",
            value_format=lambda v: f"{v:.1%}",
        )
        profile, views, error = None, [], ""
        if request.GET.get("profile"):
            try:
                profile = Profile.objects.select_related("account").get(pk=int(request.GET["profile"]))
            except (ValueError, OverflowError, Profile.DoesNotExist):
                error = f"There is no profile with id {request.GET['profile'][:20]!r}."
            else:
                title_ids = [int(t) for t in request.GET.getlist("title") if t.isdigit() and len(t) < 19]
                views = reports.what_profile_sees(profile, title_ids=title_ids or None)
        context = {
            **self.admin_site.each_context(request),
            "title": "Artwork: take rates, segment winners, what a profile sees",
            "opts": self.model._meta,
            "take_rate_chart": chart,
            "winners": winners,
            "winners_chart": winners_chart,
            "profile": profile,
            "segment": taste_segment(profile) if profile else "",
            "views": views,
            "error": error,
            "min_shown": reports.MIN_SHOWN,
        }
        return TemplateResponse(request, "admin/artwork/insights.html", context)

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
