"""Counting on synthetic footage whose truth is known: walkers on a tiled floor (tests/counter_video.py)."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pytest

from gdesk_counter.config import ZoneSpec, parse_zone_arg
from gdesk_counter.counting import HogCounter, OccupancyCounter, make_counter
from gdesk_counter.source import video_frames
from tests.counter_video import draw, floor, walkers, write_video

LEFT = parse_zone_arg("left=0,0;0.5,0;0.5,1;0,1")
RIGHT = parse_zone_arg("right=0.5,0;1,0;1,1;0.5,1")


def counts(counter: OccupancyCounter, frames: list[np.ndarray], fps: float) -> list[dict[str, int]]:
    return [{z: e.count for z, e in counter.update(f, i / fps).items()} for i, f in enumerate(frames)]


def footage(people: int, seconds: float, fps: float = 2.5, seed: int = 3, still: int = 0,
            region: tuple[float, float, float, float] = (0, 0, 1, 1)) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    background = floor(640, 480, rng)
    crowd = walkers(people, 640, 480, rng, region=region)
    for p in crowd[:still]:
        p.vx = p.vy = 0.0
    frames = []
    for _ in range(round(seconds * fps)):
        frames.append(draw(background, crowd, rng))
        for p in crowd:
            p.step(640, 480, 1 / fps)
            if region != (0, 0, 1, 1):  # keep them in their region
                p.x = min(max(p.x, region[0] * 640 + 40), region[2] * 640 - 40)
    return frames


@pytest.mark.parametrize("people", [0, 4, 12])
def test_walkers_are_counted_once_the_background_is_learnt(people: int) -> None:
    counter = OccupancyCounter((ZoneSpec("all"),), width=320, background_seconds=10)
    seen = counts(counter, footage(people, 16), fps=2.5)
    settled = [c["all"] for c in seen[-10:]]  # the last 4 s
    assert abs(statistics.median(settled) - people) <= 1, settled


def test_each_zone_counts_only_its_own_people() -> None:
    counter = OccupancyCounter((LEFT, RIGHT), width=320, background_seconds=10)
    seen = counts(counter, footage(6, 16, region=(0.0, 0.0, 0.45, 1.0)), fps=2.5)
    assert statistics.median(c["left"] for c in seen[-10:]) in (5, 6, 7)
    assert statistics.median(c["right"] for c in seen[-10:]) == 0


def test_people_standing_still_in_the_queue_are_still_counted() -> None:
    """Three of eight stand still for 20 s, a third of the 60 s background window: they must not
    fade into the background (a median alone would absorb them once they fill half its samples)."""
    counter = OccupancyCounter((ZoneSpec("all"),), width=320, background_seconds=60)
    rng = np.random.default_rng(5)
    background = floor(640, 480, rng)
    for i in range(16):  # 8 s before the queue forms, at 2 frames/s: the warm-up
        counter.update(draw(background, [], rng), i / 2)
    assert not counter.warming_up
    crowd = walkers(8, 640, 480, rng)
    for p in crowd[:3]:
        p.vx = p.vy = 0.0
    late = []
    for i in range(40):
        late.append(counter.update(draw(background, crowd, rng), 8 + i / 2)["all"].count)
        for p in crowd:
            p.step(640, 480, 0.5)
    assert abs(statistics.median(late[-10:]) - 8) <= 1, late


def test_confidence_grows_as_the_background_fills() -> None:
    counter = OccupancyCounter((ZoneSpec("all"),), width=320, background_seconds=10)
    frames = footage(5, 16)
    first = counter.update(frames[0], 0.0)["all"].confidence
    for i, frame in enumerate(frames[1:], start=1):
        last = counter.update(frame, i / 2.5)["all"].confidence
    assert 0 < first < last <= 1


def test_a_sudden_change_of_the_whole_image_has_low_confidence() -> None:
    counter = OccupancyCounter((ZoneSpec("all"),), width=320, background_seconds=10)
    frames = footage(3, 8)
    for i, frame in enumerate(frames):
        counter.update(frame, i / 2.5)
    dark = (frames[-1] * 0.3).astype(np.uint8)  # the lights went off
    assert counter.update(dark, 9.0)["all"].confidence <= 0.1


def test_hog_needs_no_history_and_finds_nobody_on_an_empty_floor() -> None:
    empty = floor(640, 480, np.random.default_rng(1))
    estimate = HogCounter((ZoneSpec("all"),)).update(empty, 0.0)["all"]
    assert estimate.count == 0


def test_after_the_lights_change_the_background_is_learnt_again() -> None:
    counter = OccupancyCounter((ZoneSpec("all"),), width=320, background_seconds=60)
    rng = np.random.default_rng(9)
    background = floor(640, 480, rng)
    crowd = walkers(4, 640, 480, rng)
    for i in range(30):  # 12 s in normal light
        counter.update(draw(background, crowd, rng), i / 2.5)
        for p in crowd:
            p.step(640, 480, 0.4)
    dimmed = (background * 0.55).astype(np.uint8)  # half the lights switched off, for good
    seen = []
    for i in range(60):  # 24 s later
        seen.append(counter.update(draw(dimmed, crowd, rng), 12 + i / 2.5)["all"])
        for p in crowd:
            p.step(640, 480, 0.4)
    assert seen[0].confidence <= 0.1  # the moment of the change is not trusted
    assert abs(statistics.median(e.count for e in seen[-10:]) - 4) <= 1, [e.count for e in seen]
    assert seen[-1].confidence > 0.1


def test_hog_detections_count_in_the_zone_holding_their_centre(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = HogCounter((LEFT, RIGHT))
    boxes = np.array([[10, 100, 64, 128], [200, 50, 64, 128], [400, 300, 64, 128]])  # centres x 42, 232, 432
    monkeypatch.setattr(counter, "detect", lambda image: (boxes, np.array([1.2, 0.8, 2.0])))
    result = counter.update(np.zeros((480, 640, 3), np.uint8), 0.0)
    assert (result["left"].count, result["right"].count) == (2, 1)
    assert result["right"].confidence == pytest.approx(1 / (1 + np.exp(-2.0)), abs=1e-3)


def test_hybrid_takes_the_larger_count_and_the_lower_confidence(monkeypatch: pytest.MonkeyPatch) -> None:
    from gdesk_counter.counting import Estimate

    hybrid = make_counter("hybrid", (LEFT,))
    assert hybrid.needs_sequence
    monkeypatch.setattr(hybrid.occupancy, "update", lambda f, t: {"left": Estimate(3, 0.9)})
    monkeypatch.setattr(hybrid.hog, "update", lambda f, t: {"left": Estimate(5, 0.6)})
    assert hybrid.update(np.zeros((48, 64, 3), np.uint8), 0.0) == {"left": Estimate(5, 0.6)}


def test_video_frames_are_sampled_in_video_time(tmp_path: Path) -> None:
    path = write_video(tmp_path / "v.avi", 2, seconds=3, fps=10)
    sampled = list(video_frames(path, every_seconds=0.5))
    assert [index for index, _, _ in sampled] == [0, 5, 10, 15, 20, 25]
    assert [at for _, at, _ in sampled] == pytest.approx([0, 0.5, 1.0, 1.5, 2.0, 2.5])
