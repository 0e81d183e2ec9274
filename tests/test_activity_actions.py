"""What a profile does to a title (activity.actions) and what that activity means (activity.opinions)."""

import threading
from datetime import UTC, datetime

import numpy as np
import pytest
from django.db import OperationalError, connection, transaction

from activity import actions
from activity.models import MyListEntry, Rating, ViewingEvent
from activity.opinions import disliked_ratings, is_disliked, is_liked, is_relevant
from activity.signals import profile_activity_changed
from catalog.models import MediaAsset
from factories import make_profile, make_title, rate, watch

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def acted():
    """The profile ids each `profile_activity_changed` named, in order."""
    seen: list[int] = []

    def receiver(sender, profile_id, **kwargs):
        seen.append(profile_id)

    profile_activity_changed.connect(receiver)
    yield seen
    profile_activity_changed.disconnect(receiver)


def test_watch_progress_opens_a_session_and_only_ever_grows_it():
    profile, title = make_profile(), make_title(runtime_minutes=100)  # 6,000 s
    event = actions.record_watch_progress(
        profile, title, event_id=None, position_s=600, watched_s=600, now=NOON
    )
    assert (event.started_at, event.seconds_watched, event.completion) == (NOON, 600, 0.1)
    event = actions.record_watch_progress(profile, title, event_id=event.pk, position_s=3000, watched_s=2400)
    assert (event.seconds_watched, event.completion) == (2400, 0.5)
    # A late report from earlier in the session (or a seek back) lowers nothing.
    event = actions.record_watch_progress(profile, title, event_id=event.pk, position_s=60, watched_s=60)
    event.refresh_from_db()
    assert (event.seconds_watched, event.completion) == (2400, 0.5)
    assert ViewingEvent.objects.filter(profile=profile).count() == 1


def test_watch_progress_is_bounded_by_the_titles_own_duration_not_the_players():
    profile, title = make_profile(), make_title(runtime_minutes=100)
    MediaAsset.objects.create(
        title=title,
        kind=MediaAsset.Kind.VIDEO,
        status=MediaAsset.Status.READY,
        role=MediaAsset.Role.FEATURE,
        duration_s=1000,
    )
    event = actions.record_watch_progress(profile, title, event_id=None, position_s=5000, watched_s=99_999)
    assert (event.seconds_watched, event.completion) == (1000, 1.0)


def test_a_title_without_video_or_runtime_plays_as_a_ninety_minute_feature():
    profile, title = make_profile(), make_title(runtime_minutes=None)
    event = actions.record_watch_progress(profile, title, event_id=None, position_s=2700, watched_s=2700)
    assert event.completion == 0.5


def test_progress_on_another_profiles_or_another_titles_session_is_refused():
    mine, theirs, title, other = make_profile(), make_profile(), make_title(), make_title()
    event = watch(theirs, title, completion=0.2)
    with pytest.raises(ViewingEvent.DoesNotExist):
        actions.record_watch_progress(mine, title, event_id=event.pk, position_s=10, watched_s=10)
    with pytest.raises(ViewingEvent.DoesNotExist):
        actions.record_watch_progress(theirs, other, event_id=event.pk, position_s=10, watched_s=10)
    event.refresh_from_db()
    assert event.completion == 0.2


def test_hiding_a_viewing_stamps_it_once_and_only_for_its_own_profile():
    mine, theirs, title = make_profile(), make_profile(), make_title()
    event = watch(mine, title)
    with pytest.raises(ViewingEvent.DoesNotExist):
        actions.hide_viewing(theirs, event.pk)
    assert actions.hide_viewing(mine, event.pk, now=NOON).hidden_at == NOON
    with pytest.raises(ViewingEvent.DoesNotExist):  # already gone from the history
        actions.hide_viewing(mine, event.pk)


def test_a_thumb_is_set_changed_and_withdrawn():
    profile, title = make_profile(), make_title()
    assert actions.set_thumb(profile, title, 1, now=NOON).thumb == Rating.Thumb.UP
    assert actions.set_thumb(profile, title, -1).thumb == Rating.Thumb.DOWN
    assert Rating.objects.filter(profile=profile, title=title).count() == 1
    assert actions.set_thumb(profile, title, None) is None
    assert not Rating.objects.filter(profile=profile, title=title).exists()
    with pytest.raises(ValueError, match="thumb must be 1, -1 or None"):
        actions.set_thumb(profile, title, 5)


def test_withdrawing_one_opinion_keeps_the_other():
    profile, title = make_profile(), make_title()
    rate(profile, title, stars=4.5)
    actions.set_thumb(profile, title, 1)
    kept = actions.set_thumb(profile, title, None)
    assert (kept.stars, kept.thumb) == (4.5, None)
    actions.set_thumb(profile, title, -1)
    kept = actions.set_stars(profile, title, None)
    assert (kept.stars, kept.thumb) == (None, -1)
    assert Rating.objects.get(profile=profile, title=title).stars is None


def test_stars_come_in_half_steps_from_half_a_star_to_five():
    profile, title = make_profile(), make_title()
    assert actions.set_stars(profile, title, 3.5).stars == 3.5
    for bad in (0, 0.25, 5.5, 3.3):
        with pytest.raises(ValueError, match="half stars"):
            actions.set_stars(profile, title, bad)
    assert Rating.objects.get(profile=profile, title=title).stars == 3.5


