"""Marquee settings, read from the environment with development defaults (see the README's table)."""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .database import database_settings
from .env import env_bool, env_int, env_list, env_secret, env_str
from .paths import REPO_ROOT, VAR_DIR  # noqa: F401 (REPO_ROOT is a setting too: settings.REPO_ROOT)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_secret("SECRET_KEY", required=not DEBUG, dev_default="dev-only-insecure-secret-key-change-me")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "rest_framework",
    "django_celery_beat",
    "django_celery_results",
    # core
    "jobs",
    "accounts",
    "catalog",
    "activity",
    "search",
    # features
    "recommendations",
    "tagging",
    "artwork",
    "support_bot",
    "marketing",
    "insights",
    # presentation
    "storefront",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Content-Security-Policy (django-csp): our own static scripts only, never inline (see the module).
from .content_security_policy import CONTENT_SECURITY_POLICY  # noqa: E402, F401

ROOT_URLCONF = "marquee.urls"


def _title_page_url(title) -> str:
    from django.urls import reverse

    return reverse("storefront:title", args=[title.pk])


# The project, which wires the storefront in, says where a title's page is: Title.get_absolute_url is
# this, so the core and the features (the support bot's suggestions, the admin's "View on site") link
# to it without naming a presentation URL.
ABSOLUTE_URL_OVERRIDES = {"catalog.title": _title_page_url}
WSGI_APPLICATION = "marquee.wsgi.application"
ASGI_APPLICATION = "marquee.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite under var/ when DATABASE_URL is unset; PostgreSQL (psycopg 3) when it names one.
if not env_str("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": database_settings(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'marquee.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# The per-request user comes from the cache (accounts/cached.py); logging in still checks the database.
AUTHENTICATION_BACKENDS = ["accounts.cached.CachedModelBackend"]
ACCOUNTS_CACHE_SECONDS = env_int("ACCOUNTS_CACHE_SECONDS", 60)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "storefront:login"
LOGIN_REDIRECT_URL = "storefront:profiles"
LOGOUT_REDIRECT_URL = "storefront:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
# Production: a separate host for uploads (e.g. https://media.marquee.example/), so a file staff
# upload is never served from the site's own origin. Django serves the default /media/ only under DEBUG.
MEDIA_URL = env_str("MEDIA_URL", "/media/").rstrip("/") + "/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads: refuse oversized bodies before they reach a view; images are re-checked by Pillow.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 512 * 1024 * 1024)
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 40_000_000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # A body nested 50,000 levels deep is a 400 (the stock parser lets the RecursionError through).
    "DEFAULT_PARSER_CLASSES": [
        "marquee.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}

# --- Celery -------------------------------------------------------------------------------
# Without CELERY_BROKER_URL the broker is kombu's filesystem transport under var/, so
# `make run` needs no server; production sets a Redis URL.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost//")  # a host, or kombu warns on every connection
_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem"):
    for _folder in ("queue", "processed", "control"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        # kombu's exchange tables; its default is `control/` in the current directory (the repo root).
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
# Task results are the dashboard's job history: Celery's nightly clean-up keeps this many days (its default is 1).
CELERY_RESULT_EXPIRES = timedelta(days=env_int("CELERY_RESULT_EXPIRES_DAYS", 30))
CELERY_CACHE_BACKEND = "default"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 15 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 16 * 60)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False  # opted into per task, only where the task is idempotent
CELERY_TASK_DEFAULT_QUEUE = "default"
# Short, person-triggered work stays on `default`; long work gets its own queues.
# Beat entries name no queue (jobs.schedules), so these routes are the only place a queue is chosen.
CELERY_TASK_ROUTES = {
    "recommendations.tasks.*": {"queue": "ml"},
    "tagging.tasks.*": {"queue": "media"},
    "artwork.tasks.propose_previews_task": {"queue": "media"},  # reads the video, like the pipeline
    "search.tasks.*": {"queue": "ml"},  # embedding the catalogue is model work
    "support_bot.tasks.*": {"queue": "ml"},  # the engine build fine-tunes MiniLM for minutes
    "insights.tasks.refresh_trends_task": {"queue": "ml"},
    # marketing's model and set-based refreshes; its campaign sending and one-segment refresh stay on default
    "marketing.tasks.refresh_segments_task": {"queue": "ml"},
    "marketing.tasks.refresh_engagement_tiers_task": {"queue": "ml"},
    "marketing.tasks.refresh_churn_scores_task": {"queue": "ml"},
    "marketing.tasks.train_offer_model_task": {"queue": "ml"},
    "marketing.tasks.refresh_taste_clusters_task": {"queue": "ml"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True

# --- Caches, logging ---------------------------------------------------------------------
# Redis (redis://) in production; a folder (file://) when processes on one machine must share it, as
# `make run`'s web, worker and beat do; per-process memory when unset (tests).
_CACHE_URL = env_str("CACHE_URL")
if _CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    _CACHE = {"BACKEND": "marquee.cache.RedisCache", "LOCATION": _CACHE_URL}
elif _CACHE_URL.startswith("file://"):
    _CACHE = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": _CACHE_URL[len("file://"):]}
elif not _CACHE_URL:
    _CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "marquee"}
else:
    raise ImproperlyConfigured(f"CACHE_URL={_CACHE_URL!r}: expected redis://..., rediss://..., unix://... or file:///path")
CACHES = {"default": _CACHE}

# Sessions are read from the cache on every page and written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}


# --- Production hardening (DEBUG off) -----------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# The feature apps' knobs live in feature_settings.py so this file stays Django's core; a star import
# is the usual way to compose a settings module, and none of those names is defined here.
from .feature_settings import *  # noqa: E402, F403
