"""Watching pages: thumbs and My List, playback progress and the watch page, history, region scoping,
each profile seeing only its own entries; and the site-wide guards, CSRF on forms and a query-free
/healthz."""
# ruff: noqa: F811  (pytest fixtures imported from subscriber_pages are redefined as arguments)

import json

import pytest
from django.test import Client
from django.urls import reverse
from subscriber_pages import fresh_cache, viewer  # noqa: F401  (fixtures)

from activity.models import MyListEntry, Rating, ViewingEvent
from factories import make_account, make_profile, make_region, make_title, signed_in, watch

pytestmark = pytest.mark.django_db


def test_forms_require_csrf(viewer):
    _, profile = viewer
    title = make_title("Guarded")
    strict = signed_in(Client(enforce_csrf_checks=True), profile)

    response = strict.post(reverse("storefront:rate", args=[title.pk]), {"thumb": "1"})

    assert response.status_code == 403
    assert not Rating.objects.exists()


def test_thumbs_and_my_list_toggle(viewer):
    client, profile = viewer
    title = make_title("Opinionated")

    client.post(reverse("storefront:rate", args=[title.pk]), {"thumb": "1"})
    assert Rating.objects.get(profile=profile, title=title).thumb == 1
    client.post(reverse("storefront:rate", args=[title.pk]), {"thumb": "-1"})
    assert Rating.objects.get(profile=profile, title=title).thumb == -1
    client.post(reverse("storefront:rate", args=[title.pk]), {"thumb": "clear"})
    assert not Rating.objects.filter(profile=profile, title=title).exists()
    assert client.post(reverse("storefront:rate", args=[title.pk]), {"thumb": "5"}).status_code == 400

    client.post(reverse("storefront:toggle_my_list", args=[title.pk]))
    assert MyListEntry.objects.filter(profile=profile, title=title).exists()
    assert "Opinionated" in client.get(reverse("storefront:my_list")).content.decode()
    client.post(reverse("storefront:toggle_my_list", args=[title.pk]))
    assert not MyListEntry.objects.filter(profile=profile).exists()


def test_progress_reports_grow_one_viewing_event_bounded_by_the_runtime(viewer):
    client, profile = viewer
    title = make_title("Long Film", runtime_minutes=100)
    url = reverse("storefront:watch_progress", args=[title.pk])

    def report(**body):
        return client.post(url, json.dumps(body), content_type="application/json")

    first = report(event=None, position=600, watched=600).json()
    report(event=first["event"], position=1200, watched=1200)
    last = report(event=first["event"], position=10**6, watched=10**6).json()

    event = ViewingEvent.objects.get()
    assert event.pk == first["event"] == last["event"]
    assert event.profile == profile
    assert event.seconds_watched == 6000 and event.completion == 1.0
    assert report(event="x", position=1).status_code == 400


def test_progress_cannot_touch_another_profiles_event(viewer):
    client, _ = viewer
    title = make_title("Shared Title")
    theirs = watch(make_profile(name="Stranger"), title, completion=0.1)

    response = client.post(reverse("storefront:watch_progress", args=[title.pk]),
                           json.dumps({"event": theirs.pk, "position": 3000, "watched": 3000}),
                           content_type="application/json")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.completion == pytest.approx(0.1)


def test_watch_page_plays_a_ready_video_or_simulates(viewer, settings, tmp_path):
    from django.core.files.base import ContentFile

    from catalog.models import MediaAsset

    settings.MEDIA_ROOT = tmp_path
    client, _ = viewer
    with_video, without = make_title("Has Video"), make_title("No Video")
    asset = MediaAsset(title=with_video, kind="video", role="feature", status="ready", duration_s=12)
    asset.file.save("clip.webm", ContentFile(b"webm"), save=True)

    video_page = client.get(reverse("storefront:watch", args=[with_video.pk])).content.decode()
    simulated_page = client.get(reverse("storefront:watch", args=[without.pk])).content.decode()

    assert "<video" in video_page and asset.file.url in video_page
    assert "<video" not in simulated_page and 'id="simulated-play"' in simulated_page


def test_remove_from_history_hides_only_the_profiles_own_event(viewer):
    client, profile = viewer
    mine = watch(profile, make_title("Regret"))
    theirs = watch(make_profile(name="Other"), make_title("Not Yours"))

    assert client.post(reverse("storefront:remove_from_history", args=[theirs.pk])).status_code == 404
    client.post(reverse("storefront:remove_from_history", args=[mine.pk]))

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.hidden_at is not None and theirs.hidden_at is None
    assert "Regret" not in client.get(reverse("storefront:history")).content.decode()


def test_titles_outside_the_region_are_not_found(viewer):
    from catalog.models import TitleAvailability

    client, profile = viewer
    profile.account.region = make_region("US")
    profile.account.save()
    elsewhere = make_title("Japan Only")
    TitleAvailability.objects.create(title=elsewhere, region=make_region("JP", "Japan"))

    assert client.get(reverse("storefront:watch", args=[elsewhere.pk])).status_code == 404


def test_healthz_is_trivial(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.content == b"ok"


def test_my_list_and_history_show_only_the_chosen_profiles_own_entries(viewer):
    client, profile = viewer
    sibling = make_profile(profile.account, name="Sibling")
    outsider = make_profile(make_account("someone@example.test"), name="Someone")
    for other, name in [(sibling, "Sibling Pick"), (outsider, "Outsider Pick")]:
        title = make_title(name)
        MyListEntry.objects.create(profile=other, title=title)
        watch(other, title)
    MyListEntry.objects.create(profile=profile, title=make_title("My Pick"))

    saved = client.get(reverse("storefront:my_list")).content.decode()
    history = client.get(reverse("storefront:history")).content.decode()

    assert "My Pick" in saved and "Sibling Pick" not in saved and "Outsider Pick" not in saved
    assert "Sibling Pick" not in history and "Outsider Pick" not in history
