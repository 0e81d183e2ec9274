import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from catalog.models import MediaAsset, TitleTag
from factories import make_account, make_tag, make_title
from tagging import pipeline, services
from tagging.models import Keyframe, Shot, TagSuggestion, TrainingLabel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TAGGING_MODEL_TAG_THRESHOLD = 0.3


def shot_with_keyframe(asset, index, start_s, end_s, features=None) -> Keyframe:
    shot = Shot.objects.create(asset=asset, index=index, start_frame=int(start_s * 24), end_frame=int(end_s * 24) - 1,
                               start_s=start_s, end_s=end_s, transition="start" if index == 0 else "cut")
    keyframe = Keyframe(shot=shot, frame=shot.start_frame, quality=0.5, features=features or {"brightness": 0.5})
    keyframe.image.save(f"k{index}.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    keyframe.save()
    return keyframe


def poster_keyframe(title) -> Keyframe:
    """What the pipeline makes of a still image: one "shot" of frame 0 with no length, and its keyframe."""
    poster = MediaAsset.objects.create(title=title, kind="image", role="poster", file="p.png", status="ready")
    shot = Shot.objects.create(asset=poster, index=0, start_frame=0, end_frame=0, start_s=0.0, end_s=0.0,
                               transition="start")
    still = Keyframe(shot=shot, frame=0, quality=0.5, features={"brightness": 0.5})
    still.image.save("still.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    still.save()
    return still


@pytest.fixture
def film():
    title = make_title("Night Heist")
    asset = MediaAsset.objects.create(title=title, kind="video", role="trailer", file="x.avi", status="ready")
    long_shot = shot_with_keyframe(asset, 0, 0.0, 9.0)
    short_shot = shot_with_keyframe(asset, 1, 9.0, 10.0)
    return title, long_shot, short_shot


def suggest(title, keyframe, name, confidence, tagger="descriptors") -> TagSuggestion:
    return TagSuggestion.objects.create(title=title, keyframe=keyframe, tag=make_tag(name), tagger=tagger,
                                        confidence=confidence)


def test_title_score_is_shot_length_times_confidence_over_total_length(film):
    title, long_shot, short_shot = film
    suggest(title, long_shot, "dark", 0.8)
    suggest(title, short_shot, "dark", 0.4)
    suggest(title, short_shot, "action", 0.9)
    suggest(title, short_shot, "action", 0.6, tagger="learned")  # the stronger tagger counts, once
    scores = pipeline.aggregate_title(title.pk)
    assert scores["dark"] == pytest.approx((9 * 0.8 + 1 * 0.4) / 10)
    assert scores["action"] == pytest.approx(1 * 0.9 / 10)
    # Over the acceptance threshold: a model tag in the catalog with the score as its confidence.
    model = TitleTag.objects.get(title=title, source="model")
    assert model.tag.name == "dark" and model.confidence == pytest.approx(0.76)


def test_approving_makes_a_staff_title_tag_and_a_positive_label(film, django_capture_on_commit_callbacks):
    title, long_shot, _ = film
    suggestion = suggest(title, long_shot, "dark", 0.8)
    staff = make_account(is_staff=True)
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.approve([suggestion.pk], staff) == 1
    suggestion.refresh_from_db()
    assert suggestion.status == "approved" and suggestion.reviewed_by == staff
    assert TitleTag.objects.filter(title=title, tag__name="dark", source="staff", confidence=1.0).exists()
    label = TrainingLabel.objects.get(keyframe=long_shot)
    assert label.positive and label.features == long_shot.features
    assert len(callbacks) == 1  # the learned tagger's retraining is queued


def test_rejecting_removes_the_tag_from_the_title_score_and_the_model_tags(film):
    title, long_shot, _ = film
    suggestion = suggest(title, long_shot, "dark", 0.8)
    pipeline.aggregate_title(title.pk)
    assert TitleTag.objects.filter(title=title, source="model").exists()
    services.reject([suggestion.pk])
    assert not TitleTag.objects.filter(title=title, source="model").exists()
    assert not TrainingLabel.objects.get(keyframe=long_shot).positive


def test_rejecting_a_title_level_tag_keeps_it_out_after_re_aggregation(film):
    title, long_shot, _ = film
    suggest(title, long_shot, "dark", 0.9)
    pipeline.aggregate_title(title.pk)
    aggregated = TagSuggestion.objects.get(title=title, keyframe__isnull=True)
    services.reject([aggregated.pk])
    pipeline.aggregate_title(title.pk)
    assert TagSuggestion.objects.get(pk=aggregated.pk).status == "rejected"
    assert not TitleTag.objects.filter(title=title, source="model").exists()


def test_a_rerun_keeps_staff_decisions(film):
    title, long_shot, _ = film
    suggestion = suggest(title, long_shot, "dark", 0.8)
    services.approve([suggestion.pk])
    pipeline._save_suggestions(title, {(long_shot.pk, "dark", "descriptors"): 0.7}, {"keyframe__shot__asset": long_shot.shot.asset})
    suggestion.refresh_from_db()
    assert suggestion.status == "approved" and suggestion.confidence == pytest.approx(0.7)


def test_review_queue_shows_thumbnails_and_bulk_approves(client, film):
    title, long_shot, short_shot = film
    first, second = suggest(title, long_shot, "dark", 0.8), suggest(title, short_shot, "action", 0.6)
    client.force_login(make_account(is_staff=True, is_superuser=True))
    url = reverse("admin:tagging_tagsuggestion_changelist")
    page = client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count("alt=\"keyframe ") == 2 and "0.80" in page.content.decode()
    response = client.post(url, {"action": "approve_selected", "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 302
    assert set(TitleTag.objects.filter(title=title, source="staff").values_list("tag__name", flat=True)) == {"dark", "action"}
    assert client.get(url).content.decode().count("alt=\"keyframe ") == 0  # the queue shows pending ones only


def test_review_queue_says_still_image_for_a_poster_and_the_shot_for_a_video(client, film):
    title, long_shot, _ = film
    still = poster_keyframe(title)
    suggest(title, still, "green palette", 0.9)
    suggest(title, long_shot, "dark", 0.8)
    client.force_login(make_account(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:tagging_tagsuggestion_changelist")).content.decode()
    assert "still image" in page and "0.0–0.0 s" not in page
    assert "shot 0 (0.0–9.0 s)" in page


def test_each_proposed_tag_is_listed_and_counted_once_not_again_as_its_title_level_sum(client, film):
    title, long_shot, _ = film
    still = poster_keyframe(title)
    suggest(title, still, "green palette", 0.9)
    suggest(title, long_shot, "dark", 0.8)
    suggest(title, None, "heist", 0.7, tagger="synopsis")  # a title-level proposal of its own stays listed
    pipeline.aggregate_title(title.pk)  # adds the "shots" sums of green palette and dark for the whole title
    assert TagSuggestion.objects.filter(title=title, tagger=pipeline.SHOTS_TAGGER).count() == 2

    client.force_login(make_account(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:tagging_tagsuggestion_changelist")).content.decode()
    assert page.count("whole title") == 1  # the synopsis proposal, not the two sums
    assert page.count('alt="keyframe ') == 2
    status = services.tagging_status()
    assert status["awaiting_review"] == 3
    assert [t["awaiting_review"] for t in status["titles"] if t["id"] == title.pk] == [3]


def test_title_tag_page_lists_the_shots_each_tag_came_from(client, film):
    title, long_shot, short_shot = film
    suggest(title, long_shot, "dark", 0.8)
    suggest(title, short_shot, "action", 0.9)
    pipeline.aggregate_title(title.pk)
    client.force_login(make_account(is_staff=True, is_superuser=True))
    page = client.get(reverse("tagging:title_tags", args=[title.pk])).content.decode()
    dark, action = page.index("<h2>dark</h2>"), page.index("<h2>action</h2>")
    assert dark < action  # strongest first
    assert "0.0–9.0 s" in page[dark:action] and "9.0–10.0 s" in page[action:]
    assert "<svg" in page


def test_title_tag_page_is_staff_only(client, film):
    title, _, _ = film
    client.force_login(make_account())
    assert client.get(reverse("tagging:title_tags", args=[title.pk])).status_code == 302


def test_review_queue_query_count_does_not_grow_with_rows(client, film):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    title, long_shot, short_shot = film
    client.force_login(make_account(is_staff=True, is_superuser=True))
    url = reverse("admin:tagging_tagsuggestion_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    suggest(title, long_shot, "dark", 0.8)
    queries()  # the first page caches the signed-in user
    few = queries()
    for k in range(6):
        suggest(title, short_shot, f"tag {k}", 0.5)
    assert queries() == few
