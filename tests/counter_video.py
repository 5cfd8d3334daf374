"""Synthetic camera footage for the counter's tests: a tiled floor seen from above with ``people``
(dark bodies with a head) walking about, written as a small video file with OpenCV.

No real footage in tests: the figures' positions are known, so the true count per zone is too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np


@dataclass
class Walker:
    x: float
    y: float
    vx: float
    vy: float
    shade: int

    def step(self, w: int, h: int, dt: float) -> None:
        self.x += self.vx * dt
        self.y += self.vy * dt
        if not 40 <= self.x <= w - 40:
            self.vx = -self.vx
            self.x = min(max(self.x, 40), w - 40)
        if not 50 <= self.y <= h - 50:
            self.vy = -self.vy
            self.y = min(max(self.y, 50), h - 50)


def floor(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    image = np.full((h, w, 3), 205, np.uint8)
    image[::40, :] = 170
    image[:, ::60] = 170
    noise = rng.normal(0, 4, (h, w, 1)).astype(np.int16)
    return np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def draw(background: np.ndarray, walkers: list[Walker], rng: np.random.Generator) -> np.ndarray:
    frame = background.copy()
    for p in walkers:
        x, y = round(p.x), round(p.y)
        cv2.ellipse(frame, (x, y + 6), (11, 24), 0, 0, 360, (p.shade,) * 3, -1)
        cv2.circle(frame, (x, y - 24), 8, (p.shade // 2,) * 3, -1)
    return cv2.add(frame, _noise(frame.shape, int(rng.integers(0, 8))))  # sensor noise


_NOISE: dict[tuple[tuple[int, ...], int], np.ndarray] = {}


def _noise(shape: tuple[int, ...], which: int) -> np.ndarray:
    """One of eight fixed noise images (drawing fresh noise for every frame is the slow part)."""
    key = (shape, which)
    if key not in _NOISE:
        _NOISE[key] = np.random.default_rng(which).integers(0, 5, shape, dtype=np.uint8)
    return _NOISE[key]


def walkers(count: int, w: int, h: int, rng: np.random.Generator, speed: float = 60.0,
            region: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)) -> list[Walker]:
    x0, y0, x1, y1 = region
    out = []
    for _ in range(count):
        angle = rng.uniform(0, 2 * np.pi)
        out.append(Walker(rng.uniform(x0 * w + 40, x1 * w - 40), rng.uniform(y0 * h + 50, y1 * h - 50),
                          speed * np.cos(angle), speed * np.sin(angle), int(rng.integers(30, 90))))
    return out


def write_video(path: Path, people: int, seconds: float, fps: float = 10.0,
                size: tuple[int, int] = (640, 480), seed: int = 7, still: int = 0) -> Path:
    """``people`` walkers, of which the first ``still`` stand still the whole time."""
    rng = np.random.default_rng(seed)
    w, h = size
    background = floor(w, h, rng)
    crowd = walkers(people, w, h, rng)
    for p in crowd[:still]:
        p.vx = p.vy = 0.0
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened()
    for _ in range(round(seconds * fps)):
        writer.write(draw(background, crowd, rng))
        for p in crowd:
            p.step(w, h, 1.0 / fps)
    writer.release()
    return path
