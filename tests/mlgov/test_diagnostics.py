"""mlgov.diagnostics: diagnostics as the engine receives them (four fields) turned into findings, the
exempted-finding convention decoded in one place."""

from __future__ import annotations

import pytest

from mlgov.analyzer import AnalyzerInfo, Diagnostic, PolicyInfo
from mlgov.diagnostics import ExemptionNote, exemption, parse_urn, redact, to_violations
from mlgov.resources import RecordedResource, SourceLocation

STACK = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"
BUCKET = "urn:pulumi:dev::proj::my:index:Team$aws:s3/bucket:Bucket::raw"
INFO = AnalyzerInfo(name="pack", version="1", initial_config={}, policies=[
    PolicyInfo("s3-bucket-encrypted", "Buckets are encrypted", "mandatory", "critical", {}, display_name="Enc"),
    PolicyInfo("stack-rule", "A stack rule", "advisory", "low", {}, policy_type="stack"),
])


def diagnostic(policy: str, message: str, urn: str = BUCKET, enforcement: str = "mandatory",
               severity: str = "") -> Diagnostic:
    return Diagnostic(policy=policy, pack="pack", message=message, description="", urn=urn, enforcement=enforcement,
                      severity=severity, phase="analyze")


FINDING = "Studio domains use VPC-only network access\naws:sagemaker:Domain 'studio': appNetworkAccessType is 'x'."


@pytest.mark.parametrize(("last", "note"), [
    ("exempted: legacy domain, ticket GOV-12 (expires 2027-06-30)", ExemptionNote("legacy domain, ticket GOV-12",
                                                                                   "2027-06-30")),
    ("exempted: legacy domain (with parentheses) (no expiry)", ExemptionNote("legacy domain (with parentheses)", None)),
])
def test_an_advisory_finding_ending_with_the_exempted_line_is_an_exemption(last, note):
    assert exemption(f"{FINDING}\n{last}", "advisory") == note


@pytest.mark.parametrize(("message", "enforcement"), [
    (FINDING, "advisory"),
    (f"{FINDING}\nexempted: reason (expires 2027-06-30)", "mandatory"),  # exemptions never block
    (f"{FINDING}\nexempted: reason (expires soon)", "advisory"),
    (f"exempted: reason (no expiry)\n{FINDING}", "advisory"),  # only the last line counts
])
def test_anything_else_is_not(message, enforcement):
    assert exemption(message, enforcement) is None


def test_violations_carry_resource_exemption_location_and_redacted_text():
    resources = {BUCKET: RecordedResource(urn=BUCKET, type="aws:s3/bucket:Bucket", name="raw", custom=True,
                                          source=SourceLocation("infra/data.py", 12))}
    out = to_violations([
        diagnostic("s3-bucket-encrypted", "raw uses key hunter2."),
        diagnostic("s3-bucket-encrypted", "raw is not encrypted.\nexempted: logs (expires 2030-01-01)",
                   enforcement="advisory", severity="low"),
        diagnostic("stack-rule", "stack-wide.", urn="", enforcement="advisory"),
    ], mode="update", info=INFO, stack_urn=STACK, secrets={"hunter2"}, resources=resources)
    found, exempted, stack = out
    assert (found.name, found.type, found.file, found.line) == ("raw", "aws:s3/bucket:Bucket", "infra/data.py", 12)
    assert found.message == "raw uses key [secret]." and found.severity == "critical" and found.title == "Enc"
    assert (exempted.enforcement, exempted.message, exempted.exemption) == (
        "exempted", "raw is not encrypted.", "logs (expires 2030-01-01)")
    assert (stack.urn, stack.name, stack.type, stack.file) == (STACK, "proj-dev", "pulumi:pulumi:Stack", "")


def test_preview_notes_are_unverifiable():
    [note] = to_violations([diagnostic("s3-bucket-encrypted", "can't run policy 's3' during preview: unknown",
                                       enforcement="advisory")], mode="preview", info=INFO, stack_urn=STACK)
    assert note.unverifiable and not note.blocking()


def test_urns_and_redaction():
    assert parse_urn(BUCKET) == ("aws:s3/bucket:Bucket", "raw")
    assert parse_urn("not-a-urn") == ("", "not-a-urn")
    assert redact("abc abcdef", {"abc", "abcdef"}) == "[secret] [secret]"
