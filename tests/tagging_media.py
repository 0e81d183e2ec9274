"""Tiny generated videos and images for the tagging tests (96x64, a few seconds, written with OpenCV)."""

from pathlib import Path

import cv2
import numpy as np

W, H, FPS = 96, 64, 24.0


def scene(seed: int) -> np.ndarray:
    """A textured picture with its own palette, bigger than the frame so the camera can move."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((4, 6, 3)).astype(np.float32)
    base = cv2.resize(coarse, (W * 2, H), interpolation=cv2.INTER_CUBIC)
    detail = cv2.resize(rng.random((H // 4, W // 2, 3)).astype(np.float32), (W * 2, H), interpolation=cv2.INTER_NEAREST)
    return (np.clip(0.6 * base + 0.3 * detail + 0.3 * rng.random(3), 0, 1) * 255).astype(np.uint8)


def shot(seed: int, length: int, pan: float = 0.5) -> list[np.ndarray]:
    picture = scene(seed)
    return [picture[:, int(k * pan) % W : int(k * pan) % W + W].copy() for k in range(length)]


def write_video(path: Path, frames: list[np.ndarray], fourcc: str = "MJPG", fps: float = FPS) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (frames[0].shape[1], frames[0].shape[0]))
    assert writer.isOpened(), f"OpenCV cannot write {fourcc}"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def video_with_cuts(path: Path, lengths: list[int], fourcc: str = "MJPG") -> tuple[Path, list[int]]:
    """Shots of the given lengths joined by hard cuts; returns the path and the cut frames."""
    frames, cuts = [], []
    for k, length in enumerate(lengths):
        if k:
            cuts.append(len(frames))
        frames += shot(10 + k, length)
    return write_video(path, frames, fourcc), cuts


def fade(a: list[np.ndarray], b: list[np.ndarray], out: int = 8, black: int = 4, into: int = 8) -> list[np.ndarray]:
    a = [f.copy() for f in a]
    b = [f.copy() for f in b]
    for k in range(out):
        a[-out + k] = (a[-out + k] * (1 - (k + 1) / out)).astype(np.uint8)
    for k in range(into):
        b[k] = (b[k] * ((k + 1) / into)).astype(np.uint8)
    return a + [np.zeros_like(a[0])] * black + b


def dissolve(a: list[np.ndarray], b: list[np.ndarray], length: int = 14) -> list[np.ndarray]:
    mixed = [cv2.addWeighted(a[-length + k], 1 - (k + 1) / (length + 1), b[k], (k + 1) / (length + 1), 0)
             for k in range(length)]
    return a[:-length] + mixed + b[length:]


def write_png(path: Path, size: tuple[int, int] = (W, H), colour=(40, 40, 200)) -> Path:
    image = np.zeros((size[1], size[0], 3), np.uint8)
    image[:] = colour
    cv2.rectangle(image, (size[0] // 4, size[1] // 4), (size[0] // 2, size[1] // 2), (250, 250, 250), -1)
    cv2.imwrite(str(path), image)
    return path


def drawn_face(size: int = 120, canvas: tuple[int, int] = (320, 240)) -> np.ndarray:
    """A schematic face (skin oval, dark eyes and brows, nose ridge, mouth) that the Haar cascade finds."""
    img = np.full((canvas[1], canvas[0]), 60, np.uint8)
    cx, cy = canvas[0] // 2, canvas[1] // 2
    cv2.ellipse(img, (cx, cy), (int(size * 0.42), int(size * 0.55)), 0, 0, 360, 200, -1)
    for dx in (-1, 1):
        cv2.ellipse(img, (cx + dx * int(size * 0.18), cy - int(size * 0.12)), (int(size * 0.09), int(size * 0.045)),
                    0, 0, 360, 40, -1)
        cv2.line(img, (cx + dx * int(size * 0.08), cy - int(size * 0.24)), (cx + dx * int(size * 0.3), cy - int(size * 0.24)),
                 70, 4)
    cv2.line(img, (cx, cy - int(size * 0.08)), (cx, cy + int(size * 0.12)), 170, 3)
    cv2.ellipse(img, (cx, cy + int(size * 0.28)), (int(size * 0.16), int(size * 0.04)), 0, 0, 360, 90, -1)
    return cv2.cvtColor(cv2.GaussianBlur(img, (5, 5), 0), cv2.COLOR_GRAY2BGR)
