"""Counting people in zones of a camera image: the methods compared in ``bench/counter.py``.

- ``occupancy`` (the default, chosen by measurement): the background is the per-pixel *median* of
  frames sampled over a long window (``background_seconds``, default 5 minutes), so people walking
  through never become background. Pixels that have differed from the background for less than
  half the window are not sampled (the background's value is kept there), so someone standing
  still in the queue is counted for that long (2.5 minutes by default; a queue moves on long
  before); a chair moved for good is absorbed after it. What differs from the
  background is cut into blobs; each blob counts as ``round(area / person_area(y))`` people, at
  least one, where ``person_area(y)`` is a perspective model (log area linear in the image row)
  fitted to the blobs this camera has seen itself — no per-scene numbers to set. Crowded,
  merged blobs are therefore counted by their size rather than as one.
- ``hog``: OpenCV's built-in HOG + linear SVM pedestrian detector (Dalal–Triggs), per frame; no
  history, so it also works on single images; it needs upright people at least ~64×128 px.
- ``hybrid``: per zone the larger of the two (HOG keeps people the background has absorbed).

Only OpenCV and NumPy: nothing is downloaded, CPU only.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from gdesk_counter.config import ZoneSpec


@dataclass(frozen=True)
class Estimate:
    count: int
    confidence: float


class Counter(Protocol):
    needs_sequence: bool

    def update(self, frame: np.ndarray, t: float) -> dict[str, Estimate]: ...


def scale_frame(frame: np.ndarray, width: int) -> np.ndarray:
    h, w = frame.shape[:2]
    if w == width:
        return frame
    return cv2.resize(frame, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def polygon_pixels(zone: ZoneSpec, w: int, h: int) -> np.ndarray:
    return np.array([[round(x * (w - 1)), round(y * (h - 1))] for x, y in zone.polygon], np.int32)


class ZoneMasks:
    """The zones' polygons rasterised at the processing size (rebuilt if the size changes)."""

    def __init__(self, zones: tuple[ZoneSpec, ...]) -> None:
        self.zones = zones
        self._shape: tuple[int, int] | None = None
        self.masks: dict[str, np.ndarray] = {}

    def at(self, shape: tuple[int, int]) -> dict[str, np.ndarray]:
        if shape != self._shape:
            h, w = shape
            self.masks = {}
            for zone in self.zones:
                mask = np.zeros((h, w), np.uint8)
                cv2.fillPoly(mask, [polygon_pixels(zone, w, h)], 1)
                self.masks[zone.id] = mask
            self._shape = shape
        return self.masks


class PersonSize:
    """Expected blob area of one person at image row y, learnt from the blobs this camera sees.

    log(area) = a + b·y, fitted by least squares with two rounds of trimming (merged groups and
    fragments are the outliers); until enough blobs were seen, a default of a person about 12 % of
    the image height tall."""

    def __init__(self, height: int, history: int = 4000, min_blobs: int = 40) -> None:
        self.height = height
        self.rows: deque[float] = deque(maxlen=history)
        self.log_areas: deque[float] = deque(maxlen=history)
        self.min_blobs = min_blobs
        default = (0.12 * height) ** 2 * 0.45
        self.coef = (float(np.log(default)), 0.0)
        self._since_fit = 0

    def observe(self, rows: np.ndarray, areas: np.ndarray) -> None:
        self.rows.extend(rows.tolist())
        self.log_areas.extend(np.log(areas).tolist())
        self._since_fit += len(rows)
        if len(self.rows) >= self.min_blobs and self._since_fit >= 20:
            self._fit()

    def _fit(self) -> None:
        self._since_fit = 0
        y = np.asarray(self.rows)
        a = np.asarray(self.log_areas)
        keep = np.ones(len(y), bool)
        coef = np.array(self.coef)
        for _ in range(3):
            if keep.sum() < 10:
                break
            design = np.vstack([np.ones(int(keep.sum())), y[keep]]).T
            coef = np.linalg.lstsq(design, a[keep], rcond=None)[0]
            residual = np.abs(a - (coef[0] + coef[1] * y))
            keep = residual <= 1.5 * np.median(residual) + 1e-6
        # a person never shrinks by more than ×8 from bottom to top of the image
        slope_limit = np.log(8.0) / self.height
        self.coef = (float(coef[0]), float(np.clip(coef[1], -slope_limit, slope_limit)))

    def area(self, rows: np.ndarray) -> np.ndarray:
        return np.exp(self.coef[0] + self.coef[1] * rows)

    @property
    def learnt(self) -> bool:
        return len(self.rows) >= self.min_blobs


