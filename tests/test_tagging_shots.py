import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from tagging_media import FPS, dissolve, fade, shot, video_with_cuts, write_video

from tagging.shots import detect_shots, detect_shots_in_frames
from tagging.video_decoding import VideoReadError


def boundaries(result):
    return [(s.start_frame, s.transition) for s in result.shots[1:]]


def test_it_finds_hard_cuts_within_two_frames(tmp_path):
    path, cuts = video_with_cuts(tmp_path / "cuts.avi", [30, 26, 40])
    result = detect_shots(path)
    found = boundaries(result)
    assert [kind for _, kind in found] == ["cut", "cut"]
    assert all(abs(frame - cut) <= 2 for (frame, _), cut in zip(found, cuts, strict=True))
    assert result.shots[0].transition == "start" and result.shots[0].start_frame == 0
    assert result.shots[-1].end_frame == result.frames - 1 == 95


def test_shots_tile_the_video_without_gaps(tmp_path):
    path, _ = video_with_cuts(tmp_path / "cuts.avi", [20, 30, 25])
    shots = detect_shots(path).shots
    for before, after in zip(shots, shots[1:], strict=False):
        assert after.start_frame == before.end_frame + 1
        assert after.start_s == pytest.approx(before.end_s)


def test_a_fade_through_black_is_one_fade_boundary():
    frames = fade(shot(1, 40), shot(2, 40))
    found = boundaries(detect_shots_in_frames(frames, FPS))
    assert len(found) == 1 and found[0][1] == "fade"
    assert 32 <= found[0][0] <= 52  # inside the fade-out, black and fade-in span


def test_a_dissolve_is_reported_as_a_dissolve_not_a_cut():
    frames = dissolve(shot(3, 48, pan=0), shot(4, 48, pan=0), length=14)
    found = boundaries(detect_shots_in_frames(frames, FPS))
    assert [kind for _, kind in found] == ["dissolve"]
    assert 32 <= found[0][0] <= 48


def test_a_flash_is_not_a_cut():
    frames = shot(5, 60)
    frames[30] = np.clip(frames[30].astype(int) + 180, 0, 255).astype(np.uint8)
    assert boundaries(detect_shots_in_frames(frames, FPS)) == []


def test_a_fast_pan_is_not_a_cut():
    frames = shot(6, 60, pan=7.0)  # the whole frame moves 7 px a frame, wrapping round the picture
    assert [kind for _, kind in boundaries(detect_shots_in_frames(frames, FPS))].count("cut") == 0


def test_cuts_closer_than_the_minimum_shot_length_are_merged(tmp_path):
    path, _ = video_with_cuts(tmp_path / "short.avi", [30, 3, 30])
    assert len(detect_shots(path).shots) == 2


def test_detect_shots_command_prints_the_json_contract(tmp_path):
    path, cuts = video_with_cuts(tmp_path / "cuts.avi", [30, 30])
    out = StringIO()
    call_command("detect_shots", str(path), "--json", stdout=out)
    document = json.loads(out.getvalue())
    assert set(document) == {"fps", "frames", "shots"}
    assert document["fps"] == FPS and document["frames"] == 60
    assert [set(s) for s in document["shots"]] == [{"start_frame", "end_frame", "start_s", "end_s", "transition"}] * 2
    assert document["shots"][0]["transition"] == "start" and document["shots"][1]["transition"] == "cut"


def test_detect_shots_command_names_the_unreadable_file(tmp_path):
    bogus = tmp_path / "not-a-video.mp4"
    bogus.write_bytes(b"hello, I am text")
    with pytest.raises(CommandError, match="not-a-video.mp4"):
        call_command("detect_shots", str(bogus), "--json", stdout=StringIO())


def test_a_video_without_frames_raises_a_read_error(tmp_path):
    path = write_video(tmp_path / "empty.avi", [np.zeros((64, 96, 3), np.uint8)])
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(VideoReadError):
        detect_shots(path)


def test_a_cut_into_black_and_a_cut_out_of_black_are_hard_cuts():
    black = [np.zeros_like(frame) for frame in shot(1, 20)]
    frames = shot(1, 30) + black + shot(2, 30)
    found = boundaries(detect_shots_in_frames(frames, FPS))
    assert found == [(30, "cut"), (50, "cut")]


def test_a_luminance_ramp_into_and_out_of_black_is_a_fade_not_a_cut():
    # The picture is kept still so only the brightness changes: a ramp over 12 frames each way.
    still = [shot(3, 1, pan=0)[0]] * 40
    ramp_out = [(still[0] * (1 - (k + 1) / 12)).astype(np.uint8) for k in range(12)]
    ramp_in = [(shot(4, 1, pan=0)[0] * ((k + 1) / 12)).astype(np.uint8) for k in range(12)]
    black = [np.zeros_like(still[0])] * 4
    frames = still + ramp_out + black + ramp_in + [shot(4, 1, pan=0)[0]] * 40
    found = boundaries(detect_shots_in_frames(frames, FPS))
    assert [kind for _, kind in found] == ["fade"]
    assert 40 <= found[0][0] <= 68


def test_text_fading_in_over_fast_motion_is_not_a_cut():
    import cv2

    frames = shot(5, 47, pan=2.0)  # a fast pan (2 px a frame on a 96 px frame), never wrapping the scene
    for k in range(15, 47):
        alpha = min(1.0, (k - 15) / 10)  # the title fades in over 10 frames and stays
        overlay = frames[k].copy()
        cv2.putText(overlay, "TITLE", (6, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255, 255, 255), 3)
        frames[k] = cv2.addWeighted(overlay, alpha, frames[k], 1 - alpha, 0)
    assert boundaries(detect_shots_in_frames(frames, FPS)) == []


