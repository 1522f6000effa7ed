"""In-process pieces of the gate that need no subprocess."""

from __future__ import annotations

from mlgov.engine import AnalyzerInfo, Diagnostic, PolicyInfo
from mlgov.findings import EXEMPTED
from mlgov.gate import to_violations

URN = "urn:pulumi:dev::proj::aws:sagemaker/domain:Domain::studio"
INFO = AnalyzerInfo("pack", "0.1.0", [PolicyInfo("sagemaker-domain-vpc-only", "VPC only", "mandatory", "critical",
                                                 {})], {})


def _diagnostic(message: str, enforcement: str) -> Diagnostic:
    return Diagnostic("sagemaker-domain-vpc-only", "pack", message, "VPC only", URN, enforcement, "critical",
                      "analyze")


def test_an_exempted_finding_keeps_its_rule_and_severity_and_is_marked_exempted():
    message = "VPC only\naws:sagemaker:Domain 'studio': public.\nexempted: legacy domain GOV-12 (no expiry)"
    [v] = to_violations([_diagnostic(message, "advisory")], mode="preview", info=INFO, stack_urn="")
    assert (v.policy, v.enforcement, v.severity, v.name) == ("sagemaker-domain-vpc-only", EXEMPTED, "critical",
                                                            "studio")
    assert "GOV-12" in v.message


def test_a_plain_advisory_finding_stays_advisory():
    [v] = to_violations([_diagnostic("VPC only\npublic.", "advisory")], mode="preview", info=INFO, stack_urn="")
    assert v.enforcement == "advisory"