DISTURBED_FRACTION = 0.5  # more of the image than this differs: counts are not to be trusted
RELEARN_FRACTION = 0.8  # more than this: not people any more (lights, a moved camera); start again


class OccupancyCounter:
    needs_sequence = True

    def __init__(self, zones: tuple[ZoneSpec, ...], width: int = 640, background_seconds: float = 300.0,
                 background_samples: int = 31, threshold: float = 25.0, min_fraction: float = 0.3) -> None:
        self.width = width
        self.masks = ZoneMasks(zones)
        self.background_seconds = background_seconds
        self.capacity = background_samples
        self.samples: deque[np.ndarray] = deque(maxlen=background_samples)
        self.sample_every = background_seconds / background_samples
        self.threshold = threshold
        self.min_fraction = min_fraction
        self.background: np.ndarray | None = None
        self.size: PersonSize | None = None
        self._last_sample: float | None = None
        self._foreground_since: np.ndarray | None = None  # per pixel: when it last turned foreground
        self._open = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        self._close = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))

    @property
    def warming_up(self) -> bool:
        return len(self.samples) < self.capacity // 2

    def _sample_background(self, grey: np.ndarray, mask: np.ndarray | None, t: float) -> None:
        # While warming up, sample five times faster so the first minute already has a usable
        # median; the warm-up takes every pixel (it must heal the ghosts of a first frame with
        # people in it), later samples keep recent foreground out (people standing in the queue).
        every = self.sample_every / 5 if self.warming_up else self.sample_every
        if self._last_sample is not None and t - self._last_sample < every:
            return
        self._last_sample = t
        sample = grey
        if mask is not None and self.background is not None and not self.warming_up:
            assert self._foreground_since is not None
            recent = (mask > 0) & (t - self._foreground_since < self.background_seconds / 2)
            sample = np.where(recent, self.background, grey)
        self.samples.append(sample)
        self.background = np.median(np.stack(self.samples), axis=0).astype(np.uint8)

    def _track_foreground(self, mask: np.ndarray, t: float) -> None:
        if self._foreground_since is None or self._foreground_since.shape != mask.shape:
            self._foreground_since = np.full(mask.shape, np.inf, np.float64)
        on = mask > 0
        self._foreground_since[~on] = np.inf
        self._foreground_since[on & np.isinf(self._foreground_since)] = t

    def foreground(self, grey: np.ndarray) -> np.ndarray:
        assert self.background is not None
        differs = (cv2.absdiff(grey, self.background) > self.threshold).astype(np.uint8)
        mask = cv2.morphologyEx(differs, cv2.MORPH_OPEN, self._open)
        return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, self._close)

    def update(self, frame: np.ndarray, t: float) -> dict[str, Estimate]:
        image = scale_frame(frame, self.width)
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        grey = cv2.GaussianBlur(grey, (3, 3), 0)
        if self.size is None:
            self.size = PersonSize(grey.shape[0])
        if self.background is None or self.background.shape != grey.shape:
            self.samples.clear()
            self._sample_background(grey, None, t)
        mask = self.foreground(grey)
        changed = float(mask.mean())
        if changed > RELEARN_FRACTION:  # the lights changed or the camera moved: learn anew
            self.samples.clear()
            self._last_sample = None
            self._sample_background(grey, None, t)
            mask = self.foreground(grey)
        self._track_foreground(mask, t)
        self._sample_background(grey, mask, t)
        n, labels, stats, centroids = cv2.connectedComponentsWithStats(mask)
        areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
        cy = centroids[1:, 1]
        big = areas >= 20
        self.size.observe(cy[big], areas[big])
        expected = self.size.area(cy)
        people = np.where(areas >= self.min_fraction * expected, np.maximum(1, np.rint(areas / expected)), 0)
        warm = len(self.samples) / self.capacity
        # most of the image differs from the background: relearning, or a sudden change
        disturbed = changed > DISTURBED_FRACTION or self.warming_up and len(self.samples) < 3
        result = {}
        for zone_id, zone_mask in self.masks.at(grey.shape).items():
            # a blob on a zone's edge (a group standing across the line) is shared by its pixels
            share = np.bincount(labels[zone_mask > 0], minlength=n)[1:] / np.maximum(areas, 1)
            counted = people * share
            total = int(np.rint(counted.sum()))
            present = counted > 0.5
            single = float((people[present] == 1).sum()) / max(1, int(present.sum()))
            confidence = (0.5 + 0.5 * warm) * (0.6 + 0.4 * single) * (0.9 if self.size.learnt else 0.6)
            result[zone_id] = Estimate(total, 0.1 if disturbed else round(confidence, 3))
        return result


