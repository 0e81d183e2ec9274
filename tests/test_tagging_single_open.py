"""Shot detection opens a video once: PyAV's container gives the rate and size and then decodes, and
OpenCV's capture is opened only when PyAV yields no frame (and is released again)."""

import cv2
import pytest
from tagging_media import shot, video_with_cuts, write_video

from tagging import video_decoding as decoding
from tagging.shots import detect_shots


def boundaries(result):
    return [(s.start_frame, s.transition) for s in result.shots]


class CaptureSpy:
    """Counts the OpenCV captures opened and released while detection runs."""

    def __init__(self, monkeypatch):
        self.opened, self.released = 0, 0
        real = cv2.VideoCapture
        spy = self

        class Counted:
            def __init__(self, *args):
                spy.opened += 1
                self._capture = real(*args)

            def release(self):
                spy.released += 1
                self._capture.release()

            def __getattr__(self, name):
                return getattr(self._capture, name)

        monkeypatch.setattr(decoding.cv2, "VideoCapture", Counted)


@pytest.fixture
def mpeg4(tmp_path):
    frames = shot(30, 20) + shot(31, 16) + shot(32, 21)
    return write_video(tmp_path / "cuts.mp4", frames, fourcc="mp4v")


def test_a_video_pyav_decodes_is_never_opened_by_opencv(mpeg4, monkeypatch):
    expected_fps = decoding.open_video(mpeg4)[1]
    spy = CaptureSpy(monkeypatch)
    result = detect_shots(mpeg4)
    assert spy.opened == 0
    assert result.fps == expected_fps  # the rate OpenCV would have reported
    assert [kind for _, kind in boundaries(result)] == ["start", "cut", "cut"]


def test_a_video_pyav_yields_nothing_for_falls_back_to_one_capture_that_is_released(tmp_path, monkeypatch):
    mjpeg, _ = video_with_cuts(tmp_path / "cuts.avi", [20, 16, 21])  # narrow MJPEG: not limited-range 4:2:0
    spy = CaptureSpy(monkeypatch)
    result = detect_shots(mjpeg)
    assert (spy.opened, spy.released) == (1, 1)
    assert [kind for _, kind in boundaries(result)] == ["start", "cut", "cut"]


@pytest.mark.parametrize("thread", [True, False])
def test_the_probed_rate_and_count_match_opencvs(mpeg4, tmp_path, thread):
    mjpeg, _ = video_with_cuts(tmp_path / "cuts.avi", [20, 16, 21])
    for path in (mpeg4, mjpeg):
        container, fps, declared, width = decoding.probe(path)
        container.close()
        capture, cv_fps, cv_declared = decoding.open_video(path)
        cv_width = capture.get(cv2.CAP_PROP_FRAME_WIDTH)
        capture.release()
        assert (fps, declared, width) == (cv_fps, cv_declared, cv_width)
        assert detect_shots(path, decode_thread=thread).frames == declared


def test_a_file_that_is_not_a_video_is_still_named_by_opencvs_error(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("not a video")
    assert decoding.probe(path) is None
    with pytest.raises(decoding.VideoReadError, match="notes.mp4"):
        detect_shots(path)
