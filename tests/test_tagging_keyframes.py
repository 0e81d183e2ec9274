import cv2
import numpy as np
from tagging_media import shot, write_video

from tagging.keyframes import candidate_frames, pick_keyframes, quality


def test_black_and_uniform_frames_score_zero_and_texture_scores_higher_than_blur():
    textured = shot(1, 1)[0]
    blurred = cv2.GaussianBlur(textured, (15, 15), 0)
    assert quality(np.zeros((64, 96, 3), np.uint8)).score == 0
    assert quality(np.full((64, 96, 3), 128, np.uint8)).score == 0
    assert quality(textured).score > quality(blurred).score > 0


def test_quality_is_measured_at_a_fixed_width():
    small = shot(2, 1)[0]
    big = cv2.resize(small, (384, 256), interpolation=cv2.INTER_NEAREST)
    assert quality(big).sharpness > 0 and quality(small).sharpness > 0
    assert abs(quality(big).contrast - quality(small).contrast) < 0.05


def test_candidates_stay_inside_the_shot_away_from_its_edges():
    frames = candidate_frames(100, 199)
    assert len(frames) == 5 and min(frames) >= 110 and max(frames) <= 189
    assert candidate_frames(7, 7) == [7]


def test_the_sharpest_candidate_of_each_shot_wins(tmp_path):
    first = [cv2.GaussianBlur(f, (21, 21), 0) for f in shot(3, 30)]
    first[14] = shot(3, 1)[0]  # one sharp frame among blurred ones, on a candidate position
    second = shot(4, 30)
    path = write_video(tmp_path / "v.avi", first + second)
    capture = cv2.VideoCapture(str(path))
    picks = pick_keyframes(capture, [(0, 29), (30, 59)])
    capture.release()
    assert [p.shot_index for p in picks] == [0, 1]
    assert 14 in candidate_frames(0, 29) and picks[0].frame == 14
    assert 30 <= picks[1].frame <= 59 and picks[1].image.shape == (64, 96, 3)
