"""The camera counter's methods against hand counts of real footage (bench/data/counter-labels.json).

    python bench/counter.py [--video PATH]

For each method: mean absolute error and MAPE of the per-zone count against the labels, frames/s on
one core at 640×480 (CPU time of ``update`` per frame, one thread), and the peak resident memory of
a fresh process that runs only that method. The clip (../shared/data/people) is not part of the
repository; without it the benchmark says so and exits 0.

The clip is 14 s long, shorter than one background window (5 minutes by default). The occupancy
method's background is therefore primed with 31 frames sampled evenly over the whole clip — the
state a counter is in after watching this scene for one window — and then every frame is counted
in order. Priming uses frames after a labelled one (a real counter's window only holds the past),
which flatters the first labelled frame; the stationary group of five is in the primed background
as it would be in a real one. ``occupancy-cold`` is the same method without priming: it learns its
background from the clip as it plays (a counter just started, with people already in view).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LABELS = ROOT / "bench/data/counter-labels.json"
# ../shared beside the checkout (a worktree sits one level deeper); GDESK_PEOPLE_VIDEO overrides
VIDEO = next((p for p in (Path(os.environ.get("GDESK_PEOPLE_VIDEO", "/nonexistent")),
                          ROOT.parent / "shared/data/people/plaza-overhead.avi",
                          ROOT.parent.parent / "shared/data/people/plaza-overhead.avi") if p.exists()),
             ROOT.parent / "shared/data/people/plaza-overhead.avi")
METHODS = ("occupancy", "occupancy-cold", "hog", "hybrid")  # -cold: no priming, learnt from the clip


def read_frames(path: Path) -> Iterator[Any]:
    """The clip's frames at 640×360, one at a time (never all in memory: peak memory is the method's)."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            yield cv2.resize(frame, (640, 360), interpolation=cv2.INTER_AREA)
    finally:
        capture.release()


def run_method(method: str, video: Path) -> dict:
    """Counts every frame in order with one method; returns errors and timings (one process)."""
    import cv2
    import numpy as np

    from gdesk_counter.config import ZoneSpec
    from gdesk_counter.counting import OccupancyCounter, make_counter

    cv2.setNumThreads(1)
    doc = json.loads(LABELS.read_text(encoding="utf-8"))
    zones = tuple(ZoneSpec(z, tuple(tuple(p) for p in poly)) for z, poly in doc["zones"].items())
    labels = {row["frame"]: row["counts"] for row in doc["labels"]}
    total = sum(1 for _ in read_frames(video))
    fps_video = 25.0
    cold = method.endswith("-cold")
    method = method.removesuffix("-cold")
    counter = make_counter(method, zones, width=640, background_seconds=total / fps_video)
    occupancy = counter if isinstance(counter, OccupancyCounter) else getattr(counter, "occupancy", None)
    if occupancy is not None and not cold:
        step = max(1, total // occupancy.capacity)
        for index, frame in enumerate(read_frames(video)):
            if index % step == 0 and len(occupancy.samples) < occupancy.capacity:
                occupancy.samples.append(cv2.GaussianBlur(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), (3, 3), 0))
        occupancy.background = np.median(np.stack(occupancy.samples), axis=0).astype(np.uint8)
        occupancy._last_sample = float("inf")  # primed: no more background samples in this short run
    errors, relative, rows = [], [], []
    fresh = make_counter(method, zones, width=640, background_seconds=300.0)  # timed on 640×480 frames
    cpu, timed = 0.0, 0
    for index, frame in enumerate(read_frames(video)):
        estimates = counter.update(frame, index / fps_video)
        if index in labels:
            for zone, truth in labels[index].items():
                got = estimates[zone].count
                errors.append(abs(got - truth))
                relative.append(abs(got - truth) / truth)
                rows.append((index, zone, truth, got, estimates[zone].confidence))
        if index % 2 == 0 and timed < 100:
            letterboxed = cv2.copyMakeBorder(frame, 60, 60, 0, 0, cv2.BORDER_REPLICATE)  # the clip at 4:3
            started = time.process_time()
            fresh.update(letterboxed, index / fps_video)
            if index >= 40:  # after the warm-up (first background samples, first perspective fit)
                cpu += time.process_time() - started
                timed += 1
    cpu /= max(1, timed)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    name = method + ("-cold" if cold else "")
    return {"method": name, "mae": sum(errors) / len(errors), "mape": 100 * sum(relative) / len(relative),
            "max_error": max(errors), "fps": 1 / cpu, "peak_mb": peak_mb, "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=VIDEO)
    parser.add_argument("--one", choices=METHODS, help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()
    if not args.video.exists():
        print(f"counter benchmark skipped: {args.video} is not here (it is not part of the repository)")
        return 0
    if args.one:
        print(json.dumps(run_method(args.one, args.video)))
        return 0
    results = []
    for method in METHODS:  # one fresh process each, so peak memory is the method's own
        out = subprocess.run([sys.executable, __file__, "--one", method, "--video", str(args.video)],
                             capture_output=True, text=True, check=True,
                             env={**os.environ, "OMP_NUM_THREADS": "1"})
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["labels"]
    print(f"Counter on `plaza-overhead.avi` ({len(labels)} labelled frames × 4 zones, 3–19 people a zone; "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, one thread)\n")
    print("| method | MAE (people) | MAPE | worst zone error | frames/s, one core, 640×480 "
          "| peak memory MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['method']} | {r['mae']:.2f} | {r['mape']:.0f} % | {r['max_error']} | {r['fps']:.1f} | "
              f"{r['peak_mb']:.0f} |")
    print("\nPer zone (frame, zone, hand count → each method):\n")
    print("| frame | zone | label | " + " | ".join(r["method"] for r in results) + " |")
    print("|---:|---|---:|" + "---:|" * len(results))
    for i, row in enumerate(results[0]["rows"]):
        counts = " | ".join(str(r["rows"][i][3]) for r in results)
        print(f"| {row[0]} | {row[1]} | {row[2]} | {counts} |")
    print(f"\nLoad average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
