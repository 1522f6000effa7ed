"""mlgov.engine: the engine's call order, observed on an analyzer that records what it is asked."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import empty_pb2

from mlgov import engine
from mlgov.analyzer import InProcessAnalyzer
from mlgov.policy_config import PolicyConfigError
from mlgov.testing import resource


class Recording(InProcessAnalyzer):
    def __init__(self, policies: list[Any]):
        super().__init__(policies, name="recording")
        self.calls: list[tuple[str, str]] = []

    def _call(self, method: str, request: Any) -> Any:
        subject = getattr(request, "urn", "") if not isinstance(request, empty_pb2.Empty) else ""
        provider = request.provider.urn if method == "Analyze" and request.HasField("provider") else ""
        self.calls.append((method, provider or subject))
        return super()._call(method, request)


def _policies() -> list[Any]:
    from pulumi_policy import EnforcementLevel, ResourceValidationPolicy

    return [ResourceValidationPolicy(name="needs-limit", description="d", enforcement_level=EnforcementLevel.ADVISORY,
                                     validate=lambda args, report: None,
                                     config_schema=_schema())]


def _schema() -> Any:
    from pulumi_policy import PolicyConfigSchema

    return PolicyConfigSchema(properties={"limit": {"type": "integer", "default": 3}})


def test_info_configure_then_analyze_in_registration_order_then_one_analyze_stack():
    provider = resource("pulumi:providers:aws", "default")
    bucket = resource("aws:s3/bucket:Bucket", "b")
    bucket.provider = f"{provider.urn}::id-1"
    analyzer = Recording(_policies())
    evaluation = engine.evaluate(analyzer, [provider, bucket], {"needs-limit": {"limit": 5}})
    assert [m for m, _ in analyzer.calls] == ["GetAnalyzerInfo", "Configure", "Analyze", "Analyze", "AnalyzeStack"]
    # the bucket's Analyze request carries its provider, as the engine sends it
    assert analyzer.calls[3] == ("Analyze", provider.urn)
    assert evaluation.configured.config["needs-limit"] == {"enforcementLevel": "advisory", "limit": 5}


def test_an_invalid_config_stops_before_any_resource_is_analyzed():
    analyzer = Recording(_policies())
    with pytest.raises(PolicyConfigError, match="limit"):
        engine.evaluate(analyzer, [resource("aws:s3/bucket:Bucket", "b")], {"needs-limit": {"limit": 2.5}})
    assert [m for m, _ in analyzer.calls] == ["GetAnalyzerInfo"]


def test_without_stack_policies_no_analyze_stack():
    analyzer = Recording(_policies())
    engine.evaluate(analyzer, [resource("aws:s3/bucket:Bucket", "b")], stack=False)
    assert "AnalyzeStack" not in [m for m, _ in analyzer.calls]
