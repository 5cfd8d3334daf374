"""The upload processor's decisions against the in-memory fake store: test events, foreign keys, duplicates,
replaced objects, rejections, deletion during processing, and partial batch failures."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.photos import events, processing
from chalicelib.photos.store import original_key, web_key
from tests import photo_samples as ps
from tests.events import load_event
from tests.fakes.photos import SETTINGS
from tests.fakes.photos import FakePhotoStore as FakeStore

PHOTO = "018f0000000000aaaaaaaa"


def s3_event(key: str, bucket: str = "b", name: str = "ObjectCreated:Post") -> dict[str, Any]:
    """One S3 record for ``key``, URL-encoded as S3 sends it."""
    return load_event("s3_object_created", eventName=name, s3__bucket__name=bucket,
                      s3__object__key=key.replace("/", "%2F"))


def sqs_event(*bodies: Any) -> dict[str, Any]:
    """An SQS event with one message per body (JSON unless a string)."""
    return {"Records": [load_event("sqs_record", messageId=f"m{i}",
                                   body=b if isinstance(b, str) else json.dumps(b))
                        for i, b in enumerate(bodies)]}


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


def test_a_good_photo_becomes_ready_and_a_second_delivery_changes_nothing(store: FakeStore) -> None:
    store.add("E1001", PHOTO, ps.jpeg(orientation=6))
    record = s3_event(original_key("E1001", PHOTO))
    assert processing.handle_s3_record(record, store) == "ready"
    snapshot = (dict(store.items[("E1001", PHOTO)]), dict(store.objects), store.puts)
    assert processing.handle_s3_record(record, store) == "duplicate"
    assert (store.items[("E1001", PHOTO)], store.objects, store.puts) == snapshot


def test_a_replaced_object_is_processed_again(store: FakeStore) -> None:
    store.add("E1001", PHOTO, ps.jpeg())
    record = s3_event(original_key("E1001", PHOTO))
    processing.handle_s3_record(record, store)
    store.objects[original_key("E1001", PHOTO)] = (ps.HTML_AS_JPG, "image/jpeg", "e2")
    assert processing.handle_s3_record(record, store) == "rejected"
    assert web_key("E1001", PHOTO) not in store.objects  # the old variants go with it


@pytest.mark.parametrize(("data", "content_type", "code"), [
    (ps.HTML_AS_JPG, "image/jpeg", "not_image"),
    (b"\xff\xd8\xff" + b"\0" * 100, "image/jpeg", "corrupt"),
    (ps.jpeg(), "application/pdf", "not_image"),
])
def test_bad_files_are_rejected_and_deleted(store: FakeStore, data: bytes, content_type: str,
                                           code: str) -> None:
    store.add("E1001", PHOTO, data, content_type)
    result = events.process_batch(sqs_event({"Records": [s3_event(original_key("E1001", PHOTO))]}),
                                       store)
    assert result == {"batchItemFailures": []}  # consumed: no retry loop
    item = store.items[("E1001", PHOTO)]
    assert item["status"] == "rejected" and item["reason_code"] == code and item["reason"]
    assert original_key("E1001", PHOTO) not in store.objects


def test_over_the_limit_is_rejected_without_reading_it(store: FakeStore) -> None:
    store.settings = replace(SETTINGS, max_upload_bytes=100)
    store.add("E1001", PHOTO, ps.jpeg())
    store.fail_reads = True  # proves it is never downloaded
    assert processing.handle_s3_record(s3_event(original_key("E1001", PHOTO)), store) == "rejected"
    assert store.items[("E1001", PHOTO)]["reason_code"] == "too_large"


def test_objects_without_a_record_are_deleted(store: FakeStore) -> None:
    store.objects[original_key("E1001", PHOTO)] = (ps.jpeg(), "image/jpeg", "e")
    assert processing.handle_s3_record(s3_event(original_key("E1001", PHOTO)), store) == "orphan_deleted"
    assert not store.objects


def test_a_photo_deleted_during_processing_leaves_nothing(store: FakeStore,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    store.add("E1001", PHOTO, ps.jpeg())
    real = store.put_variant

    def put_then_owner_deletes(key: str, data: bytes) -> None:
        real(key, data)
        store.items.pop(("E1001", PHOTO), None)

    monkeypatch.setattr(store, "put_variant", put_then_owner_deletes)
    assert processing.handle_s3_record(s3_event(original_key("E1001", PHOTO)), store) == "deleted_meanwhile"
    assert not store.objects


@pytest.mark.parametrize("record", [
    s3_event("web/E1001/x.jpg"), s3_event("originals/E1001/../E1002/" + PHOTO), s3_event("originals/E1001"),
    s3_event(original_key("E1001", PHOTO), bucket="someone-else"),
    s3_event(original_key("E1001", PHOTO), name="ObjectRemoved:Delete"),
])
def test_events_outside_the_contract_are_ignored(store: FakeStore, record: dict[str, Any]) -> None:
    store.add("E1001", PHOTO, ps.jpeg())
    assert processing.handle_s3_record(record, store) == "ignored"
    assert store.items[("E1001", PHOTO)]["status"] == "uploading"


def test_test_events_and_junk_bodies_are_consumed(store: FakeStore) -> None:
    event = sqs_event({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"}, "not json", "[1]",
                      {"Records": "nope"})
    assert events.process_batch(event, store) == {"batchItemFailures": []}


def test_only_the_failing_message_is_reported(store: FakeStore) -> None:
    store.add("E1001", PHOTO, ps.jpeg())
    other = "018f0000000000bbbbbbbb"
    store.add("E1002", other, ps.jpeg())
    store.fail_reads = True
    event = sqs_event({"Service": "Amazon S3", "Event": "s3:TestEvent"},
                      {"Records": [s3_event(original_key("E1001", PHOTO))]},
                      {"Records": [s3_event(original_key("E1002", other))]})
    result = events.process_batch(event, store)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    assert store.items[("E1001", PHOTO)]["status"] == "uploading"  # nothing half-written