class HogCounter:
    needs_sequence = False

    def __init__(self, zones: tuple[ZoneSpec, ...], width: int = 640, min_weight: float = 0.3) -> None:
        self.width = width
        self.masks = ZoneMasks(zones)
        self.min_weight = min_weight
        self.hog = cv2.HOGDescriptor()
        self.hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())  # type: ignore[attr-defined]

    def detect(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rects, weights = self.hog.detectMultiScale(image, winStride=(8, 8), padding=(8, 8), scale=1.05)
        if len(rects) == 0:
            return np.zeros((0, 4), int), np.zeros(0)
        scores = np.asarray(weights, float).reshape(-1)
        keep = scores >= self.min_weight
        return np.asarray(rects)[keep], scores[keep]

    def update(self, frame: np.ndarray, t: float) -> dict[str, Estimate]:
        image = scale_frame(frame, self.width)
        rects, weights = self.detect(image)
        h, w = image.shape[:2]
        result = {}
        for zone_id, zone_mask in self.masks.at((h, w)).items():
            cx = np.clip(rects[:, 0] + rects[:, 2] // 2, 0, w - 1)
            cy = np.clip(rects[:, 1] + rects[:, 3] // 2, 0, h - 1)
            inside = zone_mask[cy, cx] > 0 if len(rects) else np.zeros(0, bool)
            scores = 1 / (1 + np.exp(-weights[inside])) if inside.any() else np.zeros(0)
            confidence = float(scores.mean()) if len(scores) else 0.5
            result[zone_id] = Estimate(int(inside.sum()), round(confidence, 3))
        return result


class HybridCounter:
    needs_sequence = True

    def __init__(self, zones: tuple[ZoneSpec, ...], width: int = 640,
                 background_seconds: float = 300.0) -> None:
        self.occupancy = OccupancyCounter(zones, width, background_seconds)
        self.hog = HogCounter(zones, width)

    def update(self, frame: np.ndarray, t: float) -> dict[str, Estimate]:
        by_size = self.occupancy.update(frame, t)
        detected = self.hog.update(frame, t)
        return {z: Estimate(max(by_size[z].count, detected[z].count),
                            min(by_size[z].confidence, detected[z].confidence)) for z in by_size}


def make_counter(method: str, zones: tuple[ZoneSpec, ...], width: int = 640,
                 background_seconds: float = 300.0) -> Counter:
    if method == "occupancy":
        return OccupancyCounter(zones, width, background_seconds)
    if method == "hog":
        return HogCounter(zones, width)
    if method == "hybrid":
        return HybridCounter(zones, width, background_seconds)
    raise ValueError(f"unknown method {method!r}")
