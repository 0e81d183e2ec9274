"""Links inside campaign e-mails: signed unsubscribe, the open pixel, signed click redirects to our own pages.

Unsubscribing needs no sign-in, so the link's signature is the only credential: it names the account and
campaign and is checked with a salt of its own. Click targets are signed too, and checked again on the
way out, so a link never redirects off the site even if a key leaked.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

UNSUBSCRIBE_SALT = "marketing.unsubscribe"
CLICK_SALT = "marketing.click"


def base_url() -> str:
    return getattr(settings, "MARKETING_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def absolute(url: str) -> str:
    if url.startswith(("http://", "https://", "data:")):
        return url
    return base_url() + (url if url.startswith("/") else "/" + url)


def own_hosts() -> set[str]:
    return {urlsplit(base_url()).netloc}


def is_own_url(url: str) -> bool:
    """A path on this site, or an absolute URL whose host is the site's own."""
    if not url or url.startswith("//") or "\\" in url:
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts=own_hosts(), require_https=False)


# --- Unsubscribe ------------------------------------------------------------------------------------


def unsubscribe_token(account_id: int, campaign_id: int | None) -> str:
    return signing.dumps([account_id, campaign_id], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(account_id: int, campaign_id: int | None) -> str:
    return absolute(reverse("marketing:unsubscribe", args=[unsubscribe_token(account_id, campaign_id)]))


def read_unsubscribe(token: str) -> tuple[int, int | None]:
    """The (account id, campaign id) a token names; raises signing.BadSignature when forged."""
    account_id, campaign_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    return int(account_id), (int(campaign_id) if campaign_id is not None else None)


def unsubscribe(token: str) -> int:
    """Withdraw marketing consent of the account the token names; every later batch skips it at once."""
    account_id, _ = read_unsubscribe(token)
    get_user_model().objects.filter(pk=account_id).update(marketing_consent=False)
    return account_id


# --- Opens and clicks -----------------------------------------------------------------------------


def open_url(recipient) -> str:
    return absolute(reverse("marketing:open", args=[recipient.token]))


def click_url(recipient, target: str) -> str:
    if not is_own_url(target):
        raise ValueError(f"click target {target!r} is not on this site")
    signed = signing.dumps({"r": recipient.token, "u": target}, salt=CLICK_SALT, compress=True)
    return absolute(reverse("marketing:click", args=[signed]))


def record_open(token: str) -> None:
    from .models import Recipient

    Recipient.objects.filter(token=token, opened_at__isnull=True).update(opened_at=timezone.now())


def resolve_click(signed: str) -> str:
    """Record the click and return where to go; raises signing.BadSignature (forged) or ValueError (foreign)."""
    from .models import Recipient

    payload = signing.loads(signed, salt=CLICK_SALT)
    target = str(payload.get("u", ""))
    if not is_own_url(target):
        raise ValueError("refusing a redirect off the site")
    now = timezone.now()
    Recipient.objects.filter(token=payload.get("r"), clicked_at__isnull=True).update(clicked_at=now)
    # A click proves the message was opened even when images were blocked.
    Recipient.objects.filter(token=payload.get("r"), opened_at__isnull=True).update(opened_at=now)
    return target
