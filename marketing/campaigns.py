"""A campaign's lifecycle: start (holdout and offers drawn once and stored), pause, resume, finish,
and the per-recipient message (featured title, artwork, offer) rendered from the template.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Profile
from activity.models import ViewingEvent
from catalog.models import Title

from . import segments, templating, tracking
from .models import Campaign, Offer, Recipient, SegmentMembership

START_CHUNK = 5000  # member ids drawn and inserted per round: memory bounded whatever the segment size


class CampaignError(Exception):
    """A lifecycle step that does not apply to the campaign in its current state."""


def offer_assignments(campaign: Campaign, account_ids: list[int], offers: list[Offer], rng: np.random.Generator):
    """(offer, propensity, policy) for each treated account: the trained offer model's choice, else uniform.

    The propensity is the probability of the arm actually given, holdout included, so a later model can
    weight the logged data without bias.
    """
    from . import uplift

    treated = 1.0 - campaign.holdout_share
    chosen = uplift.choose_for_campaign(campaign, account_ids, offers, rng)
    if chosen is not None:
        return chosen
    picks = rng.integers(0, len(offers), size=len(account_ids)) if offers else [None] * len(account_ids)
    share = treated / len(offers) if offers else treated
    return [(offers[i] if offers else None, share, "uniform") for i in picks]


def start(campaign: Campaign, *, now: datetime | None = None, refresh_segment: bool = True) -> int:
    """Freeze the recipients: refresh the segment, draw the holdout and offers once, store them; returns the count.

    Only a draft or scheduled campaign starts (a conditional update claims it), so a second start, from a
    retried task or a second click, draws nothing again.
    """
    now = now or timezone.now()
    seed = secrets.randbelow(2**31)
    with transaction.atomic():
        claimed = Campaign.objects.filter(
            pk=campaign.pk, status__in=[Campaign.Status.DRAFT, Campaign.Status.SCHEDULED]
        ).update(status=Campaign.Status.RUNNING, started_at=now, seed=seed)
        if not claimed:
            raise CampaignError(f"campaign {campaign.pk} has already started")
        if refresh_segment:
            segments.refresh_membership(campaign.segment, now=now)
        rng = np.random.default_rng(seed)
        offers = list(campaign.offers.all())
        member_ids = SegmentMembership.objects.filter(segment=campaign.segment).order_by("account_id")
        member_ids = member_ids.values_list("account_id", flat=True)
        total, last = 0, 0
        while True:
            chunk = list(member_ids.filter(account_id__gt=last)[:START_CHUNK])
            if not chunk:
                break
            last = chunk[-1]
            held = rng.random(len(chunk)) < campaign.holdout_share
            treated_ids = [a for a, h in zip(chunk, held, strict=True) if not h]
            assigned = dict(zip(treated_ids, offer_assignments(campaign, treated_ids, offers, rng), strict=True))
            rows = []
            for account_id, is_held in zip(chunk, held, strict=True):
                if is_held:
                    rows.append(Recipient(
                        campaign_id=campaign.pk, account_id=account_id, group=Recipient.Group.HOLDOUT,
                        state=Recipient.State.HELD_OUT, propensity=campaign.holdout_share, offer_policy="holdout",
                    ))
                else:
                    offer, propensity, policy = assigned[account_id]
                    # The offer model may decide that no offer helps: treated (the policy's choice), never sent.
                    nothing = policy != "uniform" and offer is None
                    rows.append(Recipient(
                        campaign_id=campaign.pk, account_id=account_id, group=Recipient.Group.TREATED,
                        offer=offer, propensity=propensity, offer_policy=policy,
                        state=Recipient.State.SKIPPED if nothing else Recipient.State.PENDING,
                        skip_reason="no offer helps" if nothing else "",
                    ))
            Recipient.objects.bulk_create(rows, batch_size=START_CHUNK)
            total += len(rows)
    campaign.refresh_from_db()
    return total


def pause(campaign: Campaign) -> bool:
    """Stop sending after the batch in flight; claimed rows go back to pending with the next run."""
    return bool(Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.RUNNING).update(status=Campaign.Status.PAUSED))


def resume(campaign: Campaign) -> bool:
    return bool(Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.PAUSED).update(status=Campaign.Status.RUNNING))


def due_campaigns(now: datetime | None = None):
    now = now or timezone.now()
    return Campaign.objects.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=now)


# --- The message of one recipient ---------------------------------------------------------------


@dataclass(frozen=True)
class Featured:
    title: Title
    artwork_url: str
    artwork_policy: str


def main_profile(account_id: int) -> Profile | None:
    """The account's first profile (the account holder's own, created with it)."""
    return main_profiles([account_id]).get(account_id)


def main_profiles(account_ids: list[int]) -> dict[int, Profile]:
    """Each account's first profile, for a whole batch in one query."""
    found: dict[int, Profile] = {}
    profiles = Profile.objects.filter(account_id__in=account_ids).select_related("account", "account__region")
    for profile in profiles.order_by("account_id", "created_at", "id"):
        found.setdefault(profile.account_id, profile)
    return found


