"""A trailer of eight detected 3 s shots with keyframes and tags, for the preview tests; shot 2 fades in
from black."""

from pathlib import Path

import numpy as np
from django.core.files import File
from tagging_media import shot, write_video

from catalog.models import MediaAsset
from factories import make_tag, make_title
from tagging.models import Keyframe, Shot, TagSuggestion

FPS = 8.0
SHOT_FRAMES = 24  # 3 s shots


def _demo_video(tmp_path: Path) -> Path:
    """Eight 3 s shots; shot 2 fades in from black over its first second."""
    frames = []
    for k in range(8):
        part = shot(40 + k, SHOT_FRAMES, pan=2.0)
        if k == 2:
            part = [(f * min(1.0, i / FPS)).astype(np.uint8) for i, f in enumerate(part)]
        frames += part
    return write_video(tmp_path / "demo.avi", frames, fps=FPS)


def video_title(tmp_path, name="Preview"):
    title = make_title(name)
    path = _demo_video(tmp_path)
    asset = MediaAsset(
        title=title, kind=MediaAsset.Kind.VIDEO, role=MediaAsset.Role.TRAILER, status=MediaAsset.Status.READY
    )
    with path.open("rb") as handle:
        asset.file.save("demo.avi", File(handle), save=True)
    tag = make_tag("chase")
    for k in range(8):
        row = Shot.objects.create(
            asset=asset,
            index=k,
            start_frame=k * SHOT_FRAMES,
            end_frame=(k + 1) * SHOT_FRAMES - 1,
            start_s=k * 3.0,
            end_s=(k + 1) * 3.0,
            transition="start" if k == 0 else "cut",
        )
        # Shot 2 looks best by its keyframe (faces, motion): only its black first frame rules it out as a start.
        keyframe = Keyframe.objects.create(
            shot=row,
            frame=k * SHOT_FRAMES + 12,
            image="x.jpg",
            quality=0.8,
            motion=0.05 if k == 2 else 0.01,
            features={
                "brightness": 0.5,
                "contrast": 0.2,
                "faces": int(k == 2),
                "text": 0.0,
                "colourfulness": 30,
            },
        )
        TagSuggestion.objects.create(title=title, keyframe=keyframe, tag=tag, tagger="test", confidence=0.9)
    return title, asset
