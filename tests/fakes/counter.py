"""In-memory fakes for the camera counter's unit tests."""

from __future__ import annotations

import json
from typing import Any


class FakeKinesis:
    """An in-memory stream: ``down`` refuses every call; ``reject`` fails the records whose ``n`` is in it."""

    def __init__(self) -> None:
        self.stored: list[tuple[str, dict[str, Any]]] = []
        self.down = False
        self.reject: set[int] = set()
        self.calls = 0

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls += 1
        if self.down:
            raise ConnectionRefusedError("endpoint down")
        assert len(Records) <= 500
        results = []
        for record in Records:
            body = json.loads(record["Data"])
            if body.get("n") in self.reject:
                results.append({"ErrorCode": "ProvisionedThroughputExceededException",
                                "ErrorMessage": "slow down"})
            else:
                self.stored.append((record["PartitionKey"], body))
                results.append({"SequenceNumber": str(len(self.stored)), "ShardId": "shardId-0"})
        return {"FailedRecordCount": sum("ErrorCode" in r for r in results), "Records": results}
