"""Decoding a video file into the small frames the shot detector analyses (no Django): PyAV, scaling at
decode and reading 4:2:0 planes in place, with OpenCV's capture as the fallback; decoding in a thread of
its own while the caller analyses; and opening a file, with `VideoReadError` when it is not a readable video."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np

from .frame_features import _shrink, analysed_size

DECODE_THREADS = 2  # FFmpeg's own decoder threads; more buys little on one worker's core budget
# From this source width up, frames come from PyAV scaled at decode (decode_small) whatever their pixel
# format; below it only limited-range 4:2:0, whose planes are read in place (fades.mp4, 480x320 MPEG-4:
# 0.10 s against 0.16 s through OpenCV). Other small formats (MJPEG's full-range 4:2:0) need swscale,
# which costs more than OpenCV's full-size BGR frame (320x180 MJPEG: 0.54 s against 0.30 s).
DECODE_SMALL_MIN_WIDTH = 640


# Decoded frames travel to the analysis in batches of PIPELINE_BATCH, at most PIPELINE_DEPTH batches
# waiting: a hand-off per frame (a lock and often a thread wake-up) cost 3-8% of the CPU time on 320x180
# MJPEG, whose frames take 0.3 ms each. At most (DEPTH + 1) * BATCH = 12 frames are in flight (a
# full-size decoded picture each until it is shrunk: 36 MB at 1080p), besides the fine look's 21.
PIPELINE_BATCH = 4
PIPELINE_DEPTH = 2

T = TypeVar("T")


class VideoReadError(Exception):
    """The file cannot be read as a video; the message says why, for staff."""


class _Failed:
    """What the decoding thread sends when its source raised, in place of the next item."""

    def __init__(self, error: BaseException, items: int) -> None:
        self.error, self.items = error, items


_END = object()  # the decoding thread's last message when its source is exhausted


def decoded_in_thread(
    source: Iterator[T], path: str | Path, *, depth: int = PIPELINE_DEPTH, batch: int = PIPELINE_BATCH
) -> Iterator[T]:
    """The items of `source`, in order, produced by a thread of their own into a queue of `depth` batches.

    Decoding (PyAV, OpenCV) and OpenCV's image functions release the GIL, so the caller's analysis runs
    beside the decoder on another core instead of after it. The thread owns `source`: it runs it and closes
    it (so the container is closed where it is read). An exception raised by `source` is raised here, in
    the caller, as a VideoReadError naming `path` for what a bad file raises, or as itself (with a note
    naming `path`) for anything else. Closing this generator early (the caller stopped, or raised) stops
    the thread and waits for it: no thread or open file outlives the call. The thread starts on the first
    `next()`.
    """
    items: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def produce() -> None:
        made = 0
        message: object = _END
        ready: list[T] = []
        try:
            for item in source:
                ready.append(item)
                made += 1
                if len(ready) == batch:
                    items.put(ready)
                    ready = []
                    if stop.is_set():
                        break
        except BaseException as error:  # noqa: BLE001 -- handed to the caller's thread, which raises it
            message = _Failed(error, made)
        finally:
            if ready and not stop.is_set():
                items.put(ready)  # the frames before the end (or the error) come first
            close = getattr(source, "close", None)
            if close is not None:
                try:
                    close()
                except Exception as error:  # noqa: BLE001 -- a close that fails is reported like a read that fails
                    if message is _END:
                        message = _Failed(error, made)
            if not stop.is_set():
                items.put(message)

    thread = threading.Thread(target=produce, name=f"decode {Path(path).name}", daemon=True)
    thread.start()
    try:
        while True:
            got = items.get()
            if got is _END:
                return
            if isinstance(got, _Failed):
                raise _as_read_error(got.error, path, got.items)
            yield from got
    finally:
        stop.set()
        while thread.is_alive():  # unblock a put the thread may be waiting in, until it has closed the source
            try:
                items.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()


def _as_read_error(error: BaseException, path: str | Path, items: int) -> BaseException:
    """What the caller raises for the decoding thread's `error`, `items` frames into `path`."""
    import av

    if isinstance(error, VideoReadError):
        return error
    if isinstance(error, (av.error.FFmpegError, cv2.error, OSError, ValueError)):
        read_error = VideoReadError(f"{path}: decoding failed after {items} frames ({type(error).__name__}: {error})")
        read_error.__cause__ = error
        return read_error
    error.add_note(f"raised while decoding {path} (in the decoding thread, after {items} frames)")
    return error