def test_a_720p_input_is_downscaled_before_analysis():
    import cv2

    frames = [cv2.resize(frame, (1280, 720), interpolation=cv2.INTER_NEAREST) for frame in shot(6, 12)]
    result = detect_shots_in_frames(frames, FPS)
    assert (result.width, result.height) == (1280, 720)
    assert (result.analysed_width, result.analysed_height) == (64, 36)


def test_the_plain_command_runs_without_django_and_prints_the_same_json(tmp_path, capsys):
    from tagging.cli import fast_detect_shots

    path, _ = video_with_cuts(tmp_path / "cuts.avi", [20, 30])
    assert fast_detect_shots([str(path), "--json"]) == 0
    fast = capsys.readouterr().out
    out = StringIO()
    call_command("detect_shots", str(path), "--json", stdout=out)
    assert json.loads(fast) == json.loads(out.getvalue())
    assert [s["transition"] for s in json.loads(fast)["shots"]] == ["start", "cut"]
    assert fast_detect_shots([str(path), "--verbosity", "2"]) is None  # left to Django's command
    assert fast_detect_shots([str(tmp_path / "missing.avi")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_a_720p_file_is_scaled_at_decode_and_cut_where_the_full_frames_are(tmp_path):
    import cv2

    from tagging import video_decoding as decoding

    frames, cuts = [], []
    for k, length in enumerate([20, 16, 20]):
        if k:
            cuts.append(len(frames))
        frames += [cv2.resize(f, (1280, 720), interpolation=cv2.INTER_NEAREST) for f in shot(20 + k, length)]
    path = write_video(tmp_path / "hd.avi", frames)
    small = next(decoding.decode_small(path))
    assert small.shape == (36, 64, 3)  # scaled by the decoder, never converted to BGR at 1280x720
    result = detect_shots(path)
    assert (result.width, result.height, result.analysed_width, result.analysed_height) == (1280, 720, 64, 36)
    capture, fps, _ = decoding.open_video(path)
    full = detect_shots_in_frames(decoding.read_frames(capture), fps)
    capture.release()
    assert boundaries(result) == boundaries(full)
    assert [kind for _, kind in boundaries(result)] == ["cut", "cut"]
    assert all(abs(frame - cut) <= 2 for (frame, _), cut in zip(boundaries(result), cuts, strict=True))


def test_a_narrow_4_2_0_file_is_read_from_the_decoder_planes_and_cut_where_the_full_frames_are(tmp_path):
    from tagging import video_decoding as decoding

    frames, cuts = [], []
    for k, length in enumerate([20, 16, 20]):
        if k:
            cuts.append(len(frames))
        frames += shot(30 + k, length)
    path = write_video(tmp_path / "narrow.mp4", frames, fourcc="mp4v")  # MPEG-4 Part 2, limited-range 4:2:0
    planar = list(decoding.decode_small(path, planar_only=True))
    assert len(planar) == 56 and planar[0].shape == (42, 64, 3)
    mjpeg = write_video(tmp_path / "narrow.avi", frames)  # full-range 4:2:0: left to OpenCV
    assert list(decoding.decode_small(mjpeg, planar_only=True)) == []
    result = detect_shots(path)
    capture, fps, _ = decoding.open_video(path)
    full = detect_shots_in_frames(decoding.read_frames(capture), fps)
    capture.release()
    assert boundaries(result) == boundaries(full) == [(cuts[0], "cut"), (cuts[1], "cut")]


def test_the_plain_command_loads_neither_django_nor_the_progress_bar_for_a_pipe(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    path, _ = video_with_cuts(tmp_path / "cuts.avi", [20, 30])
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['manage.py', 'detect_shots', {str(path)!r}, '--json']\n"
        "try:\n"
        f"    runpy.run_path({str(repo / 'manage.py')!r}, run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    assert done.code in (0, None), done.code\n"
        "print(sorted(m for m in ('django', 'tqdm') if m in sys.modules), file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert [s["transition"] for s in json.loads(run.stdout)["shots"]] == ["start", "cut"]
    assert run.stderr.strip().splitlines()[-1] == "[]"


def test_a_still_shot_is_analysed_only_at_the_coarse_stride():
    from tagging.shots import COARSE_STRIDE

    result = detect_shots_in_frames(shot(7, 120, pan=0), FPS)
    assert result.frames == 120 and result.analysed_frames == 120 // COARSE_STRIDE
    assert boundaries(result) == []


def test_the_fine_look_finds_what_analysing_every_frame_finds():
    from tagging.shot_boundaries import DetectorParams

    flashed = shot(8, 60, pan=0.5)
    flashed[25] = np.clip(flashed[25].astype(int) + 180, 0, 255).astype(np.uint8)
    frames = (shot(1, 70, pan=0) + fade(shot(2, 60, pan=0), dissolve(shot(3, 70, pan=0), shot(4, 70, pan=0)))
              + flashed + shot(5, 60, pan=1.5) + shot(6, 60, pan=0))
    coarse = detect_shots_in_frames(frames, FPS)
    every = detect_shots_in_frames(frames, FPS, params=DetectorParams(coarse_trigger=0.0))
    assert every.analysed_frames == every.frames == len(frames) > coarse.analysed_frames
    assert boundaries(coarse) == boundaries(every)
    assert [kind for _, kind in boundaries(coarse)] == ["cut", "fade", "dissolve", "cut", "cut", "cut"]


def test_a_fade_through_a_long_black_gap_is_one_fade():
    frames = fade(shot(1, 40, pan=0), shot(2, 40, pan=0), black=60)  # the coarse pass sees 15 black samples
    found = boundaries(detect_shots_in_frames(frames, FPS))
    assert [kind for _, kind in found] == ["fade"] and 40 <= found[0][0] <= 96
