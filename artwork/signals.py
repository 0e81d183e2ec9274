"""Preview windows follow the footage: each video that finishes the media pipeline has its title's
windows proposed again (new, replaced or re-cut footage alike), in a task after the pipeline's commit."""

from django.dispatch import receiver

from jobs import enqueue_on_commit
from tagging.services import video_processed

from .proposals import PROPOSE_TASK  # routed to `media` (it reads the video) by CELERY_TASK_ROUTES


@receiver(video_processed, dispatch_uid="artwork.propose_previews_for_new_footage")
def propose_previews_for_new_footage(sender, title_id: int, **kwargs) -> None:
    enqueue_on_commit(PROPOSE_TASK, title_id)
