"""Shot detection's decoding thread: the same frames in the same order, errors reach the caller, and
stopping early leaves no thread or open file behind."""

import threading

import cv2
import numpy as np
import pytest
from tagging_media import shot, video_with_cuts, write_video

from tagging import shots as shots_module
from tagging import video_decoding as decoding
from tagging.shots import detect_shots
from tagging.video_decoding import VideoReadError, decoded_in_thread


def boundaries(result):
    return [(s.start_frame, s.transition) for s in result.shots]


def small_images(path, *, in_thread: bool) -> list[np.ndarray]:
    capture, _, _ = decoding.open_video(path)
    try:
        frames = decoding._small_frames(path, capture, [], shrink_at_decode=in_thread)
        if in_thread:
            frames = decoded_in_thread(frames, path)
        return [small() for small in frames]
    finally:
        capture.release()


@pytest.fixture
def videos(tmp_path):
    """One video per decoding path: MJPEG through OpenCV's capture, MPEG-4 4:2:0 through PyAV's planes."""
    mjpeg, _ = video_with_cuts(tmp_path / "cuts.avi", [20, 16, 21])  # 57 frames: the last batch is short
    frames = shot(30, 20) + shot(31, 16) + shot(32, 21)
    return {"opencv": mjpeg, "pyav": write_video(tmp_path / "cuts.mp4", frames, fourcc="mp4v")}


@pytest.mark.parametrize("kind", ["opencv", "pyav"])
def test_the_thread_yields_the_frames_of_the_sequential_path_in_order(videos, kind):
    before = set(threading.enumerate())
    sequential = small_images(videos[kind], in_thread=False)
    threaded = small_images(videos[kind], in_thread=True)
    assert len(threaded) == len(sequential) == 57
    assert all(np.array_equal(a, b) for a, b in zip(threaded, sequential, strict=True))
    assert len({a.tobytes() for a in sequential}) > 3  # the frames differ, so a reordering would show
    assert set(threading.enumerate()) == before


@pytest.mark.parametrize("kind", ["opencv", "pyav"])
def test_shots_are_the_same_with_and_without_the_thread(videos, kind):
    threaded = detect_shots(videos[kind])
    sequential = detect_shots(videos[kind], decode_thread=False)
    assert boundaries(threaded) == boundaries(sequential)
    assert [kind for _, kind in boundaries(threaded)] == ["start", "cut", "cut"]
    assert (threaded.width, threaded.height, threaded.analysed_frames) == (
        sequential.width,
        sequential.height,
        sequential.analysed_frames,
    )


def failing_after(count: int, error: BaseException):
    """A stand-in for OpenCV's frame reader that reads `count` frames, then raises `error`."""
    real = decoding.read_frames

    def read_frames(capture):
        for k, frame in enumerate(real(capture)):
            if k == count:
                raise error
            yield frame

    return read_frames


def test_a_decoding_error_in_the_thread_reaches_the_caller_naming_the_file(videos, monkeypatch):
    before = set(threading.enumerate())
    monkeypatch.setattr(decoding, "read_frames", failing_after(30, cv2.error("corrupt macroblock")))
    with pytest.raises(VideoReadError, match=r"cuts\.avi: decoding failed after 30 frames") as raised:
        detect_shots(videos["opencv"])
    assert isinstance(raised.value.__cause__, cv2.error)
    assert set(threading.enumerate()) == before


def test_a_bug_in_the_thread_reaches_the_caller_as_itself(videos, monkeypatch):
    monkeypatch.setattr(decoding, "read_frames", failing_after(5, KeyError("planes")))
    with pytest.raises(KeyError) as raised:
        detect_shots(videos["opencv"])
    assert any("cuts.avi" in note for note in raised.value.__notes__)


@pytest.mark.parametrize("kind", ["opencv", "pyav"])
def test_stopping_early_stops_the_thread_and_closes_the_source(videos, kind):
    before = set(threading.enumerate())
    closed = []

    def source():
        capture, _, _ = decoding.open_video(videos[kind])
        try:
            yield from decoding._small_frames(videos[kind], capture, [])
        finally:
            capture.release()
            closed.append(threading.current_thread())

    frames = decoded_in_thread(source(), videos[kind], depth=2)
    taken = [next(frames) for _ in range(3)]
    assert len(taken) == 3 and not closed  # the thread is still running, blocked on the full queue
    frames.close()
    assert set(threading.enumerate()) == before
    assert len(closed) == 1 and closed[0] is not threading.current_thread()  # closed by the decoding thread


def test_an_analysis_that_raises_stops_the_thread(videos, monkeypatch):
    before = set(threading.enumerate())
    real = shots_module._features
    calls = []

    def features(small):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("analysis failed")
        return real(small)

    monkeypatch.setattr(shots_module, "_features", features)
    with pytest.raises(RuntimeError, match="analysis failed"):
        detect_shots(videos["pyav"])
    assert set(threading.enumerate()) == before


def test_a_thread_never_started_costs_nothing(videos):
    before = set(threading.enumerate())
    frames = decoded_in_thread(iter([1, 2, 3]), videos["opencv"])
    frames.close()
    assert set(threading.enumerate()) == before
    assert list(decoded_in_thread(iter([1, 2, 3]), videos["opencv"], depth=1)) == [1, 2, 3]


def test_items_before_an_error_reach_the_caller_before_it(videos):
    def source():
        yield from range(7)  # one batch and a short one
        raise OSError("truncated file")

    got = []
    with pytest.raises(VideoReadError, match="decoding failed after 7 frames"):
        for item in decoded_in_thread(source(), videos["opencv"], batch=4):
            got.append(item)
    assert got == list(range(7))
