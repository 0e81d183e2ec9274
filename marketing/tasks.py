"""Marketing background work; each task only fetches by id and calls a plain module."""

from datetime import timedelta

from celery import shared_task

from jobs import JobAlreadyRunning, enqueue_on_commit, exclusive_job

from . import campaigns, results, segments, sending
from .models import Campaign, Segment


@shared_task
def refresh_segments_task() -> dict:
    try:
        with exclusive_job("marketing.refresh_segments"):
            return segments.refresh_all()
    except JobAlreadyRunning:
        return {"skipped": "a refresh is already running"}


@shared_task
def refresh_segment_task(segment_id: int) -> int | None:
    segment = Segment.objects.filter(pk=segment_id).first()
    return segments.refresh_membership(segment) if segment else None


@shared_task
def refresh_engagement_tiers_task() -> int:
    with exclusive_job("marketing.engagement_tiers"):
        return segments.refresh_engagement_tiers()


@shared_task
def start_campaign_task(campaign_id: int) -> int | None:
    """Start one campaign (the admin's button): refresh, draw and store, then send."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return None
    try:
        count = campaigns.start(campaign)
    except campaigns.CampaignError:
        return None  # already started: a second click or a redelivery draws nothing again
    enqueue_on_commit(send_campaign_batch_task, campaign.pk)
    return count


@shared_task
def start_due_campaigns_task() -> list[int]:
    started = []
    for campaign in campaigns.due_campaigns():
        try:
            campaigns.start(campaign)
        except campaigns.CampaignError:
            continue  # another beat run started it first
        enqueue_on_commit(send_campaign_batch_task, campaign.pk)
        started.append(campaign.pk)
    return started


# Idempotent by construction (claimed rows, recorded sends), so a lost worker's batch is redelivered.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_campaign_batch_task(campaign_id: int) -> dict:
    counts = sending.send_batch(campaign_id)
    if counts["sent"] or counts["skipped"]:
        if counts["remaining"] and Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.RUNNING).exists():
            send_campaign_batch_task.delay(campaign_id)
    return counts


@shared_task
def resume_running_campaigns_task() -> list[int]:
    """Beat's safety net: a running campaign with work left whose batch chain broke gets a new batch."""
    ids = list(Campaign.objects.filter(status=Campaign.Status.RUNNING).values_list("pk", flat=True))
    for campaign_id in ids:
        send_campaign_batch_task.delay(campaign_id)
    return ids


@shared_task
def refresh_results_task() -> list[int]:
    ids = []
    for campaign in Campaign.objects.exclude(started_at=None).exclude(status=Campaign.Status.DRAFT):
        if campaign.results_at and campaign.results_at > campaign.started_at + timedelta(days=campaign.attribution_days + 1):
            continue  # the attribution window closed before the last refresh: the results are final
        results.compute(campaign)
        ids.append(campaign.pk)
    return ids


@shared_task
def refresh_churn_scores_task() -> dict:
    from . import churn

    try:
        with exclusive_job("marketing.churn"):
            run = churn.refresh_scores()
    except JobAlreadyRunning:
        return {"skipped": "a churn refresh is already running"}
    return {"run": run.pk, "error": run.metrics.get("error")}


@shared_task
def train_offer_model_task() -> dict:
    from . import offer_data, offer_training

    try:
        row, _ = offer_training.train_and_store(offer_training.platform_history(), source="platform")
    except offer_data.OfferDataError as error:
        return {"skipped": f"{type(error).__name__}: {error}"}
    return {"model": row.pk, "learner": row.learner}


@shared_task
def refresh_taste_clusters_task() -> list[str]:
    from . import clusters

    with exclusive_job("marketing.taste_clusters"):
        return [c.name for c in clusters.refresh_clusters()]
