"""Artwork's public face: which image and which preview each title shows to a profile, with what
probability, and the log of a preview offered. Other apps import from here only.

The work is done in `artwork_choice` (title-card images), `preview_choice` (preview windows and their log),
`policy_state` (the live policy and its state, cached and compiled) and `viewer` (taste segment and taste
vector, session).
"""

from .artwork_choice import ArtworkChoice, arm_probabilities, choose_artwork
from .policy_state import DEFAULT_POLICY, STATE_CACHE_KEY, LiveState, compiled, forget_live_state, live_state
from .preview_choice import PreviewChoice, choose_preview, log_preview, preview_probabilities
from .viewer import SEGMENT_CACHE_SECONDS, SESSION_IDLE_SECONDS, taste_context, taste_segment, taste_vector

__all__ = [
    "DEFAULT_POLICY", "SEGMENT_CACHE_SECONDS", "SESSION_IDLE_SECONDS", "STATE_CACHE_KEY",
    "ArtworkChoice", "LiveState", "PreviewChoice",
    "arm_probabilities", "choose_artwork", "choose_preview", "compiled", "forget_live_state",
    "live_state", "log_preview", "preview_probabilities", "taste_context", "taste_segment", "taste_vector",
]
