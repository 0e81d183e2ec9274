"""Staff screens: the knowledge base, hand-off tickets with a reply box, and missed questions by cluster."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from . import services
from .clustering import cluster_misses
from .models import (
    Conversation,
    EngineIndex,
    FaqCategory,
    FaqEntry,
    FaqQuestion,
    Message,
    MissedQuestion,
    SupportTicket,
)
from .templating import PLACEHOLDERS


class FaqQuestionInline(admin.TabularInline):
    model = FaqQuestion
    extra = 3
    fields = ["text", "source"]


@admin.register(FaqCategory)
class FaqCategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "entry_count"]
    search_fields = ["slug", "name"]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(n_entries=Count("entries"))

    @admin.display(description="entries", ordering="n_entries")
    def entry_count(self, obj):
        return obj.n_entries


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ["slug", "category", "question_count", "is_active", "updated_at"]
    list_filter = ["category", "is_active"]
    search_fields = ["slug", "answer", "questions__text"]
    inlines = [FaqQuestionInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(n_questions=Count("questions"))

    @admin.display(description="example questions", ordering="n_questions")
    def question_count(self, obj):
        return obj.n_questions

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["answer"].help_text = "Plain text. Placeholders filled from the asking subscriber's account: " + \
            ", ".join(f"{{{name}}} ({what})" for name, what in PLACEHOLDERS.items()) + ". Write {{ or }} for a brace."
        return form


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = ["created_at", "sender", "text", "entry", "confidence", "outcome", "feedback"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "account", "started_at", "updated_at"]
    search_fields = ["account__email"]
    readonly_fields = ["account", "profile", "pending_choices", "started_at", "updated_at"]
    inlines = [MessageInline]


@admin.register(SupportTicket)
class SupportTicketAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "subscriber", "short_question", "assigned_to", "created_at", "replied_at"]
    list_filter = ["status", "assigned_to"]
    search_fields = ["question", "conversation__account__email"]
    list_select_related = ["conversation__account", "assigned_to"]
    fields = ["subscriber", "question", "transcript", "status", "assigned_to", "agent_reply", "replied_at"]
    readonly_fields = ["subscriber", "question", "transcript", "replied_at"]

    def has_add_permission(self, request):
        return False  # tickets come from hand-offs only

    @admin.display(description="subscriber")
    def subscriber(self, obj):
        return obj.conversation.account

    @admin.display(description="question")
    def short_question(self, obj):
        return obj.question[:80]

    @admin.display(description="conversation")
    def transcript(self, obj):
        rows = obj.conversation.messages.order_by("id").values_list("sender", "text")
        return format_html_join("\n", "<p><strong>{}</strong>: {}</p>", rows)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "agent_reply" in form.changed_data and obj.agent_reply.strip():
            services.reply_to_ticket(obj, request.user, obj.agent_reply)
            messages.info(request, "Your reply now shows in the subscriber's chat.")


@admin.register(MissedQuestion)
class MissedQuestionAdmin(admin.ModelAdmin):
    """Questions the bot handed off, hesitated on, or got a thumbs-down for, clustered by similarity."""

    MAX_SHOWN = 300

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            self._act(request)
            return redirect(request.path)
        misses = list(services.missed_questions().select_related("entry").order_by("-id")[: self.MAX_SHOWN])
        context = {
            **self.admin_site.each_context(request),
            "title": "Missed questions, grouped by similarity",
            "opts": self.model._meta,
            "clusters": cluster_misses(misses),
            "entries": FaqEntry.objects.filter(is_active=True).order_by("slug").only("id", "slug"),
            "categories": FaqCategory.objects.values_list("slug", "name"),
            "can_change": self.has_change_permission(request),
            "can_add_entry": request.user.has_perm("support_bot.add_faqentry"),
        }
        return TemplateResponse(request, "admin/support_bot/missed_clusters.html", context)

    def _act(self, request) -> None:
        ids = [int(i) for i in request.POST.getlist("message") if i.isdigit()]
        action = request.POST.get("action")
        if not ids:
            messages.warning(request, "Tick at least one question.")
            return
        if action == "attach":
            entry = FaqEntry.objects.filter(pk=request.POST.get("entry") or 0).first()
            if entry is None:
                messages.error(request, "Choose the entry to attach the questions to.")
                return
            added = services.attach_as_paraphrases(ids, entry)
            messages.success(request, f"Added {added} example question(s) to {entry.slug}; the engine will rebuild.")
        elif action == "create":
            if not request.user.has_perm("support_bot.add_faqentry"):
                raise PermissionDenied
            try:
                entry = services.create_entry_from(
                    ids, slug=request.POST.get("slug", "").strip(), category=request.POST.get("category", ""),
                    answer=request.POST.get("answer", "").strip(),
                )
            except ValidationError as exc:
                messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()))
                return
            messages.success(request, f"Created entry {entry.slug}; the engine will rebuild.")
        elif action == "dismiss":
            messages.success(request, f"Dismissed {services.dismiss(ids)} question(s).")


@admin.register(EngineIndex)
class EngineIndexAdmin(admin.ModelAdmin):
    list_display = ["version", "status", "is_active", "entries", "questions", "threshold", "created_at", "finished_at"]
    readonly_fields = [f.name for f in EngineIndex._meta.fields] + ["handoff_tradeoff"]
    actions = ["rebuild_now", "activate_version"]

    @admin.display(description="hand-off trade-off (cross-validated)")
    def handoff_tradeoff(self, obj):
        """The chosen operating point and the curve it was picked from (settings SUPPORT_BOT_TARGET_OOS_RECALL
        and SUPPORT_BOT_MAX_FALSE_HANDOFF move it)."""
        metrics = obj.metrics or {}
        curve = metrics.get("handoff_curve") or []
        if not curve:
            return "No curve: this version was built without the out-of-scope background set."
        def pct(value) -> str:
            return f"{(value or 0):.1%}"

        head = format_html(
            "<p>Rule <strong>{}</strong>, threshold {}: out-of-scope questions handed off {} (target {}), "
            "valid questions handed off {} (at most {}), on {} valid and {} out-of-scope questions the "
            "model never saw.</p>",
            metrics.get("handoff_rule"), f"{metrics.get('handoff_threshold', 0):.3f}", pct(metrics.get("cv_oos_recall")),
            f"{(metrics.get('target_oos_recall') or 0):.0%}", pct(metrics.get("cv_false_rejection_rate")),
            f"{(metrics.get('max_false_handoff') or 0):.0%}", metrics.get("calibration_valid"),
            metrics.get("calibration_out_of_scope"))
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                                ((f"{t:.3f}", pct(r), pct(f)) for t, r, f in curve))
        return format_html("{}<table><tr><th>threshold</th><th>out-of-scope handed off</th>"
                           "<th>valid handed off</th></tr>{}</table>", head, rows)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Rebuild the engine from the current knowledge base", permissions=["change"])
    def rebuild_now(self, request, queryset):
        services.schedule_rebuild()
        messages.info(request, "A rebuild was queued.")

    @admin.action(description="Make the selected version active (roll back)", permissions=["change"])
    def activate_version(self, request, queryset):
        if queryset.count() != 1:
            messages.error(request, "Select exactly one version.")
            return
        from .index import activate

        try:
            record = activate(queryset.get().version)
        except (EngineIndex.DoesNotExist, FileNotFoundError) as exc:
            messages.error(request, str(exc))
            return
        messages.success(request, f"v{record.version} is now active.")
