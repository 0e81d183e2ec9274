"""Automatic preview proposals: each processed video's windows, from the pipeline's signal or a beat sweep.

The media pipeline's `video_processed` signal queues `propose_previews_task` for the title; the beat sweep
(`propose_missing`) queues the same task for any processed video that has no `FootageProposal` yet (a send
lost with a worker, videos processed before this existed). A title is proposed under its job lock, and
proposing is idempotent (windows are updated in place), so a title queued twice is read once at a time and
ends the same. Each video's best keyframes are proposed as artwork candidates (pending staff approval) once,
at most `ARTWORK_KEYFRAME_PROPOSALS` per video.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import MediaAsset, Title
from jobs import JobAlreadyRunning, enqueue_on_commit, exclusive_job

from .models import FootageProposal

PROPOSE_TASK = "artwork.tasks.propose_previews_task"  # routed to `media` (it reads the video)
SWEEP_BATCH = 50  # titles queued per sweep; the next sweep takes the rest


def propose_for_title(title_id: int, now=None) -> dict:
    """Propose the title's preview windows, and each new video's best keyframes as artwork candidates,
    under the title's job lock; record each video read."""
    from .candidates import propose_from_keyframes
    from .previews import propose_previews

    title = Title.objects.filter(pk=title_id).first()
    if title is None:
        return {"title": title_id, "missing": True}
    per_video = settings.ARTWORK_KEYFRAME_PROPOSALS
    stills = 0
    try:
        with exclusive_job(f"artwork.propose:{title_id}"), transaction.atomic():
            made = propose_previews(title)
            videos = MediaAsset.objects.filter(
                title=title, kind=MediaAsset.Kind.VIDEO, status=MediaAsset.Status.READY
            )
            for video in videos:
                proposal, _ = FootageProposal.objects.update_or_create(
                    asset=video,
                    defaults={"windows": sum(w.asset_id == video.pk for w in made),
                              "proposed_at": now or timezone.now()},
                )
                # Keyframe artwork once per video: a re-run or a re-processed video adds no candidates
                # (staff may have rejected them). With the setting at 0 nothing is recorded, so nothing is
                # marked as done that was not.
                if proposal.keyframes is None and per_video > 0:
                    proposal.keyframes = len(propose_from_keyframes(title, limit=per_video, video=video))
                    proposal.save(update_fields=["keyframes"])
                    stills += proposal.keyframes
    except JobAlreadyRunning:
        return {"title": title_id, "skipped": "another proposal for this title is running"}
    return {"note": f"{len(made)} preview window(s), {stills} keyframe artwork candidate(s) for {title.name}",
            "title": title.pk}


def titles_missing_proposals(limit: int = SWEEP_BATCH) -> list[int]:
    """Titles with a processed video (ready, with shots) that no proposal has read yet."""
    return list(
        MediaAsset.objects.filter(
            kind=MediaAsset.Kind.VIDEO,
            status=MediaAsset.Status.READY,
            tagging_shots__isnull=False,
            artwork_proposal__isnull=True,
        )
        .order_by("title_id")
        .values_list("title_id", flat=True)
        .distinct()[:limit]
    )


def propose_missing(limit: int = SWEEP_BATCH) -> dict:
    """Beat: queue a proposal for each title with an unread processed video; under the sweep's lock."""
    try:
        with exclusive_job("artwork.propose-sweep"):
            titles = titles_missing_proposals(limit)
            for title_id in titles:
                enqueue_on_commit(PROPOSE_TASK, title_id)
    except JobAlreadyRunning:
        return {"skipped": "another sweep is running"}
    return {"queued": titles, "note": f"{len(titles)} title(s) queued for preview proposals"}
