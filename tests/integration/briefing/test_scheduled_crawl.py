"""The template's CrawlerFunction, invoked by the local runtime with a real EventBridge scheduled
event: the handler → crawler → store path end to end, configured only through the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.settings import get_settings
from infra.local.runtime import scheduled_event
from tests.integration.briefing import pressdata
from tests.integration.briefing.sitekit import Site, page

pytestmark = pytest.mark.integration


def test_the_scheduled_function_crawls_the_configured_sources(
        site: Site, runtime: Any, stack: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site.routes["/rss.xml"] = page(pressdata.rss(site.base, [("road", "/press/9", pressdata.recent())]),
                                   "application/rss+xml")
    site.routes["/press/9"] = page(pressdata.article("road", attachment=True))
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [
        pressdata.rss_source("local-press", "행정안전부", site.url("/rss.xml"), "5m"),
    ]}, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("GDESK_CRAWL_SOURCES", str(sources))
    monkeypatch.setenv("GDESK_CRAWL_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("GDESK_CRAWL_HOST_DELAY_MS", "0")
    get_settings.cache_clear()
    try:
        event = scheduled_event(stack, "CrawlerFunction", "CrawlSchedule")
        first = runtime.invoke("CrawlerFunction", event)
        again = runtime.invoke("CrawlerFunction", scheduled_event(stack, "CrawlerFunction", "CrawlSchedule"))
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert first["new_items"] >= 1 and first["sources"] == {"ok": 1}
    assert again["sources"] == {"not_due": 1} and again["new_items"] == 0
    table = stack.physical["BriefingTable"]
    import boto3

    rows = boto3.resource("dynamodb").Table(table).scan()["Items"]
    items = [r for r in rows if str(r["pk"]).startswith("ITEM#") and r.get("source_id") == "local-press"]
    assert len(items) == 1 and items[0]["agency"] == "행정안전부"
    assert items[0]["attachments"][0]["kind"] == "hwp"
    body = boto3.client("s3").get_object(Bucket=stack.physical["BriefingBucket"], Key=items[0]["text_key"])
    assert "포트홀" in body["Body"].read().decode("utf-8")


def test_the_template_declares_the_crawler_with_least_privilege(stack: Any) -> None:
    function = stack.resources["CrawlerFunction"]["Properties"]
    assert function["Handler"] == "app.crawl" and function["Timeout"] == 120
    events = function["Events"]
    assert events["CrawlSchedule"]["Type"] == "Schedule"
    assert events["CrawlSchedule"]["Properties"]["Schedule"] == "rate(5 minutes)"
    policies = [next(iter(p)) for p in function["Policies"]]
    assert policies == ["DynamoDBCrudPolicy", "S3CrudPolicy", "SQSSendMessagePolicy", "SQSSendMessagePolicy",
                        "Statement"]
    # the meaning signal: bedrock:InvokeModel on the configured embedding model, nothing else
    (bedrock,) = function["Policies"][-1]["Statement"]
    assert bedrock["Effect"] == "Allow" and bedrock["Action"] == "bedrock:InvokeModel"
    model_arn = "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${BriefingEmbeddingModelId}"
    assert bedrock["Resource"] == {"Fn::Sub": model_arn}
    parameter = stack.template["Parameters"]["BriefingEmbeddingModelId"]
    assert parameter["Default"] == "amazon.titan-embed-text-v2:0"
    variables = function["Environment"]["Variables"]
    assert variables["GDESK_BRIEFING_EMBEDDING_MODEL"] == {"Ref": "BriefingEmbeddingModelId"}
    others = [name for name, r in stack.resources.items() if name != "CrawlerFunction"
              and "bedrock" in str(r.get("Properties", {}).get("Policies", "")).lower()]
    assert others == [], "no other function may call Bedrock"
    queues = [p["SQSSendMessagePolicy"]["QueueName"]["Fn::GetAtt"][0] for p in function["Policies"]
              if "SQSSendMessagePolicy" in p]
    assert queues == ["CrawlerDeadLetterQueue", "NotifyQueue"], "its DLQ, and the notifier's queue only"
    assert stack.resources["CrawlerFunctionLogGroup"]["Type"] == "AWS::Logs::LogGroup"
