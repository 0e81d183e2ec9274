"""The taggers behind one interface; `TAGGING_TAGGERS` names the ones that run, in order."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.conf import settings

from .descriptors import NEUTRAL_COLOURS


@dataclass
class KeyframeInput:
    image: np.ndarray | None  # BGR; None when only features are needed
    features: dict = field(default_factory=dict)  # descriptors; taggers may add theirs (e.g. "clip")


@dataclass(frozen=True)
class Suggested:
    tag: str  # a catalog Tag name
    confidence: float  # 0..1


class Tagger:
    """A tagger suggests tags for keyframes, for a title's text, or both."""

    name = "tagger"
    tags_titles = False  # True when tag_title() does something


    def tag_keyframes(self, keyframes: list[KeyframeInput]) -> list[list[Suggested]]:
        return [[] for _ in keyframes]

    def tag_title(self, title) -> list[Suggested]:
        return []


def _clip01(value: float) -> float:
    return round(min(1.0, max(0.0, float(value))), 4)


# Tags the descriptor rules may suggest, with the description the vocabulary gets if it lacks them.
DESCRIPTOR_TAGS: dict[str, str] = {
    "close-up": "One face fills much of the frame.",
    "two-shot": "Two faces share the frame.",
    "group": "Three or more faces in the frame.",
    "people": "People are visible in the scene.",
    "dark": "A dark, low-key picture.",
    "night": "A dark scene with a cold, blue night cast.",
    "bright": "A bright, high-key picture.",
    "colourful": "Vivid, highly colourful imagery.",
    "muted": "Muted, desaturated colours.",
    "calm": "Little movement: a calm, still scene.",
    "action": "Fast movement between frames: an action scene.",
    "on-screen text": "Text is visible in the picture (titles, signs, captions).",
    **{f"{colour} palette": f"The picture is dominated by {colour}." for colour in
       ("red", "orange", "yellow", "green", "teal", "blue", "purple", "pink", "brown")},
}


def descriptor_tags(features: dict) -> list[Suggested]:
    """Rule-based tags from descriptors; confidences grow with how far past each rule's threshold."""
    out: list[Suggested] = []
    faces, largest = features.get("faces", 0), features.get("largest_face", 0.0)
    if faces == 1 and largest >= 0.04:
        out.append(Suggested("close-up", _clip01(0.5 + 4 * largest)))
    elif faces == 2:
        out.append(Suggested("two-shot", 0.7))
    elif faces >= 3:
        out.append(Suggested("group", _clip01(0.5 + 0.1 * faces)))
    if features.get("people", 0) or faces:
        out.append(Suggested("people", _clip01(0.5 + 0.15 * max(features.get("people", 0), faces))))
    brightness = features.get("brightness", 0.5)
    if brightness < 0.3 and features.get("blue_cast", 0.0) > 0.02:
        out.append(Suggested("night", _clip01(0.5 + (0.3 - brightness) * 2 + features["blue_cast"])))
    if brightness < 0.25:
        out.append(Suggested("dark", _clip01(0.5 + (0.25 - brightness) * 3)))
    elif brightness > 0.65:
        out.append(Suggested("bright", _clip01(0.5 + (brightness - 0.65) * 1.5)))
    colourfulness = features.get("colourfulness", 30.0)
    if colourfulness > 59:  # Hasler and Süsstrunk's "quite colourful"
        out.append(Suggested("colourful", _clip01(0.5 + (colourfulness - 59) / 100)))
    elif colourfulness < 15:  # their "slightly colourful" and below
        out.append(Suggested("muted", _clip01(0.5 + (15 - colourfulness) / 30)))
    for colour, share in features.get("colours", {}).items():
        if colour not in NEUTRAL_COLOURS and share >= 0.35:
            out.append(Suggested(f"{colour} palette", _clip01(share)))
    if features.get("is_video"):
        motion = features.get("motion", 0.0)
        if motion >= 0.06:
            out.append(Suggested("action", _clip01(0.5 + 4 * motion)))
        elif motion <= 0.01:
            out.append(Suggested("calm", _clip01(0.9 - 20 * motion)))
    if features.get("text", 0.0) >= 0.01:
        out.append(Suggested("on-screen text", _clip01(0.5 + 10 * features["text"])))
    return out


class DescriptorTagger(Tagger):
    """OpenCV descriptors (computed once per keyframe) turned into tags by fixed rules."""

    name = "descriptors"

    def tag_keyframes(self, keyframes: list[KeyframeInput]) -> list[list[Suggested]]:
        return [descriptor_tags(keyframe.features) for keyframe in keyframes]


class SynopsisTagger(Tagger):
    """Title tags from the synopsis: MiniLM similarity to each tag description, over a calibrated threshold."""

    name = "synopsis"
    tags_titles = True

    def tag_title(self, title) -> list[Suggested]:
        from .text_tags import synopsis_tags

        return synopsis_tags(title)


class ClipTagger(Tagger):
    """Zero-shot CLIP over the tag vocabulary; only when TAGGING_CLIP_MODEL names a local folder."""

    name = "clip"

    def tag_keyframes(self, keyframes: list[KeyframeInput]) -> list[list[Suggested]]:
        from .clip import clip_tags

        return clip_tags(keyframes)


class LearnedTagClassifier(Tagger):
    """Per-tag classifiers trained on staff approvals and rejections, with calibrated confidence."""

    name = "learned"

    def tag_keyframes(self, keyframes: list[KeyframeInput]) -> list[list[Suggested]]:
        from .learning import learned_tags

        return learned_tags(keyframes)


TAGGERS: dict[str, type[Tagger]] = {
    cls.name: cls for cls in (DescriptorTagger, SynopsisTagger, ClipTagger, LearnedTagClassifier)
}


def enabled_taggers() -> list[Tagger]:
    """The configured taggers, in order; CLIP is skipped when no model folder is configured."""
    names = list(getattr(settings, "TAGGING_TAGGERS", ["descriptors", "synopsis", "learned"]))
    unknown = [name for name in names if name not in TAGGERS]
    if unknown:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"TAGGING_TAGGERS names unknown taggers {unknown}; known: {sorted(TAGGERS)}")
    if not getattr(settings, "TAGGING_CLIP_MODEL", ""):
        names = [name for name in names if name != "clip"]
    # CLIP adds image embeddings the learned tagger reads, so it must run first.
    if "clip" in names and "learned" in names and names.index("learned") < names.index("clip"):
        names.remove("learned")
        names.append("learned")
    return [TAGGERS[name]() for name in names]
