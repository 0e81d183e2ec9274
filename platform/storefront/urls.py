from django.urls import path

from .views import account, auth, browse, library, previews, profiles, search, watch

app_name = "storefront"
urlpatterns = [
    path("signup/", auth.signup, name="signup"),
    path("signup/sent/", auth.signup_sent, name="signup_sent"),
    path("signup/confirm/<str:token>/", auth.signup_confirm, name="signup_confirm"),
    path("login/", auth.RateLimitedLoginView.as_view(), name="login"),
    path("password-reset/", auth.RateLimitedPasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth.auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", auth.auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("logout/", auth.auth_views.LogoutView.as_view(), name="logout"),
    path("profiles/", profiles.profile_picker, name="profiles"),
    path("profiles/new/", profiles.profile_create, name="profile_create"),
    path("profiles/<int:profile_id>/edit/", profiles.profile_edit, name="profile_edit"),
    path("profiles/<int:profile_id>/select/", profiles.choose_profile, name="choose_profile"),
    path("welcome/", profiles.onboarding, name="onboarding"),
    path("", browse.home, name="home"),
    path("api/rows/", browse.rows_api, name="rows_api"),
    path("title/<int:title_id>/", browse.title_detail, name="title"),
    path("title/<int:title_id>/rate/", browse.rate_title, name="rate"),
    path("title/<int:title_id>/my-list/", browse.toggle_my_list, name="toggle_my_list"),
    path("title/<int:title_id>/preview/", previews.card_preview, name="card_preview"),
    path("watch/<int:title_id>/", watch.watch, name="watch"),
    path("watch/<int:title_id>/progress/", watch.watch_progress, name="watch_progress"),
    path("search/", search.search, name="search"),
    path("search/suggest/", search.suggest, name="suggest"),
    path("my-list/", library.my_list, name="my_list"),
    path("history/", library.history, name="history"),
    path("history/<int:event_id>/remove/", library.remove_from_history, name="remove_from_history"),
    path("account/", account.account, name="account"),
    path("healthz", account.healthz, name="healthz"),
]
