"""docs/cost.md shows exactly the table the cost script computes."""

from __future__ import annotations

import re

from infra.deploy import cost
from infra.local.template import ROOT


def test_the_cost_page_shows_the_computed_table() -> None:
    doc = (ROOT / "docs" / "cost.md").read_text(encoding="utf-8")
    shown = re.search(r"<!-- cost table.*?-->\n(.*?)\n<!-- end of cost table -->", doc, flags=re.S)
    assert shown is not None
    assert shown.group(1) == cost.table(cost.estimate()), "run `python -m infra.deploy.cost` and paste"


def test_the_estimate_covers_the_services_the_issue_asks_for() -> None:
    services = " ".join(line.service for line in cost.estimate())
    for name in ("Lambda compute", "Kinesis shard-hours", "DynamoDB on-demand", "S3 storage", "API Gateway"):
        assert name in services
    assert all(line.usd >= 0 for line in cost.estimate())


def test_the_headline_numbers_in_the_text_match_the_table() -> None:
    lines = cost.estimate()
    total = sum(line.usd for line in lines)
    channel_key = next(line.usd for line in lines if line.service == "KMS (briefing channel key)")
    doc = (ROOT / "docs" / "cost.md").read_text(encoding="utf-8")
    assert f"About **USD {round(total, -1):.0f} a month**" in doc
    assert f"channel secrets\ncost **USD {channel_key:.2f} a month**" in doc


def test_only_the_organisations_secret_is_in_secrets_manager() -> None:
    secrets = next(line for line in cost.estimate() if line.service == "Secrets Manager")
    assert secrets.usage == "1 secret" and secrets.usd < 1
