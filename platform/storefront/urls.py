from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "storefront"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profiles/", views.profile_picker, name="profiles"),
    path("profiles/<int:profile_id>/select/", views.choose_profile, name="choose_profile"),
    path("history/", views.history, name="history"),
    path("", views.home, name="home"),
]
