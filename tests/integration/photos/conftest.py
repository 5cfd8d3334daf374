"""Helpers for the photos integration tests: upload through the real presigned POST to the moto
server, drive the S3 → SQS → PhotoProcessorFunction path, read objects back."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests


class Photos:
    def __init__(self, api_url: str, stack: Any, runtime: Any, auth_headers: Callable[..., dict[str, str]]):
        self.api = api_url
        self.stack = stack
        self.runtime = runtime
        self.auth = auth_headers
        self.s3 = boto3.client("s3")
        self.sqs = boto3.client("sqs")
        self.ddb = boto3.client("dynamodb")
        self.bucket = stack.physical["PhotosBucket"]
        self.table = stack.physical["PhotosTable"]
        self.queue = stack.physical["PhotoEventsQueue"]
        self.dlq = stack.physical["PhotoEventsDLQ"]

    def headers(self, user: str | None = None, session: str | None = None) -> dict[str, str]:
        if session:
            return {"X-Photo-Session": session}
        return self.auth(user or "E1001")

    def start(self, data: bytes, user: str = "E1001", *, session: str | None = None,
              filename: str = "현장.jpg", content_type: str = "image/jpeg") -> dict[str, Any]:
        response = requests.post(f"{self.api}/photos/uploads", headers=self.headers(user, session), json={
            "filename": filename, "content_type": content_type, "size": len(data)}, timeout=10)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def post_file(self, started: dict[str, Any], data: bytes, content_type: str | None = None) -> None:
        upload = started["upload"]
        fields = dict(upload["fields"])
        if content_type:
            fields["Content-Type"] = content_type
        response = requests.post(upload["url"], data=fields,
                                 files={"file": ("photo.jpg", data, fields["Content-Type"])}, timeout=30)
        assert response.status_code in (200, 201, 204), response.text

    def drain(self, rounds: int = 10) -> int:
        """Drive the processor until the queue has nothing visible; returns messages handled."""
        total = 0
        for _ in range(rounds):
            handled = self.runtime.drive_sqs_once("PhotoProcessorFunction")
            total += handled
            if handled == 0 and self.queue_counts()[0] == 0:
                break
        return total

    def upload(self, data: bytes, user: str = "E1001", **kwargs: Any) -> dict[str, Any]:
        started = self.start(data, user, **kwargs)
        self.post_file(started, data)
        self.drain()
        return self.get(started["photo"]["photo_id"], user, session=kwargs.get("session"))

    def get(self, photo_id: str, user: str = "E1001", session: str | None = None) -> dict[str, Any]:
        response = requests.get(f"{self.api}/photos/{photo_id}", headers=self.headers(user, session),
                                timeout=10)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def keys(self, prefix: str = "") -> set[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return {o["Key"] for page in pages for o in page.get("Contents", [])}

    def queue_counts(self, url: str | None = None) -> tuple[int, int]:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=url or self.queue,
                                                   AttributeNames=names)["Attributes"]
        return int(attributes[names[0]]), int(attributes[names[1]])

    def fetch(self, url: str) -> bytes:
        response = requests.get(url, timeout=10)
        assert response.status_code == 200, response.text[:200]
        return response.content

    def wait_ready(self, photo_id: str, user: str = "E1001", timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            photo = self.get(photo_id, user)
            if photo["status"] != "uploading" or time.monotonic() > deadline:
                return photo
            self.drain(1)


@pytest.fixture(scope="session")
def photos(api_url: str, stack: Any, runtime: Any, auth_headers: Callable[..., dict[str, str]]) -> Photos:
    helper = Photos(api_url, stack, runtime, auth_headers)
    helper.drain()  # the s3:TestEvent sent when the notification was configured
    return helper
