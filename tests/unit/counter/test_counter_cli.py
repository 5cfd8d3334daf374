"""``gdesk-counter count`` (the measuring mode) and the command line's errors, in process."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from gdesk_counter.cli import main
from tests.counter_video import floor, write_video

Capture = pytest.CaptureFixture[str]


def lines(capsys: Capture) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_count_prints_one_json_line_per_sampled_frame(tmp_path: Path, capsys: Capture) -> None:
    video = write_video(tmp_path / "queue.avi", people=5, seconds=12, fps=5, size=(320, 240))
    assert main(["count", str(video), "--json", "--fps", "2", "--background-seconds", "6",
                 "--width", "320"]) == 0
    rows = lines(capsys)
    frames = [r["frame"] for r in rows]  # 60 frames at 5/s, sampled every 0.5 s of video
    assert len(frames) == 24 and frames[:4] == [0, 3, 5, 8] and frames == sorted(set(frames))
    assert set(rows[0]) == {"file", "frame", "count", "confidence"}
    assert all(r["file"] == str(video) and 0 <= r["confidence"] <= 1 for r in rows)
    assert abs(sorted(r["count"] for r in rows[-6:])[3] - 5) <= 1


def test_count_with_zones_labels_each_line(tmp_path: Path, capsys: Capture) -> None:
    video = write_video(tmp_path / "q.avi", people=3, seconds=4, fps=5, size=(320, 240))
    assert main(["count", str(video), "--json", "--zone", "a=0,0;0.5,0;0.5,1;0,1", "--zone", "b"]) == 0
    rows = lines(capsys)
    assert {r["zone"] for r in rows} == {"a", "b"}
    assert len({(r["frame"]) for r in rows}) * 2 == len(rows)


def test_images_as_a_sequence(tmp_path: Path, capsys: Capture) -> None:
    background = floor(320, 240, np.random.default_rng(2))
    names = []
    for i in range(4):
        frame = background.copy()
        if i == 3:
            # a person of the default size (12 % of the image height) until the camera has learnt its own
            cv2.ellipse(frame, (160, 120), (7, 15), 0, 0, 360, (40, 40, 40), -1)
        cv2.imwrite(str(tmp_path / f"f{i}.png"), frame)
        names.append(str(tmp_path / f"f{i}.png"))
    assert main(["count", *names, "--json", "--sequence", "--width", "320"]) == 0
    rows = lines(capsys)
    assert [r["file"] for r in rows] == names and [r["frame"] for r in rows] == [0, 0, 0, 0]
    assert [r["count"] for r in rows] == [0, 0, 0, 1]


def test_single_images_are_counted_by_the_detector(tmp_path: Path, capsys: Capture) -> None:
    for name in ("a.png", "b.jpg"):
        cv2.imwrite(str(tmp_path / name), floor(320, 240, np.random.default_rng(2)))
    files = [str(tmp_path / "a.png"), str(tmp_path / "b.jpg")]
    assert main(["count", *files, "--json"]) == 0
    captured = capsys.readouterr()
    assert "counted with hog" in captured.err
    assert [json.loads(line) for line in captured.out.splitlines()] == [
        {"file": f, "frame": 0, "count": 0, "confidence": 0.5} for f in files]
    assert main(["count", *files, "--json", "--method", "occupancy"]) == 2  # asked for explicitly: refused
    assert "--sequence" in capsys.readouterr().err


def test_bad_input_is_one_clear_line(tmp_path: Path, capsys: Capture) -> None:
    assert main(["count", str(tmp_path / "missing.avi")]) == 2
    missing = tmp_path / "missing.avi"
    assert capsys.readouterr().err.strip() == f"gdesk-counter: error: {missing}: no such file"
    (tmp_path / "broken.png").write_bytes(b"not a png")
    assert main(["count", str(tmp_path / "broken.png"), "--method", "hog"]) == 1
    assert "not a readable image" in capsys.readouterr().err
    assert main(["count", str(tmp_path / "broken.png"), "--zone", "Bad"]) == 2
    assert "zone id" in capsys.readouterr().err
    assert main(["run", "--camera-id", "no spaces allowed", "--source", "x.avi"]) == 2


def test_calibrate_writes_only_the_snapshot_asked_for(tmp_path: Path, capsys: Capture) -> None:
    video = write_video(tmp_path / "q.avi", people=2, seconds=1, fps=5, size=(320, 240))
    out = tmp_path / "snap" / "zones.png"
    out.parent.mkdir()
    assert main(["calibrate", "--source", str(video), "--zone", "korean=0.1,0.1;0.9,0.1;0.9,0.9;0.1,0.9",
                 "--out", str(out)]) == 0
    snapshot = cv2.imread(str(out))
    assert snapshot.shape == (240, 320, 3)
    assert (snapshot[:, :, 2] > 200).sum() > 200 and "korean" in capsys.readouterr().out  # the red outline
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["q.avi", "zones.png"]
