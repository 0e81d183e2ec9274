"""seed_demo builds a small deterministic world whose viewing follows tastes."""

from io import StringIO

import cv2
import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from accounts.models import Cancellation, Profile, User
from activity.models import Rating, ViewingEvent
from catalog.models import MediaAsset, Title

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--titles", "24", "--accounts", "6", "--videos", "1", *args, stdout=out)
    return out.getvalue()


def test_it_builds_titles_posters_a_video_subscribers_and_their_viewing():
    from catalog.synthetic_media import POSTER_SIZE

    seed()

    assert Title.objects.count() == 24
    assert User.objects.filter(email__endswith="@demo.marquee.test").count() == 6
    assert ViewingEvent.objects.exists() and Rating.objects.exists()
    poster = MediaAsset.objects.filter(role=MediaAsset.Role.POSTER).first()
    with poster.file.open("rb") as handle, Image.open(handle) as image:
        assert image.size == POSTER_SIZE  # the title page's largest slot at 2x density: never upscaled
    video = MediaAsset.objects.get(kind=MediaAsset.Kind.VIDEO)
    capture = cv2.VideoCapture(video.file.path)
    frames = 0
    while capture.read()[0]:
        frames += 1
    assert frames == video.metadata["frames"]
    assert video.metadata["generated_cuts"], "the video has known hard cuts"


def test_only_the_videos_are_queued_for_the_media_pipeline(monkeypatch):
    """The drawn posters are ready as built; a chain each used to bury make run's worker in a backlog."""
    queued = []
    monkeypatch.setattr("tagging.services.enqueue_asset", queued.append)
    seed()

    assert queued == list(MediaAsset.objects.filter(kind=MediaAsset.Kind.VIDEO).values_list("pk", flat=True))
    assert MediaAsset.objects.filter(role=MediaAsset.Role.POSTER, status=MediaAsset.Status.READY).count() == 24


def test_the_same_seed_builds_the_same_world():
    seed("--seed", "3")
    first = list(Title.objects.order_by("pk").values_list("name", "year", "synopsis"))
    first_views = ViewingEvent.objects.count()
    Title.objects.all().delete()
    User.objects.all().delete()

    seed("--seed", "3")

    assert list(Title.objects.order_by("pk").values_list("name", "year", "synopsis")) == first
    assert ViewingEvent.objects.count() == first_views


def test_if_empty_leaves_an_existing_catalogue_alone():
    seed()
    out = seed("--if-empty")

    assert "not empty" in out
    assert Title.objects.count() == 24


def test_it_creates_the_demo_logins_with_profiles(client, settings):
    seed()

    assert client.login(email=settings.DEMO_SUBSCRIBER_EMAIL, password=settings.DEMO_SUBSCRIBER_PASSWORD)
    assert Profile.objects.filter(account__email=settings.DEMO_SUBSCRIBER_EMAIL).count() == 2
    assert User.objects.get(email=settings.DEMO_STAFF_EMAIL).is_staff


def test_the_demo_subscriber_is_mid_period_so_cancelling_keeps_watching_until_the_next_bill(settings):
    from accounts import membership

    seed()
    viewer = User.objects.get(email=settings.DEMO_SUBSCRIBER_EMAIL)
    today = timezone.localdate()
    assert viewer.next_billing_date > today and viewer.invoices.first().issued_at.date() < today

    cancellation = membership.cancel_membership(viewer, reason=Cancellation.Reason.values[0])

    viewer.refresh_from_db()
    assert cancellation.effective_on == viewer.next_billing_date and viewer.plan is not None


def test_demo_subscribers_joined_before_their_viewing_history_starts():
    seed()
    for account in User.objects.filter(email__endswith="@demo.marquee.test"):
        first_view = ViewingEvent.objects.filter(profile__account=account).order_by("started_at").first()
        assert first_view is None or account.date_joined < first_view.started_at


def test_profiles_in_one_region_share_more_of_their_taste_than_profiles_in_different_regions():
    import numpy as np

    call_command("seed_demo", "--titles", "40", "--accounts", "40", "--videos", "0", stdout=StringIO())
    genres_of = {}
    for title_id, genre_id in Title.genres.through.objects.values_list("title_id", "genre_id"):
        genres_of.setdefault(title_id, []).append(genre_id)
    genre_ids = sorted({g for gs in genres_of.values() for g in gs})
    column = {g: i for i, g in enumerate(genre_ids)}
    vectors, regions = {}, {}
    for profile_id, region_id, title_id in ViewingEvent.objects.filter(
        profile__account__email__endswith="@demo.marquee.test"
    ).values_list("profile_id", "profile__account__region_id", "title_id"):
        row = vectors.setdefault(profile_id, np.zeros(len(genre_ids)))
        row[[column[g] for g in genres_of[title_id]]] += 1
        regions[profile_id] = region_id
    ids = sorted(vectors)
    unit = np.array([vectors[p] / np.linalg.norm(vectors[p]) for p in ids])
    cosines = unit @ unit.T
    same = np.array([[regions[a] == regions[b] for b in ids] for a in ids])
    off_diagonal = ~np.eye(len(ids), dtype=bool)
    assert cosines[same & off_diagonal].mean() > cosines[~same].mean()
