"""How many questions one account may ask the bot: the sliding-window limit and its refusal."""

from __future__ import annotations

from django.conf import settings

from accounts.ratelimit import RateLimit


class RateLimited(Exception):
    """The account asked too many questions in the sliding window."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# The platform's one limiter (sliding window, atomic on the shared cache); settings read per call.
QUESTIONS_PER_ACCOUNT = RateLimit(
    "support-ask",
    limit=lambda: settings.SUPPORT_BOT_RATE_LIMIT,
    window_seconds=lambda: settings.SUPPORT_BOT_RATE_WINDOW_SECONDS,
)


def take_rate_token(user) -> None:
    """Count one question for `user`; raise RateLimited once over the limit."""
    decision = QUESTIONS_PER_ACCOUNT.hit(str(user.pk))
    if not decision.allowed:
        raise RateLimited(
            f"You've asked {settings.SUPPORT_BOT_RATE_LIMIT} questions in the last "
            f"{settings.SUPPORT_BOT_RATE_WINDOW_SECONDS} seconds. Please wait a moment before asking again.",
            decision.retry_after,
        )