def test_my_list_add_remove_and_toggle_say_what_changed():
    profile, title = make_profile(), make_title()
    assert actions.add_to_my_list(profile, title) is True
    assert actions.add_to_my_list(profile, title) is False
    assert actions.remove_from_my_list(profile, title) is True
    assert actions.remove_from_my_list(profile, title) is False
    assert actions.toggle_my_list(profile, title) is True
    assert MyListEntry.objects.filter(profile=profile, title=title).exists()
    assert actions.toggle_my_list(profile, title) is False
    assert not MyListEntry.objects.filter(profile=profile).exists()


def test_every_action_tells_the_upper_layers_the_profile_acted_when_it_commits(acted, django_capture_on_commit_callbacks):
    profile, title = make_profile(), make_title()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = actions.record_watch_progress(profile, title, event_id=None, position_s=1, watched_s=1)
        actions.set_thumb(profile, title, 1)
        actions.set_stars(profile, title, 4)
        actions.toggle_my_list(profile, title)
        actions.add_to_my_list(profile, title)
        actions.remove_from_my_list(profile, title)
        actions.hide_viewing(profile, event.pk)
        assert acted == []  # nothing before the commit
    assert len(callbacks) == 7
    assert acted == [profile.pk] * 7


def test_an_action_rolled_back_with_its_callers_transaction_announces_nothing(acted, django_capture_on_commit_callbacks):
    profile, title = make_profile(), make_title()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            actions.set_thumb(profile, title, 1)
            raise RuntimeError("the caller fails after the action")
    assert acted == []
    assert not Rating.objects.filter(profile=profile).exists()


def test_the_cached_rows_are_forgotten_only_when_the_action_commits(django_capture_on_commit_callbacks):
    from storefront.rows import cached_for_profile

    profile, title = make_profile(), make_title()
    computed: list[int] = []

    def rows() -> int:
        computed.append(len(computed) + 1)
        return computed[-1]

    assert cached_for_profile(profile, "test", rows) == 1
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            actions.add_to_my_list(profile, title)
            raise RuntimeError("rolled back")
    assert cached_for_profile(profile, "test", rows) == 1  # still the cached rows
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_to_my_list(profile, title)
    assert cached_for_profile(profile, "test", rows) == 2  # recomputed after the commit


def test_a_refused_action_announces_nothing(acted):
    profile = make_profile()
    with pytest.raises(ViewingEvent.DoesNotExist):
        actions.hide_viewing(profile, 10**9)
    with pytest.raises(ValueError):
        actions.set_thumb(profile, make_title(), 0)
    assert acted == []


@pytest.mark.django_db(transaction=True)
def test_a_progress_report_waits_for_another_report_of_the_same_session(requires_postgres):
    """The session's row is locked while a report is applied, so two reports never lose the larger one."""
    profile, title = make_profile(), make_title(runtime_minutes=100)
    event = watch(profile, title, completion=0.1, seconds=6000)
    errors: list[Exception] = []

    def second_report() -> None:
        try:
            with transaction.atomic():
                connection.cursor().execute("SET LOCAL lock_timeout = '100ms'")
                actions.record_watch_progress(
                    profile, title, event_id=event.pk, position_s=3000, watched_s=3000
                )
        except OperationalError as error:
            errors.append(error)
        finally:
            connection.close()

    with transaction.atomic():
        ViewingEvent.objects.select_for_update().get(pk=event.pk)  # a first report still being applied
        other = threading.Thread(target=second_report)
        other.start()
        other.join()
    assert len(errors) == 1 and "lock" in str(errors[0]).lower()
    event.refresh_from_db()
    assert event.completion == 0.1


def test_disliked_is_a_low_rating_or_a_thumb_down_whatever_else_was_said():
    assert is_disliked(stars=2.0, dislike_at=2.0) and is_disliked(thumb=-1) and is_disliked(stars=5, thumb=-1)
    assert not is_disliked(stars=2.5, dislike_at=2.0) and not is_disliked(thumb=1) and not is_disliked()
    assert not is_liked(stars=5, thumb=-1)


def test_liked_is_three_and_a_half_stars_a_thumb_up_or_half_the_title_watched():
    assert is_liked(stars=3.5) and is_liked(thumb=1) and is_liked(completion=0.5)
    assert not is_liked(stars=3.0) and not is_liked(completion=0.49)


def test_a_hit_is_four_stars_a_thumb_up_or_a_completed_view():
    assert is_relevant(stars=4.0) and is_relevant(thumb=1) and is_relevant(completion=0.9)
    assert not is_relevant(stars=3.5) and not is_relevant(completion=0.8)


def test_the_rules_read_the_same_on_arrays_as_on_single_values():
    stars = np.array([2.0, 4.0, np.nan, np.nan, 3.0])
    thumb = np.array([np.nan, np.nan, -1.0, 1.0, np.nan])
    completion = np.full(5, np.nan)
    assert is_disliked(stars, thumb, dislike_at=2.0).tolist() == [True, False, True, False, False]
    assert is_relevant(stars, thumb, completion).tolist() == [False, True, False, True, False]


def test_the_database_filter_picks_the_same_ratings_as_the_rule(settings):
    settings.RECOMMENDER_DISLIKE_AT = 2.5
    profile = make_profile()
    opinions = [(1.0, None), (2.5, None), (3.0, None), (None, -1), (None, 1), (4.0, -1)]
    rows = [rate(profile, make_title(), stars=s, thumb=t) for s, t in opinions]
    expected = {r.pk for r in rows if is_disliked(r.stars, r.thumb)}
    assert set(Rating.objects.filter(disliked_ratings()).values_list("pk", flat=True)) == expected
    assert len(expected) == 4
