"""Sending a campaign in batches through Django's e-mail framework, exactly once per recipient.

Each batch claims pending rows with a conditional UPDATE (token + time), then per chunk of
`MARKETING_SEND_CHUNK` recipients (10):
1. a conditional UPDATE claimed → sending that re-checks consent and the cross-campaign frequency cap
   at that moment (so an unsubscribe or another campaign's send counts at once), committed;
2. the chunk's messages go out;
3. sending → sent, committed.
A batch killed between 1 and 3 leaves that chunk's `sending` rows: each went out or may have, so the retry
marks them `interrupted` and never sends them again. Nobody gets a campaign twice; at a kill, at most
one chunk's unsent messages are lost (chunk 1: only the message in flight). Claimed
rows never attempted go back to pending when their claim is stale and are sent by the retry.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from . import campaigns
from .models import Campaign, Recipient

S = Recipient.State
STALE_CLAIM = timedelta(minutes=10)


def batch_size() -> int:
    return int(getattr(settings, "MARKETING_SEND_BATCH", 500))


def rate_limit(backend: str) -> float:
    """Messages per second allowed for `backend` (dotted path); 0 means unlimited.

    `MARKETING_SEND_RATE` maps backend paths to limits, with "default" for the others.
    """
    limits = getattr(settings, "MARKETING_SEND_RATE", {})
    return float(limits.get(backend, limits.get("default", 0)))


class RateLimiter:
    """A per-second budget per backend shared by every worker through the cache (Redis in production)."""

    def __init__(self, backend: str, *, clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep):
        self.backend, self.limit, self.clock, self.sleep = backend, rate_limit(backend), clock, sleep

    def wait(self) -> None:
        if self.limit <= 0:
            return
        while True:
            second = int(self.clock())
            key = f"marketing:rate:{self.backend}:{second}"
            cache.add(key, 0, timeout=5)
            if cache.incr(key) <= self.limit:
                return
            self.sleep(max(0.0, second + 1 - self.clock()))


def _capped(campaign: Campaign, now: datetime):
    """Another campaign's message to the same account within the cap window (sent, or going out now)."""
    # claimed_at is set to the moment of sending on the claimed → sending step; an interrupted row may have gone out.
    window = now - timedelta(days=campaign.frequency_cap_days)
    return Exists(
        Recipient.objects.filter(
            account=OuterRef("account"), state__in=[S.SENT, S.SENDING, S.INTERRUPTED], claimed_at__gte=window
        ).exclude(campaign=campaign)
    )


def release_stale(campaign: Campaign, *, now: datetime | None = None, stale_after: timedelta = STALE_CLAIM) -> dict:
    """After a crash: never-attempted claims go back to pending, in-flight ones become interrupted."""
    now = now or timezone.now()
    old = Q(campaign=campaign, claimed_at__lt=now - stale_after)
    released = Recipient.objects.filter(old, state=S.CLAIMED).update(state=S.PENDING, claim_token="", claimed_at=None)
    interrupted = Recipient.objects.filter(old, state=S.SENDING).update(state=S.INTERRUPTED)
    return {"released": released, "interrupted": interrupted}


def claim(campaign: Campaign, size: int, *, now: datetime | None = None) -> str:
    """Claim up to `size` pending treated rows for this batch; returns the claim token."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    ids = Recipient.objects.filter(campaign=campaign, state=S.PENDING, group=Recipient.Group.TREATED).order_by("pk")
    # state=pending is checked again on the row itself, so two batches racing for a row cannot both win it.
    Recipient.objects.filter(pk__in=list(ids.values_list("pk", flat=True)[:size]), state=S.PENDING).update(
        state=S.CLAIMED, claim_token=token, claimed_at=now
    )
    return token


def _skip(qs, reason: str) -> int:
    return qs.update(state=S.SKIPPED, skip_reason=reason)


def _build(campaign: Campaign, recipient: Recipient, profile) -> tuple[EmailMultiAlternatives, int | None]:
    featured = campaigns.featured_title(profile)
    rendered = campaigns.render(campaign, recipient, profile, featured)
    message = EmailMultiAlternatives(
        rendered.subject, rendered.text, campaigns.from_email(), [recipient.account.email],
        headers={
            "List-Unsubscribe": f"<{rendered.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",  # RFC 8058 one-click POST
            "X-Marquee-Campaign": str(campaign.pk),
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    return message, featured.title.pk if featured else None


def _may_send(campaign: Campaign, at: datetime) -> Q:
    """Consent, an active account and the cap, checked inside the claimed → sending UPDATE itself."""
    consenting = get_user_model().objects.filter(pk=OuterRef("account_id"), marketing_consent=True, is_active=True)
    return Q(Exists(consenting)) & ~Q(_capped(campaign, at))


def chunk_size() -> int:
    """Messages marked `sending` (and then `sent`) per commit: 1 is strictly one message in doubt at a crash;
    each commit waits for the database's disk flush, so larger chunks send faster."""
    return max(1, int(getattr(settings, "MARKETING_SEND_CHUNK", 10)))


