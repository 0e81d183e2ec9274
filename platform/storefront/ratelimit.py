"""Sign-in and sign-up limits (the limiter itself is accounts.ratelimit, shared with the support bot)."""

from accounts.ratelimit import RateLimit, client_address  # noqa: F401  (client_address re-exported)

LOGIN_PER_EMAIL = RateLimit("login-email", limit=5, window_seconds=60)
LOGIN_PER_ADDRESS = RateLimit("login-address", limit=30, window_seconds=60)
SIGNUP_PER_ADDRESS = RateLimit("signup-address", limit=5, window_seconds=600)
PASSWORD_RESET_PER_ADDRESS = RateLimit("password-reset-address", limit=5, window_seconds=600)
