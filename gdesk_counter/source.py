"""Frames from a camera index, an RTSP/HTTP URL or a video file, sampled at a fixed rate.

Frames stay in memory: nothing here writes an image anywhere.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger("gdesk_counter.source")


class SourceError(RuntimeError):
    """The camera or file cannot be opened or stopped giving frames."""


def is_file(source: str) -> bool:
    return not source.isdigit() and "://" not in source


def open_capture(source: str) -> cv2.VideoCapture:
    capture = cv2.VideoCapture(int(source) if source.isdigit() else source)
    if not capture.isOpened():
        raise SourceError(f"cannot open the video source {source!r}")
    return capture


def video_frames(path: str | Path, every_seconds: float) -> Iterator[tuple[int, float, np.ndarray]]:
    """(frame index, seconds into the video, frame) every ``every_seconds`` of video time."""
    capture = open_capture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    if not 1.0 <= fps <= 240.0:
        fps = 25.0
    next_at = 0.0
    index = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            at = index / fps
            if at + 1e-9 >= next_at:
                yield index, at, frame
                next_at += every_seconds
            index += 1
    finally:
        capture.release()


def file_frames(path: str, every_seconds: float, stop: Callable[[], bool],
                realtime: bool = True) -> Iterator[tuple[float, np.ndarray]]:
    """A video file played once at its own speed (or as fast as possible): (wall-clock time, frame)."""
    started = time.monotonic()
    for _, at, frame in video_frames(path, every_seconds):
        if stop():
            return
        wait = started + at - time.monotonic()
        if realtime and wait > 0:
            time.sleep(wait)
        yield time.time(), frame


def camera_frames(source: str, every_seconds: float, stop: Callable[[], bool],
                  reopen_after: float = 10.0) -> Iterator[tuple[float, np.ndarray]]:
    """A camera or stream: every frame is grabbed (the driver's buffer stays drained, no stale
    frames), only the sampled ones are decoded. Raises SourceError when frames stop coming."""
    capture = open_capture(source)
    try:
        last = 0.0
        last_frame = time.monotonic()
        while not stop():
            ok = capture.grab()
            now = time.monotonic()
            if not ok:
                if now - last_frame > reopen_after:
                    raise SourceError(f"no frame from {source!r} for {reopen_after:.0f} s")
                time.sleep(0.05)
                continue
            last_frame = now
            if now - last >= every_seconds:
                ok, frame = capture.retrieve()
                if ok:
                    last = now
                    yield time.time(), frame
    finally:
        capture.release()


def live_frames(source: str, every_seconds: float, stop: Callable[[], bool], realtime_files: bool = True,
                loop: bool = False) -> Iterator[tuple[float, np.ndarray]]:
    """(wall-clock time, frame) about every ``every_seconds`` while ``stop()`` is false.

    A camera or stream that cannot be opened or stops giving frames is reopened with backoff (and
    logged); while it is down nothing is counted, so nothing is reported and /cafeteria shows the
    camera as silent. A file is played at its own speed (``realtime_files``), once or in a ``loop``."""
    delay = 1.0
    while not stop():
        try:
            if is_file(source):
                yield from file_frames(source, every_seconds, stop, realtime_files)
                if not loop:
                    return
                continue
            for item in camera_frames(source, every_seconds, stop):
                delay = 1.0
                yield item
        except SourceError as exc:
            log.error("camera: %s; retrying in %.0f s", exc, delay)
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and not stop():
                time.sleep(0.2)
            delay = min(60.0, delay * 2)