def open_video(path: str | Path, *, decode_threads: int = 0) -> tuple[cv2.VideoCapture, float, int]:
    """An opened capture, its frame rate and declared frame count; VideoReadError if it is not a video.

    `decode_threads` > 0 asks FFmpeg for threaded decoding (where the codec has it): decoding a
    720p or 1080p frame is most of the cost of detection.
    """
    if decode_threads > 0:
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, decode_threads])
        if not capture.isOpened():
            capture = cv2.VideoCapture(str(path))
    else:
        capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise VideoReadError(f"{path}: not a readable video (no demuxer or decoder could open it)")
    fps = capture.get(cv2.CAP_PROP_FPS)
    if not fps or not np.isfinite(fps) or fps <= 0 or fps > 1000:
        capture.release()
        raise VideoReadError(f"{path}: the video declares no usable frame rate ({fps!r})")
    declared = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    return capture, float(fps), max(declared, 0)


def probe(path: str | Path):
    """`path` opened by PyAV with the frame rate, declared frame count and width OpenCV's capture would
    report, or None when PyAV cannot open it or finds no usable rate (the caller then goes through
    `open_video`, which names the fault).

    Opening a file costs 2 to 24 ms on the real clips (a Matroska file most), and the capture was opened
    only for these three numbers before PyAV opened the same file again to decode it. The rate is FFmpeg's
    `av_guess_frame_rate`, which is what OpenCV's CAP_PROP_FPS reads; the count is the stream's own, else
    its duration times the rate, as OpenCV counts it.
    """
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError):
        return None
    try:
        stream = container.streams.video[0]
        fps = float(stream.guessed_rate) if stream.guessed_rate else 0.0
        if not np.isfinite(fps) or fps <= 0 or fps > 1000:
            container.close()
            return None
        declared = stream.frames
        if not declared:
            seconds = container.duration / av.time_base if container.duration else 0.0
            declared = int(seconds * fps + 0.5)
        return container, fps, max(int(declared), 0), stream.codec_context.width
    except (IndexError, av.error.FFmpegError):
        container.close()
        return None


def read_frames(capture: cv2.VideoCapture) -> Iterable[np.ndarray]:
    while True:
        ok, frame = capture.read()
        if not ok or frame is None:
            return
        yield frame


def decode_small(
    path: str | Path, *, threads: int = DECODE_THREADS, size: list | None = None, planar_only: bool = False
) -> Iterator[np.ndarray]:
    """The video's frames as small BGR images, decoded by PyAV (see `_decode_lazily`)."""
    for small in _decode_lazily(path, threads=threads, size=size, planar_only=planar_only):
        yield small()


def _decode_lazily(
    path: str | Path,
    *,
    threads: int = DECODE_THREADS,
    size: list | None = None,
    planar_only: bool = False,
    container=None,
) -> Iterator[Callable[[], np.ndarray]]:
    """The video's frames decoded by PyAV, each as a callable that makes its small BGR image when asked.

    Decoding is most of the cost of detection on real resolutions, and only the decoder's own API offers
    what cuts it: frame-threaded decoding (`thread_type="AUTO"`), skipping the deblocking filter, and
    reading the decoded YUV planes in place, so a 720p or 1080p picture is never converted to BGR at
    full size (see `_small_bgr`). A packet that does not decode is skipped, as OpenCV does. `size`, if given, receives the source's
    (width, height) once the first frame is decoded. With `planar_only`, a stream whose pixel format is
    not limited-range 4:2:0 yields nothing (the caller decodes it another way). `container`, if given, is
    `path` already opened by `probe` (this generator closes it).
    """
    import av

    if container is None:
        container = av.open(str(path))
    try:
        stream = container.streams.video[0]
        if planar_only and stream.codec_context.pix_fmt != "yuv420p":
            return
        stream.thread_type = "AUTO"
        stream.thread_count = threads
        # H.264/HEVC's deblocking filter smooths block edges that a 64-px frame cannot show: skipping it
        # cuts the decoder's CPU time by about 15% (issue-195, one thread: 0.75-0.83 s against 0.91-0.98 s).
        stream.codec_context.options = {"skip_loop_filter": "all"}
        target = None
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.FFmpegError:
                return  # a broken container ends the video here, as OpenCV's read() does
            try:
                decoded = packet.decode()
            except av.error.FFmpegError:
                continue
            for frame in decoded:
                if target is None:
                    target = analysed_size(frame.width, frame.height)
                    if size is not None:
                        size[:] = [frame.width, frame.height]
                yield partial(_small_bgr, frame, target)  # the decoded frame is kept only while it may be asked for
    finally:
        container.close()


