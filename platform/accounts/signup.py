"""Sign-up by e-mail link, so the sign-up form never says whether an address already has an account.

The form's answer is the same for every address, as Django's password reset does: a new address gets a
link that creates the account; a taken one gets a note saying it already has one (sign in or reset the
password). Both paths hash the password, so neither is measurably faster than the other.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .actions import create_subscriber
from .models import Plan, Profile, SignupRequest, User
from .ratelimit import RateLimit

# At most this many sign-up e-mails to one address per hour, so the form cannot be used to flood an inbox.
SIGNUP_EMAILS_PER_ADDRESS = RateLimit("signup-email", limit=3, window_seconds=3600)


class SignupLinkInvalid(Exception):
    """The link is unknown, used, or older than SIGNUP_LINK_MAX_AGE."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_max_age() -> timedelta:
    return timedelta(seconds=settings.SIGNUP_LINK_MAX_AGE)


def request_signup(*, email: str, password: str, profile_name: str, region, plan: Plan | None,
                   link_for: Callable[[str], str], sign_in_url: str, now: datetime | None = None) -> None:
    """Send the e-mail that continues this sign-up. Says nothing about the address to the caller."""
    now = now or timezone.now()
    email = User.objects.normalize_email(email).lower()
    password_hash = make_password(password)  # on both paths: equal work whether or not the address is taken
    forget_expired_signups(now=now)
    if not SIGNUP_EMAILS_PER_ADDRESS.take(email):
        return
    if User.objects.filter(email__iexact=email).exists():
        _send(email, "accounts/email/signup_existing.txt", {"sign_in_url": sign_in_url})
        return
    token = secrets.token_urlsafe(32)
    SignupRequest.objects.update_or_create(
        email=email,
        defaults={"password_hash": password_hash, "profile_name": profile_name.strip(), "region": region,
                  "plan": plan, "token_hash": _digest(token), "requested_at": now},
    )
    _send(email, "accounts/email/signup_confirm.txt",
          {"confirm_url": link_for(token), "hours": int(link_max_age().total_seconds() // 3600)})


def pending_signup(token: str, *, now: datetime | None = None) -> SignupRequest:
    """The sign-up this link continues; SignupLinkInvalid when there is none or it has expired."""
    now = now or timezone.now()
    pending = SignupRequest.objects.filter(token_hash=_digest(token)).first()
    if pending is None or now - pending.requested_at > link_max_age():
        raise SignupLinkInvalid("This link has expired or has already been used.")
    return pending


def confirm_signup(token: str, *, now: datetime | None = None) -> Profile:
    """Create the account and its first profile from a valid link; the link then stops working."""
    pending = pending_signup(token, now=now)
    try:
        with transaction.atomic():
            # Locked and re-read, so two clicks of one link create one account.
            pending = SignupRequest.objects.select_for_update().get(pk=pending.pk)
            _, profile = create_subscriber(email=pending.email, password_hash=pending.password_hash,
                                           profile_name=pending.profile_name, region=pending.region,
                                           plan=pending.plan, now=now)
            pending.delete()
    except (SignupRequest.DoesNotExist, IntegrityError):
        # Used a moment ago, or the address got an account another way since the link was sent.
        raise SignupLinkInvalid("This link has expired or has already been used.") from None
    return profile


def forget_expired_signups(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    deleted, _ = SignupRequest.objects.filter(requested_at__lt=now - link_max_age()).delete()
    return deleted


def _send(email: str, template: str, context: dict) -> None:
    subject, _, body = render_to_string(template, context).partition("\n\n")
    send_mail(subject.strip(), body, None, [email])
