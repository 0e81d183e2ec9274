from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Cancellation, Invoice, Plan, Profile, User


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "monthly_price", "max_profiles", "max_streams", "video_quality", "has_downloads"]
    search_fields = ["name", "code"]


class ProfileInline(admin.TabularInline):
    model = Profile
    extra = 0
    fields = ["name", "maturity_limit", "onboarded_at", "locked"]
    readonly_fields = ["onboarded_at", "locked"]

    @admin.display(boolean=True, description="PIN lock")
    def locked(self, profile: Profile) -> bool:
        return bool(profile.pin_hash)
    show_change_link = True


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "plan", "region", "marketing_consent", "is_staff", "date_joined"]
    list_filter = ["plan", "region", "marketing_consent", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name", "movielens_user_id"]
    list_select_related = ["plan", "region"]
    inlines = [ProfileInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        # The region is the account's country: staff change it here; subscribers cannot.
        ("Subscription", {"fields": ["plan", "scheduled_plan", "region", "next_billing_date", "marketing_consent",
                                     "playback_quality", "movielens_user_id"]}),
        ("Personal info", {"fields": ["first_name", "last_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "maturity_limit", "onboarded_at", "created_at"]
    list_filter = ["maturity_limit"]
    search_fields = ["name", "account__email"]
    raw_id_fields = ["account"]
    autocomplete_fields = ["favourite_genres", "favourite_titles"]
    list_select_related = ["account"]


class ReadOnlyLogAdmin(admin.ModelAdmin):
    """Billing records are written by accounts.membership only; staff read them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Cancellation)
class CancellationAdmin(ReadOnlyLogAdmin):
    list_display = ["account", "plan", "reason", "requested_at", "effective_on", "withdrawn_at"]
    list_filter = ["reason", "effective_on"]
    search_fields = ["account__email", "comment"]
    list_select_related = ["account", "plan"]
    date_hierarchy = "effective_on"


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyLogAdmin):
    list_display = ["number", "account", "description", "amount", "currency", "period_start", "issued_at"]
    list_filter = ["kind", "currency"]
    search_fields = ["account__email"]
    list_select_related = ["account"]
    date_hierarchy = "issued_at"
