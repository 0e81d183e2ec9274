"""The marketing admin: segment preview, message preview, start, results chart and a test send to oneself."""

import pytest
from django.core import mail
from django.urls import reverse

from factories import make_account, make_profile, make_region
from marketing import campaigns, results
from marketing.models import Campaign, Offer, Segment, SegmentRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = make_account("boss@x.test", is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


@pytest.fixture
def campaign():
    us = make_region("US")
    for i in range(3):
        make_profile(make_account(f"m{i}@x.test", region=us, marketing_consent=True), name=f"Viewer{i}")
    segment = Segment.objects.create(name="US")
    SegmentRule.objects.create(segment=segment, field="region", operator="is", value="US")
    campaign = Campaign.objects.create(name="Hello", segment=segment, subject="Hi {profile_name}",
                                       html_body="<b>{offer}</b> <script>{profile_name}</script>", text_body="{offer}",
                                       holdout_share=0.34)
    Offer.objects.create(campaign=campaign, code="ten-off", headline="10% off <now>")
    return campaign


def test_segment_page_shows_live_size_and_sample(staff_client, campaign):
    page = staff_client.get(reverse("admin:marketing_segment_change", args=[campaign.segment.pk]))
    assert page.status_code == 200
    assert b"<strong>3</strong> members now" in page.content and b"m0@x.test" in page.content


def test_campaign_page_previews_escaped_messages_for_sample_members(staff_client, campaign):
    page = staff_client.get(reverse("admin:marketing_campaign_change", args=[campaign.pk]))
    assert page.status_code == 200
    assert b"Hi Viewer0" in page.content
    assert b"<script>" not in page.content.split(b"Preview for sample members")[1][:5000]


def test_start_action_draws_recipients_queues_sending_and_results_render_a_chart(
    staff_client, campaign, django_capture_on_commit_callbacks, monkeypatch
):
    from marketing import sending, tasks

    queued = []
    monkeypatch.setattr(tasks.start_campaign_task, "apply_async", lambda args, **kw: queued.append(("start", args)))
    monkeypatch.setattr(tasks.send_campaign_batch_task, "apply_async", lambda args, **kw: queued.append(("send", args)))
    url = reverse("admin:marketing_campaign_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"action": "start_now", "_selected_action": [campaign.pk]})
    assert queued == [("start", (campaign.pk,))]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.start_campaign_task(campaign.pk) == 3
        assert tasks.start_campaign_task(campaign.pk) is None  # a second start draws nothing again
    assert queued[1:] == [("send", (campaign.pk,))]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING and campaign.recipients.count() == 3
    sending.send_batch(campaign.pk)
    results.compute(campaign)
    page = staff_client.get(reverse("admin:marketing_campaign_change", args=[campaign.pk]))
    assert b"<svg" in page.content and b"lift vs holdout" in page.content


def test_a_test_send_goes_to_the_staff_member_only(staff_client, campaign):
    url = reverse("admin:marketing_campaign_changelist")
    staff_client.post(url, {"action": "send_test_to_me", "_selected_action": [campaign.pk]})
    assert [m.to for m in mail.outbox] == [["boss@x.test"]]
    assert campaign.recipients.count() == 0  # nothing drawn, nothing recorded
    assert campaigns.preview(campaign)[0]["subject"] == "Hi Viewer0"


def test_the_live_preview_counts_the_unsaved_rules_of_the_form(staff_client, campaign):
    make_account("gb@x.test", region=make_region("GB", "United Kingdom"), marketing_consent=True)
    url = reverse("admin:marketing_segment_preview")
    form = {"name": "draft", "match": "any", "rules-TOTAL_FORMS": "2",
            "rules-0-field": "region", "rules-0-operator": "is", "rules-0-value": "GB",
            "rules-1-field": "consent", "rules-1-operator": "is", "rules-1-value": "no"}
    assert staff_client.post(url, form).json() == {"size": 1, "sample": ["gb@x.test"]}
    form["rules-0-value"] = "GB, US"
    assert staff_client.post(url, form).json()["size"] == 4
    form["exclude"] = [str(campaign.segment.pk)]  # minus the saved US segment
    assert staff_client.post(url, form).json()["size"] == 1
    form["rules-1-field"] = "nonsense"
    assert "unknown field" in staff_client.post(url, form).json()["error"]
    assert b"segment-preview" in staff_client.get(reverse("admin:marketing_segment_add")).content


def test_offer_model_and_churn_run_pages_chart_their_metrics(staff_client):
    from django.utils import timezone

    from marketing.models import ChurnModelRun, OfferModel

    offer_model = OfferModel.objects.create(
        source="platform", learner="t_learner", offers=["a"], artifact="x",
        metrics={"offers": {"a": {"qini": 0.1, "decile_uplift": [0.2, -0.1], "qini_curve": [[0, 0], [5, 2], [10, 1]]}},
                 "policy_value": {"model policy": 0.2, "random offer": 0.1}},
    )
    page = staff_client.get(reverse("admin:marketing_offermodel_change", args=[offer_model.pk]))
    assert page.status_code == 200 and b"Qini curve" in page.content and b"<polyline" in page.content
    block = {"roc_auc": 0.8, "pr_auc": 0.5, "brier": 0.1, "reliability": [{"bin": 0.1, "predicted": 0.12,
                                                                         "observed": 0.1, "count": 9}]}
    run = ChurnModelRun.objects.create(created_at=timezone.now(), metrics={
        "train_snapshots": ["2026-10-01"], "test_snapshot": "2026-11-01", "train_rows": 10, "test_rows": 5,
        "train_churn_rate": 0.2, "test_churn_rate": 0.3, "gradient_boosting": block, "logistic_regression": block,
        "days_since_last_view": block})
    page = staff_client.get(reverse("admin:marketing_churnmodelrun_change", args=[run.pk]))
    assert page.status_code == 200 and b"Reliability" in page.content and b"0.800" in page.content
