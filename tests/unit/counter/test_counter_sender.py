"""PutRecords from the spool: nothing is lost or reordered when the stream fails, wholly or partly."""

from __future__ import annotations

import json
from pathlib import Path

from gdesk_counter.sender import Sender
from gdesk_counter.spool import Spool
from tests.fakes.counter import FakeKinesis


class Clock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


def spool_with(tmp_path: Path, numbers: range, created: float = 10_000.0) -> Spool:
    spool = Spool(tmp_path / "s.sqlite")
    spool.append([(created, "cam-1", json.dumps({"n": n}).encode()) for n in numbers])
    return spool


def test_everything_is_sent_oldest_first_in_batches_of_500(tmp_path: Path) -> None:
    kinesis, clock = FakeKinesis(), Clock()
    spool = spool_with(tmp_path, range(1200))
    assert Sender(kinesis, "s", spool, 3300, clock).flush()
    assert [body["n"] for _, body in kinesis.stored] == list(range(1200))
    assert kinesis.calls == 3 and len(spool) == 0
    assert {key for key, _ in kinesis.stored} == {"cam-1"}


def test_an_outage_keeps_everything_and_backs_off(tmp_path: Path) -> None:
    kinesis, clock = FakeKinesis(), Clock()
    spool = spool_with(tmp_path, range(10))
    sender = Sender(kinesis, "s", spool, 3300, clock, base_delay=1.0, max_delay=60.0)
    kinesis.down = True
    delays = []
    for _ in range(8):
        assert not sender.flush()
        delays.append(sender.next_attempt - clock.now)
    assert len(spool) == 10 and sender.failures == 8
    assert all(0 <= d <= min(60.0, 2 ** i) for i, d in enumerate(delays))
    kinesis.down = False
    assert sender.flush()
    assert [body["n"] for _, body in kinesis.stored] == list(range(10))  # each once, in order
    assert sender.failures == 0 and len(spool) == 0


def test_a_partly_failed_batch_resends_only_the_failed_records(tmp_path: Path) -> None:
    kinesis, clock = FakeKinesis(), Clock()
    spool = spool_with(tmp_path, range(6))
    sender = Sender(kinesis, "s", spool, 3300, clock)
    kinesis.reject = {2, 4}
    assert not sender.flush()
    assert [item.data for item in spool.oldest(10)] == [b'{"n": 2}', b'{"n": 4}']
    kinesis.reject = set()
    assert sender.flush()
    assert sorted(body["n"] for _, body in kinesis.stored) == list(range(6))
    assert len(kinesis.stored) == 6  # no duplicates


def test_records_the_stream_would_reject_as_too_old_are_dropped_not_sent(tmp_path: Path) -> None:
    kinesis, clock = FakeKinesis(), Clock()
    spool = spool_with(tmp_path, range(3), created=clock.now - 4000)
    spool.append([(clock.now - 10, "cam-1", b'{"n": 9}')])
    assert Sender(kinesis, "s", spool, 3300, clock).flush()
    assert [body["n"] for _, body in kinesis.stored] == [9]
    assert spool.dropped == 3