def send_batch(campaign_id: int, *, size: int | None = None, now: Callable[[], datetime] = timezone.now,
               connection=None) -> dict:
    """Send one batch of a running campaign; returns counts and whether rows remain."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    counts = {"sent": 0, "skipped": 0, "remaining": 0}
    if campaign is None or campaign.status != Campaign.Status.RUNNING:
        return counts
    release_stale(campaign, now=now())
    token = claim(campaign, size or batch_size(), now=now())
    mine = Recipient.objects.filter(campaign=campaign, claim_token=token, state=S.CLAIMED)
    counts["skipped"] += _skip(mine.filter(Q(account__marketing_consent=False) | Q(account__is_active=False)), "no consent")
    counts["skipped"] += _skip(mine.filter(_capped(campaign, now())), "frequency cap")

    connection = connection or get_connection()
    backend = f"{type(connection).__module__}.{type(connection).__name__}"
    limiter = RateLimiter(backend)
    step = chunk_size()
    connection.open()
    try:
        rows = list(mine.select_related("account", "account__plan", "account__region", "offer").order_by("pk"))
        profiles = campaigns.main_profiles([r.account_id for r in rows])
        for i in range(0, len(rows), step):
            if i and not Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.RUNNING).exists():
                break  # paused: the rest of this claim is released below
            chunk = rows[i:i + step]
            built = {r.pk: _build(campaign, r, profiles.get(r.account_id)) for r in chunk}
            at = now()
            with transaction.atomic():
                # Lock the accounts (in id order: no deadlock) so two campaigns sending to one account at the
                # same moment take turns; the cap check below then sees the other's committed `sending` row.
                list(get_user_model().objects.select_for_update().filter(pk__in=[r.account_id for r in chunk])
                     .order_by("pk").values_list("pk", flat=True))
                Recipient.objects.filter(_may_send(campaign, at), pk__in=list(built), state=S.CLAIMED,
                                         claim_token=token).update(state=S.SENDING, claimed_at=at)
                going = [r for r in chunk if r.pk in set(
                    Recipient.objects.filter(pk__in=list(built), state=S.SENDING, claim_token=token)
                    .values_list("pk", flat=True)
                )]
                for r in going:
                    r.featured_title_id = built[r.pk][1]
                Recipient.objects.bulk_update(going, ["featured_title"])
            counts["skipped"] += _skip(Recipient.objects.filter(pk__in=list(built), state=S.CLAIMED),
                                       "consent or cap at send")
            for r in going:
                limiter.wait()
                connection.send_messages([built[r.pk][0]])
            Recipient.objects.filter(pk__in=[r.pk for r in going], state=S.SENDING).update(state=S.SENT, sent_at=now())
            counts["sent"] += len(going)
    finally:
        connection.close()
        # Rows of this claim not reached (paused, or an error) go back to pending: they were never attempted.
        Recipient.objects.filter(campaign=campaign, claim_token=token, state=S.CLAIMED).update(
            state=S.PENDING, claim_token="", claimed_at=None
        )
    counts["remaining"] = Recipient.objects.filter(campaign=campaign, state__in=[S.PENDING, S.CLAIMED]).count()
    if not counts["remaining"] and not Recipient.objects.filter(campaign=campaign, state=S.SENDING).exists():
        Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.RUNNING).update(
            status=Campaign.Status.FINISHED, finished_at=now()
        )
    return counts


def send_test(campaign: Campaign, staff_user) -> None:
    """The message as the first segment member would get it, sent to the staff member only; nothing recorded."""
    previews = campaigns.preview(campaign, sample=1)
    if not previews:
        raise campaigns.CampaignError("the segment has no members to preview")
    p = previews[0]
    message = EmailMultiAlternatives(f"[TEST for {p['email']}] {p['subject']}", p["text"], campaigns.from_email(),
                                     [staff_user.email])
    message.attach_alternative(p["html"], "text/html")
    message.send()
