"""Churn risk: features never see the label's future, the time split, stored scores usable as a segment filter."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from factories import make_account, make_profile, make_title, watch
from marketing import churn, features, segments
from marketing.models import ChurnModelRun, ChurnScore, Segment, SegmentRule

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def test_features_never_see_activity_after_the_snapshot_the_label_is_drawn_from():
    title = make_title("T")
    as_of = NOW - timedelta(days=40)
    leaver = make_profile(make_account("leaver@x.test"))
    returner = make_profile(make_account("returner@x.test"))
    idle = make_profile(make_account("idle@x.test"))
    for account in (leaver.account, returner.account, idle.account):
        type(account).objects.filter(pk=account.pk).update(date_joined=NOW - timedelta(days=400))
    watch(leaver, title, when=as_of - timedelta(days=2))
    # Heavy viewing after the snapshot: it decides the label, and must not show in the features.
    for d in range(1, 10):
        watch(returner, title, when=as_of + timedelta(days=d), seconds=7200)
    snap = churn.snapshot(as_of)
    row = {a: i for i, a in enumerate(snap.ids)}
    r, i = row[returner.account_id], row[idle.account_id]
    assert np.array_equal(snap.numeric[r], snap.numeric[i])  # the returner looks exactly like the idle account
    assert snap.y[r] == 0 and snap.y[i] == 1 and snap.y[row[leaver.account_id]] == 1
    recency = features.NUMERIC.index("days_since_last_view")
    assert snap.numeric[row[leaver.account_id], recency] == pytest.approx(2, abs=0.01)


def test_a_recorded_cancellation_ending_in_the_window_is_churn_even_with_viewing_and_a_withdrawn_one_is_not():
    from accounts.models import Cancellation

    title = make_title("T")
    as_of = NOW - timedelta(days=40)
    quitter, changed_mind, stayer = (make_profile(make_account(f"{n}@x.test")) for n in ("q", "c", "s"))
    for profile in (quitter, changed_mind, stayer):
        watch(profile, title, when=as_of + timedelta(days=3))  # all watch in the label window
    ends = timezone.localdate(as_of) + timedelta(days=10)
    Cancellation.objects.create(account=quitter.account, reason="price", requested_at=as_of, effective_on=ends)
    Cancellation.objects.create(account=changed_mind.account, reason="break", requested_at=as_of,
                                effective_on=ends, withdrawn_at=as_of + timedelta(days=2))
    # A cancellation ending after the window belongs to a later label.
    Cancellation.objects.create(account=stayer.account, reason="other", requested_at=as_of,
                                effective_on=ends + timedelta(days=40))
    ids = [quitter.account_id, changed_mind.account_id, stayer.account_id]
    assert list(features.churned_after(ids, as_of)) == [1, 0, 0]


def test_the_time_split_trains_on_earlier_snapshots_and_tests_on_the_latest():
    times = churn.snapshots_for(NOW, 3)
    assert times == sorted(times) and times[-1] == NOW - timedelta(days=30)
    assert all(b - a == timedelta(days=30) for a, b in zip(times, times[1:], strict=False))


def _world(n=60, seed=0):
    from activity.models import ViewingEvent

    rng = np.random.default_rng(seed)
    title = make_title("Show")
    views = []
    for k in range(n):
        profile = make_profile(make_account(f"v{k}@x.test"))
        type(profile.account).objects.filter(pk=profile.account_id).update(date_joined=NOW - timedelta(days=300))
        loyal = k % 2 == 0
        for d in range(0, 120, 3 if loyal else 25):
            if rng.random() < (0.9 if loyal else 0.5):
                views.append(ViewingEvent(profile=profile, title=title, started_at=NOW - timedelta(days=d, hours=1),
                                          seconds_watched=1800, completion=0.5))
    ViewingEvent.objects.bulk_create(views)


def test_scores_are_stored_with_factors_and_usable_as_a_segment_filter():
    _world()
    run = churn.refresh_scores(now=NOW)
    assert ChurnModelRun.objects.count() == 1
    for key in ("gradient_boosting", "logistic_regression", "days_since_last_view"):
        assert set(run.metrics[key]) == {"roc_auc", "pr_auc", "brier", "reliability"}
    assert ChurnScore.objects.count() == 60
    risky = Segment.objects.create(name="risky")
    SegmentRule.objects.create(segment=risky, field="risk_score", operator="gt", value="0.6")
    expected = set(ChurnScore.objects.filter(score__gt=0.6).values_list("account_id", flat=True))
    assert set(segments.members(risky).values_list("pk", flat=True)) == expected
    for score in ChurnScore.objects.filter(score__gt=churn.HIGH_RISK):
        assert all(isinstance(f, str) for f in score.top_factors)


def test_one_class_history_is_reported_not_crashed():
    make_profile(make_account("only@x.test"))
    run = churn.refresh_scores(now=NOW)
    assert "error" in run.metrics and not ChurnScore.objects.exists()
