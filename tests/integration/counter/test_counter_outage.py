"""``gdesk-counter`` against the moto server's Kinesis, with the network failing in the middle of a run.

A TCP relay stands between the counter and the endpoint; the test closes it (connections refused,
open ones cut) while the counter is counting, then opens it again. Every report the counter made
must be on the stream exactly once, in order, and the spool must be empty at the end.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest

from tests.counter_video import write_video

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


class Relay:
    """A TCP relay on 127.0.0.1 that can go down (refusing and cutting connections) and up again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.listener: socket.socket | None = None
        self.open_sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self.lock:
            if self.listener is not None:
                self.listener.close()
                self.listener = None
            for sock in self.open_sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.open_sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open_sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.close()
                except OSError:
                    pass


def stream_records(stream: str, camera_id: str) -> list[dict[str, Any]]:
    kinesis = boto3.client("kinesis", region_name="ap-northeast-2")
    found = []
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
            found += [{"pk": r["PartitionKey"], "seq": int(r["SequenceNumber"]), **json.loads(r["Data"])}
                      for r in page["Records"] if r["PartitionKey"] == camera_id]
            if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                break
            iterator = page.get("NextShardIterator")
    return found


def test_an_outage_in_the_middle_of_a_run_loses_and_duplicates_nothing(
        local_cloud: Any, stack: Any, tmp_path: Path) -> None:
    endpoint = urlparse(local_cloud.endpoint_url)
    relay = Relay((endpoint.hostname or "127.0.0.1", endpoint.port or 80))
    relay.up()
    camera = f"cam-outage-{secrets.token_hex(3)}"
    video = write_video(tmp_path / "queue.avi", people=6, seconds=14, fps=5, size=(320, 240))
    stream = stack.physical["DensityStream"]
    command = [sys.executable, "-m", "gdesk_counter.cli", "--source", str(video), "--camera-id", camera,
               "--zone", "korean", "--zone", "salad=0,0;0.5,0;0.5,1;0,1", "--stream", stream,
               "--endpoint", f"http://127.0.0.1:{relay.port}", "--interval", "1", "--fps", "4",
               "--background-seconds", "6", "--width", "320", "--spool", str(tmp_path / "spool.sqlite")]
    counter = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(counter.stderr or []), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not any("counts " in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.1)  # the first report was made (and sent): now cut the network …
        time.sleep(1)
        relay.down()  # … for 6 s of the 14 s video
        time.sleep(6)
        relay.up()
        counter.wait(timeout=90)
        reader.join(timeout=10)
    finally:
        if counter.poll() is None:
            counter.kill()
        relay.down()
    log = "".join(lines)
    assert counter.returncode == 0, log
    assert "sending counts failed" in log  # the outage was noticed …
    assert "stream reachable again" in log  # … and over
    reported = [json.loads(m) for m in re.findall(r"counts (\{.*\})", log)]
    assert len(reported) >= 12
    on_stream = stream_records(stream, camera)
    keys = [(r["zone"], r["ts"]) for r in on_stream]
    assert len(keys) == len(set(keys)) == 2 * len(reported)  # every report, each zone, exactly once
    for zone in ("korean", "salad"):
        mine = [r for r in on_stream if r["zone"] == zone]
        assert [r["ts"] for r in mine] == sorted(r["ts"] for r in mine)  # in the order they were counted
        assert [r["count"] for r in sorted(mine, key=lambda r: r["ts"])] == [rep[zone] for rep in reported]
    assert all(set(r) == {"pk", "seq", "camera_id", "zone", "count", "ts", "confidence"} for r in on_stream)
