"""My Photo benchmarks: `python bench/photos.py [--runs N] [--uploads N]` prints Markdown tables.

1. A 4000×3000 camera JPEG (orientation 6, GPS) → web variant + thumbnail, with and without
   ``Image.draft()``: p50/p90 wall time and the peak memory of a fresh process doing it
   (``ru_maxrss`` after minus before the first photo, so interpreter and imports are not counted;
   Pillow allocates outside the Python heap, which tracemalloc would not see).
2. A 12 MP HEIC (the iPhone 13 Pro Max sample when the shared data is present, else generated).
3. Upload-to-visible on the local cloud: moto server, the template's resources, the API over HTTP,
   the S3 → SQS → processor driver (1 s long poll, as `gdesk up` runs it). Per photo: the time
   from the presigned POST being accepted by S3 until GET /photos (polled every 50 ms) shows it
   ready. The desktop page polls every 1 s, so it shows the photo at most ~1 s after that.
Not a test; `bench/run_all.py` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEIC_SAMPLE = ROOT.parent / "shared" / "data" / "photos" / "heic" / "mobile" / "iphone_13_pro_max.heic"

_WORKER = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from chalicelib.photos import imaging
import PIL.Image, pillow_heif  # imports are not the photo's memory
pillow_heif.register_heif_opener()
data = Path(sys.argv[2]).read_bytes()
use_draft = sys.argv[3] == "1"
runs = int(sys.argv[4])
def hwm():  # VmHWM: this process's own peak (ru_maxrss keeps the parent's peak across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
before = hwm()
cpu = []
times = []
for _ in range(runs):
    started, started_cpu = time.perf_counter(), time.process_time()
    result = imaging.process(data, use_draft=use_draft)
    times.append((time.perf_counter() - started) * 1000)
    cpu.append((time.process_time() - started_cpu) * 1000)
after = hwm()
print(json.dumps({"times": times, "cpu": cpu, "peak_mb": (after - before) / 1024, "rss_mb": after / 1024,
                  "web": [result.web.width, result.web.height]}))
"""


def _measure(data: bytes, use_draft: bool, runs: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".img") as fh:
        fh.write(data)
        fh.flush()
        out = subprocess.run([sys.executable, "-c", _WORKER, str(ROOT), fh.name, "1" if use_draft else "0",
                              str(runs)], capture_output=True, text=True, check=True, timeout=600)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    times = sorted(result["times"])
    return {"p50": statistics.median(times), "p90": times[int(len(times) * 0.9) - 1] if len(times) >= 10
            else times[-1], "cpu_p50": statistics.median(result["cpu"]), "peak_mb": result["peak_mb"],
            "rss_mb": result["rss_mb"]}


def _row(label: str, mode: str, m: dict[str, float]) -> str:
    return (f"| {label} | {mode} | {m['p50']:.0f} | {m['p90']:.0f} | {m['cpu_p50']:.0f} | {m['peak_mb']:.0f} "
            f"| {m['rss_mb']:.0f} |")


REAL_PHOTO = ROOT.parent / "shared" / "data" / "photos" / "jpg" / "corrupted.jpg"  # a 10 MP Olympus photo


def _camera_jpeg() -> tuple[bytes, str]:
    """A 4000×3000 camera-like JPEG: the real 10 MP sample scaled up when the shared data is there
    (real photo content compresses like a camera file), else a noisy gradient (a harder case)."""
    from PIL import Image

    from tests import photo_samples as ps

    if REAL_PHOTO.is_file():
        scene = Image.open(REAL_PHOTO).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
        return ps.jpeg(scene, orientation=6, gps=True, quality=92), "real photo content"
    return ps.jpeg(_scene(4000, 3000), orientation=6, gps=True, quality=92), "generated noise"


