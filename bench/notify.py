"""Match → alert latency on the local cloud: the pipeline's hand-off to the messenger.

Starts the local cloud (moto server, the template's resources, the event-source drivers as
`gdesk up` runs them), seeds the demo profiles with the demo inbox, then hands new items to
``pipeline.on_new_items`` one at a time and measures until the signed webhook arrives at the inbox.
With the crawler's own delay (≤ one crawl interval from publication to ``on_new_items``), this is
the rest of "publication → alert".

    python bench/notify.py [--items 10]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10)
    args = parser.parse_args()

    from chalicelib import wiring
    from chalicelib.briefing.model import Item
    from chalicelib.briefing.notifying import new_item_matching as pipeline
    from infra.demo import briefing_profiles
    from infra.local.cloud import LocalCloud
    from infra.local.demo import DemoContext
    from infra.local.moto_server import free_port

    home = tempfile.mkdtemp(prefix="gdesk-bench-")
    cloud = LocalCloud(home=home, aws_port=free_port(), api_port=free_port(), stack_name="gdesk-bench")
    latencies, matching = [], []
    try:
        cloud.start_endpoint()
        stack = cloud.create_resources()
        ctx = DemoContext(stack=stack, api_url=cloud.api_url, home=home, runtime=cloud.runtime,
                          stop=cloud.stop_event)
        briefing_profiles.INBOX_PORT = 0
        lines = briefing_profiles.seed(ctx)
        inbox_url = lines[0].rsplit(" ", 1)[1]
        cloud.start_event_sources()
        time.sleep(1.5)  # the drivers' first idle poll
        import requests

        for n in range(args.items):
            item_id = secrets.token_hex(8)
            item = Item(item_id=item_id, url=f"https://www.korea.kr/briefing/{item_id}",
                        canonical_url=f"https://www.korea.kr/briefing/{item_id}",
                        title=f"국토교통부, 겨울철 도로 제설 대책 {n}차 점검",
                        text="폭설에 대비해 제설 장비와 포트홀 긴급 보수 체계를 점검했다.",
                        agency="국토교통부", source_id="bench", content_hash=item_id,
                        published_at="2024-12-02T09:00:00+09:00")
            started = time.perf_counter()
            pipeline.on_new_items([item], wiring.briefing_notify_store())
            matched = time.perf_counter()
            while time.perf_counter() - started < 60:
                got = requests.get(inbox_url + "messages.json", timeout=5).json()["messages"]
                if any(m["payload"].get("item_id") == item_id for m in got):
                    break
                time.sleep(0.02)
            else:
                print(f"item {n}: no alert within 60 s", file=sys.stderr)
                continue
            latencies.append(time.perf_counter() - started)
            matching.append(matched - started)
    finally:
        cloud.stop()
        for thread in threading.enumerate():
            if thread.name == "briefing-inbox":
                thread.join(timeout=5)
    if not latencies:
        print("no alert arrived")
        return 1
    print("| step | median | p95 | max |")
    print("|---|---:|---:|---:|")
    for label, values in (("on_new_items (match 3 profiles, store, enqueue)", matching),
                          ("on_new_items → signed webhook at the inbox", latencies)):
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
        print(f"| {label} | {statistics.median(values):.2f} s | {p95:.2f} s | {max(values):.2f} s |")
    print(f"\n{len(latencies)}/{args.items} alerts delivered (local cloud: moto server, SQS polled "
          f"with 1 s long polls by the runtime)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