def featured_title(profile: Profile | None) -> Featured | None:
    """The recommender's top pick for the profile that it has not watched and may see, with its artwork."""
    if profile is None:
        return None
    from artwork.services import choose_artwork
    from recommendations.services import rows_for

    ranked = [item.title_id for row in rows_for(profile, limit=5, only={"top_picks"}) for item in row.items]
    if not ranked:
        return None
    # The recommender already filters; the one visibility rule is applied again because this goes out by e-mail.
    allowed = {
        t.pk: t for t in Title.objects.visible_to(profile).filter(pk__in=ranked)
        .exclude(Exists(ViewingEvent.objects.filter(profile=profile, title=OuterRef("pk")))).only("pk", "name")
    }
    title = next((allowed[t] for t in ranked if t in allowed), None)
    if title is None:
        return None
    art = choose_artwork(profile, [title])[title.pk]
    return Featured(title, tracking.absolute(art.url), art.policy)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    unsubscribe_url: str


def message_context(recipient: Recipient, profile: Profile | None, featured: Featured | None) -> dict[str, str]:
    account = recipient.account
    offer = recipient.offer
    title_path = f"/title/{featured.title.pk}/" if featured else "/"
    return {
        "profile_name": profile.name if profile else "",
        "email": account.email,
        "plan": account.plan.name if account.plan_id else "",
        "region": account.region.name if account.region_id else "",
        "title": featured.title.name if featured else "",
        "title_url": tracking.click_url(recipient, title_path),
        "artwork_url": featured.artwork_url if featured else "",
        "offer": offer.headline if offer else "",
        "offer_details": offer.details if offer else "",
        "offer_url": tracking.click_url(recipient, offer.link_path if offer else "/"),
        "unsubscribe_url": tracking.unsubscribe_url(account.pk, recipient.campaign_id),
    }


def render(campaign: Campaign, recipient: Recipient, profile: Profile | None, featured: Featured | None) -> Rendered:
    """Subject, text and HTML for one recipient; every message carries the unsubscribe link and the open pixel."""
    context = message_context(recipient, profile, featured)
    unsubscribe = context["unsubscribe_url"]
    text = templating.render(campaign.text_body, context)
    html = templating.render(campaign.html_body, context, html=True)
    if "{unsubscribe_url}" not in campaign.text_body.replace(" ", ""):
        text += f"\n\n--\nUnsubscribe: {unsubscribe}\n"
    from django.utils.html import escape

    html += (
        f'<p style="font-size:12px;color:#777"><a href="{escape(unsubscribe)}">Unsubscribe</a> from Marquee marketing.</p>'
        f'<img src="{escape(tracking.open_url(recipient))}" width="1" height="1" alt="">'
    )
    subject = " ".join(templating.render(campaign.subject, context).split())  # no header injection via newlines
    return Rendered(subject, text, html, unsubscribe)


def preview(campaign: Campaign, *, sample: int = 3) -> list[dict]:
    """The message rendered for a few current segment members (nothing stored, nothing sent)."""
    out = []
    offers = list(campaign.offers.all())
    for i, account in enumerate(segments.members(campaign.segment).order_by("pk")[:sample]):
        recipient = Recipient(campaign=campaign, account=account, group=Recipient.Group.TREATED,
                              offer=offers[i % len(offers)] if offers else None, token="preview")
        profile = main_profile(account.pk)
        rendered = render(campaign, recipient, profile, featured_title(profile))
        out.append({"email": account.email, "subject": rendered.subject, "html": rendered.html, "text": rendered.text})
    return out


def from_email() -> str:
    return getattr(settings, "MARKETING_FROM_EMAIL", None) or settings.DEFAULT_FROM_EMAIL
