"""One account can never reach another account's profiles or what they did."""

import pytest
from django.urls import reverse

from accounts.access import SESSION_PROFILE_KEY
from accounts.models import User
from factories import make_account, make_profile, make_title, signed_in, watch

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def owner_profile():
    return make_profile(make_account("owner@example.test", PASSWORD), name="Owner")


@pytest.fixture
def outsider_client(client):
    outsider = make_account("outsider@example.test", PASSWORD)
    make_profile(outsider, name="Outsider")
    client.login(email="outsider@example.test", password=PASSWORD)
    return client


def test_an_outsider_cannot_select_another_accounts_profile(outsider_client, owner_profile):
    response = outsider_client.post(reverse("storefront:choose_profile", args=[owner_profile.pk]))

    assert response.status_code == 404
    assert SESSION_PROFILE_KEY not in outsider_client.session


def test_a_forged_session_profile_id_is_ignored(outsider_client, owner_profile):
    watch(owner_profile, make_title("Owner's Secret Show"))
    outsider = User.objects.get(email="outsider@example.test")
    signed_in(outsider_client, owner_profile, account=outsider)  # the outsider's session names the owner's profile

    response = outsider_client.get(reverse("storefront:history"))

    assert response.status_code == 302
    assert response["Location"] == reverse("storefront:profiles")


def test_history_shows_only_the_chosen_profiles_own_viewing(client, owner_profile):
    sibling = make_profile(owner_profile.account, name="Sibling")
    watch(owner_profile, make_title("Owner Watched This"))
    watch(sibling, make_title("Sibling Watched That"))
    client.login(email="owner@example.test", password=PASSWORD)
    client.post(reverse("storefront:choose_profile", args=[owner_profile.pk]))

    page = client.get(reverse("storefront:history")).content.decode()

    assert "Owner Watched This" in page
    assert "Sibling Watched That" not in page


def test_the_profile_picker_lists_only_the_accounts_own_profiles(outsider_client, owner_profile):
    page = outsider_client.get(reverse("storefront:profiles")).content.decode()

    assert "Outsider" in page
    assert "Owner" not in page


def test_pages_require_login(client):
    response = client.get(reverse("storefront:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("storefront:login"))


def test_cached_sign_in_and_profile_follow_changes_at_once(client, owner_profile):
    from django.utils import timezone

    account = owner_profile.account
    owner_profile.onboarded_at = timezone.now()
    owner_profile.save()
    signed_in(client, owner_profile)
    assert client.get(reverse("storefront:home")).status_code == 200  # user and profile now cached

    owner_profile.name = "Renamed"
    owner_profile.save()
    assert b"Welcome, Renamed" in client.get(reverse("storefront:home")).content

    owner_profile.delete()  # e.g. removed from another device: back to "Who's watching?"
    assert client.get(reverse("storefront:home"))["Location"] == reverse("storefront:profiles")

    account.set_password("a-brand-new-passphrase")
    account.save()  # a password change signs out every other session, cache or not
    assert client.get(reverse("storefront:profiles"))["Location"].startswith(reverse("storefront:login"))


def test_logs_are_read_only_in_the_admin(admin_client):
    """Impressions, viewing events, searches and task results are written by the platform, never added by hand."""
    for name in ("activity_impression", "activity_viewingevent", "activity_searchquery",
                 "django_celery_results_taskresult"):
        add_url = reverse(f"admin:{name}_add")
        assert admin_client.get(add_url).status_code == 403, name
        listing = admin_client.get(reverse(f"admin:{name}_changelist"))
        assert listing.status_code == 200 and f'href="{add_url}"' not in listing.content.decode(), name


def test_the_admin_is_branded_marquee(admin_client):
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "Marquee administration" in body and "Django administration" not in body
    assert "storefront/admin.css" in body  # the dashboard link's own colours
