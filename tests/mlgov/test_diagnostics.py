"""mlgov.diagnostics: diagnostics as the engine receives them, turned into findings."""

from __future__ import annotations

from mlgov.analyzer import AnalyzerInfo, Diagnostic, PolicyInfo
from mlgov.diagnostics import decode_exemption, parse_urn, redact, to_violations
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


def test_the_exemption_line_is_decoded_in_both_forms():
    assert decode_exemption("r", "Bucket 'raw' is not encrypted.\nexempted: log bucket (expires 2027-06-30)") == (
        "r", "Bucket 'raw' is not encrypted.", _exemption("log bucket", "2027-06-30"))
    assert decode_exemption("r", "found.\nexempted: legacy (no expiry)")[2] == _exemption("legacy", "")
    assert decode_exemption("r", "found.\nexempted: but no parenthesis") is None
    assert decode_exemption("r", "exempted: a reason (no expiry) is mentioned on the only line") is None


def _exemption(reason: str, expires: str):
    from mlgov.diagnostics import Exemption

    return Exemption(reason, expires)


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
    assert exempted.severity == "critical"  # the rule's own severity, not the reporting level's
    assert (stack.urn, stack.name, stack.type, stack.file) == (STACK, "proj-dev", "pulumi:pulumi:Stack", "")


def test_preview_notes_are_unverifiable():
    [note] = to_violations([diagnostic("s3-bucket-encrypted", "can't run policy 's3' during preview: unknown",
                                       enforcement="advisory")], mode="preview", info=INFO, stack_urn=STACK)
    assert note.unverifiable and not note.blocking()


def test_urns_and_redaction():
    assert parse_urn(BUCKET) == ("aws:s3/bucket:Bucket", "raw")
    assert parse_urn("not-a-urn") == ("", "not-a-urn")
    assert redact("abc abcdef", {"abc", "abcdef"}) == "[secret] [secret]"