def _scene(width: int, height: int):  # type: ignore[no-untyped-def]
    """A photo-like picture (gradients and noise compress like a camera file, unlike flat colour)."""
    from PIL import Image

    noise = Image.effect_noise((width, height), 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    return Image.blend(noise, gradient, 0.6)


def _heic() -> tuple[bytes, str]:
    if HEIC_SAMPLE.is_file():
        return HEIC_SAMPLE.read_bytes(), "iPhone 13 Pro Max sample, 4032×3024"
    import io

    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    _scene(4032, 3024).save(out, "HEIF", quality=80)
    return out.getvalue(), "generated 4032×3024"


def image_benchmarks(runs: int) -> list[str]:
    jpeg, content = _camera_jpeg()
    drafted = _measure(jpeg, True, runs)
    full = _measure(jpeg, False, runs)
    heic, heic_label = _heic()
    heif = _measure(heic, True, max(3, runs // 3))
    rows = [
        "| input | mode | p50 ms (wall) | p90 ms (wall) | p50 ms (CPU) | peak memory MB (photo) "
        "| process peak MB |",
        "|---|---|---:|---:|---:|---:|---:|",
        _row(f"4000×3000 JPEG ({content}, {len(jpeg) // 1024} kB, orientation 6, GPS)", "draft()", drafted),
        _row("same", "without draft()", full),
        _row(f"12 MP HEIC ({heic_label}, {len(heic) // 1024} kB)", "(HEIF has no draft)", heif),
        "",
        f"Without draft() / with: ×{full['p50'] / drafted['p50']:.1f} time (p50 wall), "
        f"×{full['cpu_p50'] / drafted['cpu_p50']:.1f} CPU, "
        f"×{full['peak_mb'] / max(drafted['peak_mb'], 1):.1f} memory; {runs} runs each; load average "
        f"during the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        "(wall time includes waiting for a CPU; CPU time does not).",
    ]
    return rows


def upload_to_visible(uploads: int) -> list[str]:
    import threading

    import requests

    from chalicelib import devissuer
    from infra.local.cloud import LocalCloud
    from infra.local.moto_server import free_port
    from tests import photo_samples as ps

    os.environ.pop("AWS_ENDPOINT_URL", None)
    home = tempfile.mkdtemp(prefix="gdesk-bench-photos-")
    cloud = LocalCloud(home=home, aws_port=free_port(), api_port=free_port(), stack_name="gdesk-bench")
    stop = threading.Event()
    try:
        cloud.start_endpoint()
        cloud.create_resources()
        cloud.start_api()
        runtime = cloud.runtime
        assert runtime is not None

        def drive() -> None:
            while not stop.is_set():
                try:
                    runtime.drive_sqs_once("PhotoProcessorFunction", 1)
                except Exception:  # noqa: BLE001 - keep driving, like gdesk up
                    time.sleep(0.1)

        driver = threading.Thread(target=drive, daemon=True)
        driver.start()
        headers = {"Authorization": f"Bearer {devissuer.issue_token(home, 'E1001')}"}
        data = ps.jpeg(_scene(4000, 3000), orientation=6, gps=True, quality=92)
        small = ps.jpeg(_scene(1600, 1200), orientation=6, gps=True)
        results: dict[str, list[float]] = {"12 MP JPEG": [], "2 MP JPEG": []}
        with requests.Session() as http:
            http.trust_env = False
            for i in range(uploads * 2):
                label, body = ("12 MP JPEG", data) if i % 2 == 0 else ("2 MP JPEG", small)
                request: dict[str, Any] = {"filename": "bench.jpg", "content_type": "image/jpeg",
                                           "size": len(body)}
                started = http.post(f"{cloud.api_url}/photos/uploads", headers=headers, json=request,
                                    timeout=10).json()
                upload = started["upload"]
                response = http.post(upload["url"], data=upload["fields"],
                                     files={"file": ("bench.jpg", body, "image/jpeg")}, timeout=30)
                assert response.status_code in (200, 201, 204), response.text
                uploaded = time.perf_counter()
                photo_id = started["photo"]["photo_id"]
                while True:
                    page = http.get(f"{cloud.api_url}/photos?limit=1", headers=headers, timeout=10).json()
                    if page["photos"] and page["photos"][0]["photo_id"] == photo_id and \
                            page["photos"][0]["status"] == "ready":
                        break
                    if time.perf_counter() - uploaded > 30:
                        raise RuntimeError(f"photo {photo_id} not ready after 30 s")
                    time.sleep(0.05)
                results[label].append((time.perf_counter() - uploaded) * 1000)
    finally:
        stop.set()
        cloud.stop()
    rows = ["| upload (local cloud) | photos | p50 ms | max ms |", "|---|---:|---:|---:|"]
    for label, times in results.items():
        rows.append(f"| {label}, S3 accepted → ready in GET /photos | {len(times)} | "
                    f"{statistics.median(times):.0f} | {max(times):.0f} |")
    rows.append("")
    rows.append("The desktop page polls every 1 s (ETag/304), so it shows a photo at most ~1 s after this.")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="image runs per mode")
    parser.add_argument("--uploads", type=int, default=8, help="uploads per size on the local cloud")
    args = parser.parse_args()
    print("## My Photo: image processing\n")
    print("\n".join(image_benchmarks(args.runs)))
    print("\n## My Photo: upload to visible\n")
    print("\n".join(upload_to_visible(args.uploads)))


if __name__ == "__main__":
    main()
