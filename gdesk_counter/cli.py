"""``gdesk-counter``: count people in camera zones and put the counts on the cafeteria stream.

    gdesk-counter [run] --source 0|rtsp://…|video.mp4 --camera-id cam-korean-1 --zone korean[=x,y;…]
                  [--config counter.json] [--stream NAME] [--endpoint URL] [--interval 10]
    gdesk-counter count FILE... [--json] [--zone ID[=x,y;…]] [--sequence] [--method occupancy|hog|hybrid]
    gdesk-counter calibrate --source … [--config counter.json] [--out snapshot.png]

Command-line options override the configuration file (docs/counter.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from gdesk_counter.config import (
    ConfigError,
    CounterConfig,
    load_config_file,
    parse_zone_arg,
    validate,
)

COMMANDS = ("run", "count", "calibrate")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"}


class UsageError(Exception):
    pass


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="the counter's JSON configuration (camera, zones, stream)")
    parser.add_argument("--zone", action="append", default=None, metavar="ID[=x,y;x,y;…]",
                        help="a zone (repeatable); without points the whole frame; points are 0..1 fractions")
    parser.add_argument("--method", choices=("occupancy", "hog", "hybrid"), help="counting method")
    parser.add_argument("--width", type=int, help="frames are scaled to this width (default 640)")
    parser.add_argument("--background-seconds", type=float,
                        help="the background is the median of this much recent video (default 300)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gdesk-counter",
                                     description="G-Desk camera counter (only counts leave this PC)")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="count and send to the stream (the default command)")
    _common(run)
    run.add_argument("--source", help="camera index (0), rtsp:// or http:// URL, or a video file")
    run.add_argument("--camera-id", help="this camera's id in the stream records")
    run.add_argument("--stream", help="Kinesis stream name (default: the local cloud's DensityStream)")
    run.add_argument("--endpoint", help="AWS endpoint URL (e.g. http://127.0.0.1:4566 for gdesk up)")
    run.add_argument("--region", help="AWS region (default ap-northeast-2)")
    run.add_argument("--interval", type=float, help="seconds between reports per zone (default 10)")
    run.add_argument("--fps", type=float, help="frames counted per second (default 2)")
    run.add_argument("--spool", help="the on-disk buffer (default ~/.gdesk-counter/spool.sqlite)")
    run.add_argument("--duration", type=float, help="stop after this many seconds")
    run.add_argument("--loop", action="store_true", help="play a video file again and again")
    run.add_argument("--log-level", default="INFO")
    run.add_argument("--log-file", help="also log to this file (rotated at 5 MB, 3 kept); e.g. on Windows")
    count = sub.add_parser("count", help="print counts for images or video files (measuring mode)")
    _common(count)
    count.add_argument("files", nargs="+", metavar="FILE")
    count.add_argument("--json", action="store_true", help="one JSON line per image or sampled frame")
    count.add_argument("--sequence", action="store_true",
                       help="the images are consecutive frames of one camera (needed by occupancy/hybrid)")
    count.add_argument("--fps", type=float, default=2.0, help="video frames sampled per second (default 2)")
    count.add_argument("--interval", type=float, default=1.0,
                       help="seconds between two images of a --sequence (default 1)")
    calibrate = sub.add_parser("calibrate", help="save one snapshot with the zones drawn (stays on this PC)")
    _common(calibrate)
    calibrate.add_argument("--source", help="camera index, URL or video file")
    calibrate.add_argument("--out", default="gdesk-counter-calibration.png",
                           help="where to save the snapshot")
    return parser


def settings(args: argparse.Namespace) -> CounterConfig:
    config = load_config_file(args.config) if getattr(args, "config", None) else CounterConfig()
    overrides: dict[str, Any] = {}
    for option, name in (("source", "source"), ("camera_id", "camera_id"), ("stream", "stream"),
                         ("endpoint", "endpoint"), ("region", "region"), ("method", "method"),
                         ("width", "width"), ("background_seconds", "background_seconds"),
                         ("spool", "spool")):
        value = getattr(args, option, None)
        if value is not None:
            overrides[name] = value
    if args.command == "run":
        if args.interval is not None:
            overrides["report_seconds"] = args.interval
        if args.fps is not None:
            overrides["sample_fps"] = args.fps
    if args.zone:
        overrides["zones"] = tuple(parse_zone_arg(z) for z in args.zone)
    return validate(replace(config, **overrides))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv = ["run", *argv]
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = settings(args)
        if args.command == "count":
            return cmd_count(args, config)
        if args.command == "calibrate":
            return cmd_calibrate(args, config)
        return cmd_run(args, config)
    except (ConfigError, UsageError) as exc:
        print(f"gdesk-counter: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the camera, the disk: one clear line, not a traceback
        from gdesk_counter.source import SourceError

        if isinstance(exc, SourceError):
            print(f"gdesk-counter: error: {exc}", file=sys.stderr)
            return 1
        raise


# -- run ------------------------------------------------------------------------------------------

def cmd_run(args: argparse.Namespace, config: CounterConfig) -> int:
    from gdesk_counter.counting import make_counter
    from gdesk_counter.runner import run_service
    from gdesk_counter.sender import Sender, kinesis_client
    from gdesk_counter.source import is_file, live_frames
    from gdesk_counter.spool import Spool

    if is_file(config.source) and not Path(config.source).is_file():
        raise UsageError(f"{config.source}: no such video file (a camera is an index like 0 or a URL)")

    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if args.log_file:
        from logging.handlers import RotatingFileHandler

        handlers.append(RotatingFileHandler(args.log_file, maxBytes=5_000_000, backupCount=3,
                                            encoding="utf-8"))
    logging.basicConfig(level=args.log_level.upper(), handlers=handlers,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("gdesk_counter")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    deadline = time.monotonic() + args.duration if args.duration else None

    def stopping() -> bool:
        if deadline is not None and time.monotonic() >= deadline:
            stop.set()
        return stop.is_set()

    spool = Spool(config.spool, config.spool_max_records)
    sender = Sender(kinesis_client(config.region, config.endpoint), config.stream, spool,
                    config.max_record_age_seconds)
    counter = make_counter(config.method, config.zones, config.width, config.background_seconds)
    log.info("camera %s → %s (%s); zones %s; method %s; %d records waiting in the spool",
             config.camera_id, config.stream, config.endpoint or "AWS", ",".join(z.id for z in config.zones),
             config.method, len(spool))
    frames = live_frames(config.source, 1.0 / config.sample_fps, stopping, loop=args.loop)
    run_service(config, counter, frames, spool, sender)
    left = len(spool)
    spool.close()
    return 0 if left == 0 else 3


# -- count ----------------------------------------------------------------------------------------

def _inputs(files: list[str]) -> list[tuple[str, bool]]:
    """(path, is_image) for every argument; a missing file is a usage error before anything runs."""
    out = []
    for name in files:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"{name}: no such file")
        out.append((name, path.suffix.lower() in IMAGE_SUFFIXES))
    return out


def cmd_count(args: argparse.Namespace, config: CounterConfig) -> int:
    import cv2

    from gdesk_counter.counting import make_counter
    from gdesk_counter.source import video_frames

    inputs = _inputs(args.files)

    def make(method: str) -> Any:
        return make_counter(method, config.zones, config.width, config.background_seconds)

    counter = make(config.method)
    image_method = config.method
    if counter.needs_sequence and not args.sequence and any(is_image for _, is_image in inputs):
        # Independent images have no history to learn a background from: the per-image detector.
        if args.method:
            raise UsageError(f"the {config.method} method learns the background from consecutive frames: "
                             "give --sequence (the images are frames of one camera) or --method hog")
        image_method = "hog"
        print(f"gdesk-counter: single images are counted with hog ({config.method} needs --sequence)",
              file=sys.stderr)
    status = 0
    t = 0.0
    for name, is_image in inputs:
        if is_image:
            frame = cv2.imread(name, cv2.IMREAD_COLOR)
            if frame is None:
                print(f"gdesk-counter: error: {name}: not a readable image", file=sys.stderr)
                status = 1
                continue
            if not args.sequence:
                counter = make(image_method)
            _emit(args, name, 0, counter.update(frame, t))
            t += args.interval
            continue
        if not args.sequence:
            counter = make(config.method)
        seen = 0
        for index, at, frame in video_frames(name, 1.0 / args.fps):
            _emit(args, name, index, counter.update(frame, t + at))
            seen += 1
        if not seen:
            print(f"gdesk-counter: error: {name}: no frame could be read", file=sys.stderr)
            status = 1
    return status


def _emit(args: argparse.Namespace, name: str, frame: int, estimates: dict[str, Any]) -> None:
    for zone, estimate in estimates.items():
        row: dict[str, Any] = {"file": name, "frame": frame, "count": estimate.count,
                               "confidence": estimate.confidence}
        if args.zone:
            row["zone"] = zone
        if args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        else:
            print(f"{name}\tframe {frame}\t{zone}\t{estimate.count} people\t"
                  f"confidence {estimate.confidence:.2f}", flush=True)


# -- calibrate ------------------------------------------------------------------------------------

def cmd_calibrate(args: argparse.Namespace, config: CounterConfig) -> int:
    import cv2

    from gdesk_counter.counting import make_counter, polygon_pixels
    from gdesk_counter.source import is_file, open_capture

    capture = open_capture(config.source)
    frame = None
    try:
        for _ in range(1 if is_file(config.source) else 10):  # let a camera settle its exposure
            ok, grabbed = capture.read()
            if ok:
                frame = grabbed
    finally:
        capture.release()
    if frame is None:
        raise UsageError(f"no frame from {config.source!r}")
    estimates = make_counter("hog", config.zones, config.width).update(frame, 0.0)
    h, w = frame.shape[:2]
    for zone in config.zones:
        points = polygon_pixels(zone, w, h)
        cv2.polylines(frame, [points], True, (0, 0, 255), max(2, w // 320))
        x, y = points.min(axis=0)
        cv2.putText(frame, f"{zone.id}", (int(x) + 8, int(y) + 30), cv2.FONT_HERSHEY_SIMPLEX,
                    max(0.8, w / 800), (0, 0, 255), 2)
    out = Path(args.out)
    if not cv2.imwrite(str(out), frame):
        raise UsageError(f"cannot write {out}")
    print(f"snapshot with {len(config.zones)} zone(s) drawn: {out} ({w}×{h})")
    print("스냅샷은 이 PC에만 두고, 구역을 확인한 뒤 삭제하세요 "
          "(the snapshot shows people: keep it on this PC and delete it once the zones are checked).")
    for zone_id, estimate in estimates.items():
        print(f"  {zone_id}: HOG sees {estimate.count} upright people in this one frame")
    return 0


if __name__ == "__main__":
    sys.exit(main())