def _made(image: np.ndarray) -> Callable[[], np.ndarray]:
    """A small frame already made, in the form the analysis asks for."""
    return lambda: image


def _plane(frame, index: int, width: int, height: int) -> np.ndarray:
    """One plane of a decoded frame as a (height, width) view of the decoder's buffer (no copy)."""
    plane = frame.planes[index]
    return np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:height, :width]


def _small_bgr(frame, target: tuple[int, int]) -> np.ndarray:
    """The analysed-size BGR image of a decoded PyAV frame.

    For limited-range 4:2:0 (almost every H.264/VP8/VP9 file) the Y, U and V planes are read in place and
    each shrunk by OpenCV's area filter, then converted to BGR at the small size: swscale's area scaler
    cost more than the decode itself (issue-195: 1.3 s against 0.64 s). Other formats go through swscale,
    still in YUV: its scaled RGB output adds a pixel or two of chroma noise that turns flat pictures
    into textured ones.
    """
    width, height = target
    if frame.format.name == "yuv420p":
        chroma = ((frame.width + 1) // 2, (frame.height + 1) // 2)
        parts = [
            _shrink(_plane(frame, 0, frame.width, frame.height), (width, height)),
            _shrink(_plane(frame, 1, *chroma), (width // 2, height // 2)),
            _shrink(_plane(frame, 2, *chroma), (width // 2, height // 2)),
        ]
        yuv = np.concatenate([part.ravel() for part in parts]).reshape(height * 3 // 2, width)
    else:
        yuv = frame.reformat(width=width, height=height, format="yuv420p", interpolation="AREA").to_ndarray()
    return cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR_I420)


def _small_frames(
    path: str | Path,
    capture: cv2.VideoCapture | None,
    size: list,
    *,
    shrink_at_decode: bool = False,
    probed=None,
) -> Iterator[Callable[[], np.ndarray]]:
    """Small frames, made when asked: from PyAV when it decodes the file (for narrow sources, only
    limited-range 4:2:0; see DECODE_SMALL_MIN_WIDTH), else from the OpenCV capture.

    With `shrink_at_decode`, PyAV's frames are shrunk as soon as they are decoded (in the decoding
    thread, `decoded_in_thread`), while the full-size planes are still in cache and the decoder's buffer
    can be reused at once; shrinking them later on the analysing side cost 10% more CPU on issue-195.
    The OpenCV capture's frames (narrow sources) are still shrunk when asked: its decoder has one thread,
    so the shrinking balances the two threads.

    With `probed` (what `probe` returned) PyAV decodes from the container already open and `capture` is
    None; it is opened here only if PyAV yields no frame.
    """
    import av

    if probed is not None:
        container, _, _, width = probed
    else:
        container, width = None, capture.get(cv2.CAP_PROP_FRAME_WIDTH)
    narrow = width < DECODE_SMALL_MIN_WIDTH
    try:
        frames = _decode_lazily(path, size=size, planar_only=narrow, container=container)
        first = next(frames, None)
    except av.error.FFmpegError:
        first = None
    if first is not None:
        if shrink_at_decode:
            yield _made(first())
            yield from (_made(small()) for small in frames)
        else:
            yield first
            yield from frames
        return
    frames.close()
    if capture is None:
        capture = open_video(path, decode_threads=DECODE_THREADS)[0]
    try:
        yield from _shrunk_capture_frames(capture, size)
    finally:
        if probed is not None:
            capture.release()  # opened here, so released here; a capture passed in is the caller's


def _shrunk_capture_frames(capture: cv2.VideoCapture, size: list) -> Iterator[Callable[[], np.ndarray]]:
    for frame in read_frames(capture):
        height, width = frame.shape[:2]
        if not size:
            size[:] = [width, height]
        target = analysed_size(width, height)
        step = width // (8 * target[0])
        if step > 1:  # what `_shrink` keeps of a wide frame anyway: the frames kept for a fine look stay small
            frame = np.ascontiguousarray(frame[::step, ::step])
        yield partial(_shrink, frame, target)
