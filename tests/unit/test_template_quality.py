"""Template quality: the rules of ``infra/deploy/quality.py`` hold for ``template.yaml``. Each rule
iterates over the resources of a kind, so it holds for the resources every tool adds;
``tests/unit/deploy/test_quality_rules.py`` shows each rule catching a bad template."""

from __future__ import annotations

from typing import Any

import pytest

from infra.deploy import quality
from infra.local.template import ROOT, load

TEMPLATE = load()


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    """The CloudFormation that SAM makes of the template (transformed offline)."""
    from infra.deploy.rehearse import cloudformation

    return cloudformation(load())


def test_cfn_lint_is_clean() -> None:
    """Errors and warnings, as the `cfn-lint template.yaml` command reports by default."""
    from cfnlint.api import lint_all

    matches = lint_all((ROOT / "template.yaml").read_text(encoding="utf-8"))
    reported = [m for m in matches if m.rule.id[0] in "EW"]
    assert [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in reported] == []


def test_every_function_has_its_own_role(cfn: dict[str, Any]) -> None:
    assert quality.of_type(cfn, "AWS::Lambda::Function"), "the template has functions"
    assert quality.role_problems(cfn) == []


def test_least_privilege_star_resources_only_where_aws_requires(cfn: dict[str, Any]) -> None:
    assert quality.privilege_problems(cfn) == []


def test_buckets_are_private_and_encrypted() -> None:
    assert quality.bucket_problems(TEMPLATE) == []


def test_tables_have_point_in_time_recovery_on_demand_billing_and_encryption() -> None:
    assert quality.table_problems(TEMPLATE) == []


def test_asynchronous_sources_have_dead_letter_queues_or_on_failure_destinations() -> None:
    assert quality.async_source_problems(TEMPLATE) == []


def test_every_alarm_notifies_someone() -> None:
    assert quality.alarm_problems(TEMPLATE) == []


def test_every_function_has_a_log_group_with_retention() -> None:
    assert quality.log_problems(TEMPLATE) == []


def test_every_function_takes_the_shared_layer_and_every_layer_is_built_from_requirements() -> None:
    assert quality.layer_problems(TEMPLATE, ROOT) == []


def test_chalice_handlers_and_function_directories_match_the_template() -> None:
    from app import app

    registered = {source.handler_string for source in app.event_sources}
    registered |= {function.handler_string for function in app.pure_lambda_functions}
    assert quality.handler_problems(TEMPLATE, registered, ROOT) == []
