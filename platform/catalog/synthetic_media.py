"""Synthetic media with known content: demo posters, demo videos and benchmark videos with exact shot truth.

Everything is generated from a seed, so the same call always writes the same pixels; the demo world and
`bench/shots.py` both use it.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT, FPS = 320, 180, 24.0  # the benchmark videos


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without scalable default font
        return ImageFont.load_default()


# The largest a poster is shown (the title page's 18rem column) at 2x pixel density, so demo art is never
# upscaled; cards show it smaller. 2:3, as every poster slot is.
POSTER_SIZE = (576, 864)


def poster_png(title: str, year: int | None, colour: str, seed: int) -> bytes:
    """A POSTER_SIZE poster: a two-colour gradient in the genre's colour with the title set on it (the
    same layout as artwork.placeholders' SVG, so cards with and without artwork look alike)."""
    rng = random.Random(seed)
    width, height = POSTER_SIZE
    unit = width / 240  # the layout was drawn on a 240-px poster
    top = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float32)
    bottom = top * rng.uniform(0.15, 0.4)
    ramp = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    pixels = (top * (1 - ramp) + bottom * ramp).repeat(width, axis=1)
    image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(3):  # a few soft shapes so posters differ within a genre
        x, y, r = rng.randrange(width), rng.randrange(height // 2), int(rng.randrange(20, 70) * unit)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=(255, 255, 255), width=max(2, int(2 * unit)))
    font, small = _font(int(22 * unit)), _font(int(14 * unit))
    margin, leading = int(12 * unit), int(28 * unit)
    words, lines, line = title.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) > width - 2 * margin and line:
            lines.append(line)
            line = word
        else:
            line = candidate
    lines.append(line)
    y = height - int(40 * unit) - leading * len(lines)
    for text in lines:
        draw.text((margin, y), text, fill=(255, 255, 255), font=font)
        y += leading
    if year:
        draw.text((margin, height - int(30 * unit)), str(year), fill=(220, 220, 220), font=small)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def demo_video(path: Path, seed: int, *, fps: int = 24, size: tuple[int, int] = (160, 96)) -> dict:
    """Write a short WebM (VP8) with known hard cuts and one fade through black; return the truth."""
    import cv2

    # OpenCV warns that VP8 is not the WebM tag it expected, then writes VP8 correctly anyway.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    rng = random.Random(seed)
    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"VP80"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"{path}: OpenCV cannot write VP8 WebM here")
    shot_lengths = [rng.randrange(fps, 2 * fps) for _ in range(5)]
    frame_index, cuts, fades = 0, [], []
    for shot, length in enumerate(shot_lengths):
        base = np.array([rng.randrange(30, 230) for _ in range(3)], dtype=np.float32)
        radius = rng.randrange(8, 24)
        fade_out = shot == 2  # shot 3 fades to black and shot 4 fades in
        fade_in = shot == 3
        if shot and not fade_in:
            cuts.append(frame_index)
        if fade_in:
            fades.append(frame_index)
        for i in range(length):
            frame = np.empty((height, width, 3), dtype=np.float32)
            frame[:] = base
            gain = 1.0
            if fade_out and i >= length - fps // 2:
                gain = (length - i) / (fps // 2)
            if fade_in and i < fps // 2:
                gain = i / (fps // 2)
            x = int((i / length) * (width - 2 * radius)) + radius
            cv_frame = (frame * gain).astype(np.uint8)
            cv2.circle(cv_frame, (x, height // 2), radius, tuple(int(255 - c) for c in base * gain), -1)
            writer.write(cv_frame)
            frame_index += 1
    writer.release()
    return {"fps": fps, "frames": frame_index, "generated_cuts": cuts, "generated_fades": fades}


@dataclass
class Truth:
    cuts: list[int] = field(default_factory=list)
    gradual: list[tuple[int, int]] = field(default_factory=list)  # inclusive spans
    frames: int = 0


class SceneMaker:
    """Textured scenes, each with its own palette, seen through a moving camera."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def scene(self) -> np.ndarray:
        import cv2

        rng = self.rng
        big_w, big_h = WIDTH * 4, HEIGHT * 2
        coarse = rng.random((6, 12, 3)).astype(np.float32)
        base = cv2.resize(coarse, (big_w, big_h), interpolation=cv2.INTER_CUBIC)
        detail = cv2.resize(rng.random((big_h // 6, big_w // 6, 3)).astype(np.float32), (big_w, big_h))
        tint = rng.random(3).astype(np.float32)
        img = np.clip(0.55 * base + 0.25 * detail + 0.35 * tint, 0, 1)
        for _ in range(int(rng.integers(6, 14))):  # objects give edges and texture
            centre = (int(rng.integers(0, big_w)), int(rng.integers(0, big_h)))
            colour = tuple(float(c) for c in rng.random(3))
            if rng.random() < 0.5:
                cv2.circle(img, centre, int(rng.integers(10, 50)), colour, -1)
            else:
                size = rng.integers(15, 70, size=2)
                cv2.rectangle(img, centre, (centre[0] + int(size[0]), centre[1] + int(size[1])), colour, -1)
        return (img * 255).astype(np.uint8)

    def shot(self, length: int, pan_speed: float) -> list[np.ndarray]:
        scene = self.scene()
        max_x, max_y = scene.shape[1] - WIDTH, scene.shape[0] - HEIGHT
        x, y = float(self.rng.integers(0, max_x // 3)), float(self.rng.integers(0, max_y))
        direction = 1.0
        frames = []
        for _ in range(length):
            x += direction * pan_speed
            if x < 0 or x > max_x:
                direction *= -1
                x = min(max(x, 0), max_x)
            jitter = self.rng.normal(0, 0.6, size=2)
            xi = int(min(max(x + jitter[0], 0), max_x))
            yi = int(min(max(y + jitter[1], 0), max_y))
            frame = scene[yi : yi + HEIGHT, xi : xi + WIDTH].copy()
            noise = self.rng.normal(0, 3, frame.shape)
            frames.append(np.clip(frame + noise, 0, 255).astype(np.uint8))
        return frames


def make_video(path: Path, seconds: float, seed: int) -> Truth:
    """Write an MJPG AVI of textured shots joined by cuts, fades and dissolves (with flashes and fast pans); the truth."""
    import cv2

    rng = np.random.default_rng(seed)
    maker = SceneMaker(rng)
    total = int(seconds * FPS)
    frames: list[np.ndarray] = []
    truth = Truth()
    previous: list[np.ndarray] | None = None
    while len(frames) < total:
        length = int(rng.integers(int(2 * FPS), int(4 * FPS)))
        pan = float(rng.choice([0.0, 1.5, 4.0, 14.0, 24.0], p=[0.3, 0.2, 0.2, 0.15, 0.15]))  # px/frame
        shot = maker.shot(length, pan)
        if rng.random() < 0.25:  # a flash (lightning, camera flash) inside the shot: not a boundary
            at = int(rng.integers(4, length - 4))
            for k in range(int(rng.integers(1, 3))):
                shot[at + k] = np.clip(shot[at + k].astype(np.int16) + 170, 0, 255).astype(np.uint8)
        if previous is None:
            frames.extend(shot)
        else:
            kind = rng.choice(["cut", "fade", "dissolve"], p=[0.6, 0.2, 0.2])
            if kind == "cut":
                truth.cuts.append(len(frames))
                frames.extend(shot)
            elif kind == "fade":
                out_n, black_n, in_n = (int(rng.integers(6, 16)), int(rng.integers(2, 10)), int(rng.integers(6, 16)))
                start = len(frames) - out_n
                for k in range(out_n):
                    alpha = 1 - (k + 1) / out_n
                    frames[start + k] = (frames[start + k] * alpha).astype(np.uint8)
                frames.extend([np.zeros((HEIGHT, WIDTH, 3), np.uint8)] * black_n)
                for k in range(in_n):
                    shot[k] = (shot[k] * ((k + 1) / in_n)).astype(np.uint8)
                frames.extend(shot)
                truth.gradual.append((start, start + out_n + black_n + in_n - 1))
            else:
                n = int(rng.integers(10, 24))
                start = len(frames) - n
                for k in range(n):
                    alpha = (k + 1) / (n + 1)
                    frames[start + k] = cv2.addWeighted(frames[start + k], 1 - alpha, shot[k], alpha, 0)
                frames.extend(shot[n:])
                truth.gradual.append((start, start + n - 1))
        previous = shot
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (WIDTH, HEIGHT))
    for frame in frames:
        writer.write(frame)
    writer.release()
    truth.frames = len(frames)
    return truth
