"""bench/shots.py's last part: keyframe tagging throughput on one process, and what each tagger costs."""

from __future__ import annotations

import os
import time

import cv2
import numpy as np

from catalog.synthetic_media import HEIGHT, WIDTH, SceneMaker


def _per_item_ms(function, items) -> float:
    started = time.perf_counter()
    for item in items:
        function(item)
    return 1000 * (time.perf_counter() - started) / len(items)


def tagging_throughput(n_images: int) -> None:
    """Keyframes per second on one worker process, and what each tagger (and each descriptor) costs."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    import django

    django.setup()
    from django.conf import settings

    from tagging import descriptors as d
    from tagging import learning
    from tagging.keyframes import quality
    from tagging.taggers import descriptor_tags

    cv2.setNumThreads(1)  # one worker process = one core
    rng = np.random.default_rng(7)
    maker = SceneMaker(rng)
    images = [maker.shot(2, 0)[0] for _ in range(n_images)]
    grays = [cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) for img in images]
    d.describe(images[0])  # load the cascades and HOG model outside the timing
    costs = {
        "keyframe quality score": _per_item_ms(quality, images),
        "  faces (Haar cascade)": _per_item_ms(d.faces, grays),
        "  people (HOG)": _per_item_ms(d.people, images),
        "  colourfulness": _per_item_ms(d.colourfulness, images),
        "  dominant colours (k-means)": _per_item_ms(d.dominant_colours, images),
        "  text presence": _per_item_ms(d.text_score, grays),
        "descriptors, all of the above": _per_item_ms(d.describe, images),
    }
    features = [d.describe(img) for img in images]
    costs["descriptor tag rules"] = _per_item_ms(descriptor_tags, features)
    labels = [bool(f["brightness"] > np.median([g["brightness"] for g in features])) for f in features]
    params, _, _ = learning.fit(features, labels)
    costs["learned tagger, per active tag model"] = _per_item_ms(lambda f: learning.predict(params, f), features)
    print(f"\nTagging cost on one process ({n_images} keyframes {WIDTH}x{HEIGHT}, ms per keyframe):")
    for name, ms in costs.items():
        print(f"  {name:<40}{ms:>9.2f}")
    per_keyframe = costs["keyframe quality score"] + costs["descriptors, all of the above"] + costs["descriptor tag rules"]
    print(f"  throughput, quality + descriptors + rules: {1000 / per_keyframe:.1f} keyframes/s per worker")
    from catalog.embeddings import embed_texts

    embed_texts(["warm-up"])
    synopses = [f"A story number {k} about a detective hunting a thief across a rainy city." for k in range(20)]
    ms = _per_item_ms(lambda text: embed_texts([text]), synopses)
    print(f"  synopsis tagger: {ms:.1f} ms per title (one MiniLM embedding; tag descriptions are cached)")
    if settings.TAGGING_CLIP_MODEL:
        from tagging.clip import image_embeddings

        folder = settings.TAGGING_CLIP_MODEL
        image_embeddings(folder, images[:1])
        ms = _per_item_ms(lambda img: image_embeddings(folder, [img]), images[:10])
        print(f"  CLIP image embedding ({folder}): {ms:.1f} ms per keyframe")
    else:
        print("  CLIP: not measured (TAGGING_CLIP_MODEL is not set; no CLIP weights ship offline)")
