from django.urls import path

from .views import account, auth, browse, library, profiles, search, watch

app_name = "storefront"
urlpatterns = [
    path("signup/", auth.signup, name="signup"),
    path("login/", auth.RateLimitedLoginView.as_view(), name="login"),
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
