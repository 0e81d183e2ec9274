from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Plan, Profile, User


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "monthly_price", "max_profiles", "max_streams", "video_quality", "has_downloads"]
    search_fields = ["name", "code"]


class ProfileInline(admin.TabularInline):
    model = Profile
    extra = 0
    fields = ["name", "maturity_limit", "onboarded_at"]
    readonly_fields = ["onboarded_at"]
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
        ("Subscription", {"fields": ["plan", "region", "next_billing_date", "marketing_consent", "movielens_user_id"]}),
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
