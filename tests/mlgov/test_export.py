"""`pulumi stack export` (deployment v3) read into the resources the gate evaluates."""

from __future__ import annotations

import json

import pytest
from ml_dataset_governance.policies.values import UNKNOWN

from mlgov.export import ExportError, load_export, parse_export

SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
STACK = "urn:pulumi:prod::proj::pulumi:pulumi:Stack::proj-prod"
PROVIDER = "urn:pulumi:prod::proj::pulumi:providers:aws::default"
COMPONENT = "urn:pulumi:prod::proj::acme:index:Team::team"
BUCKET = "urn:pulumi:prod::proj::acme:index:Team$aws:s3/bucket:Bucket::team-data"
POLICY = "urn:pulumi:prod::proj::aws:s3/bucketPolicy:BucketPolicy::team-data::policy"  # names may hold '::'


def _export(**overrides):
    resources = [
        {"urn": STACK, "custom": False, "type": "pulumi:pulumi:Stack", "outputs": {"url": "x"}},
        {"urn": PROVIDER, "custom": True, "id": "p-1", "type": "pulumi:providers:aws",
         "inputs": {"region": "us-east-1"}, "outputs": {"region": "us-east-1"}},
        {"urn": COMPONENT, "custom": False, "type": "acme:index:Team", "parent": STACK},
        {"urn": BUCKET, "custom": True, "id": "team-data-123", "type": "aws:s3/bucket:Bucket", "parent": COMPONENT,
         "provider": f"{PROVIDER}::p-1", "protect": True, "dependencies": [COMPONENT],
         "inputs": {"bucket": "team-data-123", "tags": {"owner": "a"}},
         "outputs": {"bucket": "team-data-123", "arn": "arn:aws:s3:::team-data-123",
                     "secretTag": SIG | {"plaintext": json.dumps("s3cr3t-value")}}},
        {"urn": POLICY, "custom": True, "id": "team-data-123", "type": "aws:s3/bucketPolicy:BucketPolicy",
         "provider": f"{PROVIDER}::p-1", "propertyDependencies": {"bucket": [BUCKET]},
         "inputs": {"bucket": "team-data-123", "policy": SIG | {"ciphertext": "v1:abc"}},
         "outputs": {"policy": SIG | {"ciphertext": "v1:abc"},
                     "nested": SIG | {"plaintext": json.dumps({"k": ["inner-secret"]})}}},
        {"urn": "urn:pulumi:prod::proj::aws:s3/bucket:Bucket::old", "custom": True, "type": "aws:s3/bucket:Bucket",
         "delete": True, "inputs": {}, "outputs": {}},
    ]
    data = {"version": 3, "deployment": {"manifest": {"version": "v3.272.0"}, "resources": resources}}
    data.update(overrides)
    return data


def test_resources_inputs_outputs_and_graph():
    state = parse_export(_export())
    assert (state.project, state.stack) == ("proj", "prod")
    by_urn = {r.urn: r for r in state.resources}
    assert list(by_urn) == [STACK, PROVIDER, COMPONENT, BUCKET, POLICY]  # state order; pending delete dropped
    bucket = by_urn[BUCKET]
    assert bucket.name == "team-data" and bucket.type == "aws:s3/bucket:Bucket" and bucket.custom
    assert bucket.parent == COMPONENT and bucket.provider_urn == PROVIDER and bucket.protect
    assert bucket.inputs == {"bucket": "team-data-123", "tags": {"owner": "a"}}
    assert bucket.outputs["arn"] == "arn:aws:s3:::team-data-123"
    assert by_urn[POLICY].name == "team-data::policy"
    assert by_urn[POLICY].property_dependencies == {"bucket": [BUCKET]}
    assert by_urn[STACK].outputs == {"url": "x"} and by_urn[COMPONENT].inputs == {}
    assert any("pending deletion" in w for w in state.warnings)


def test_secrets_plaintext_unwrapped_and_remembered_ciphertext_unknown():
    state = parse_export(_export())
    by_urn = {r.urn: r for r in state.resources}
    assert by_urn[BUCKET].outputs["secretTag"] == "s3cr3t-value"
    assert by_urn[POLICY].inputs["policy"] == UNKNOWN and by_urn[POLICY].outputs["policy"] == UNKNOWN
    assert by_urn[POLICY].outputs["nested"] == {"k": ["inner-secret"]}
    assert state.secret_values == {"s3cr3t-value", "inner-secret"}
    assert state.encrypted_secrets == 2
    assert any("encrypted" in w and "--show-secrets" in w for w in state.warnings)


def test_checkpoint_file_and_empty_stack_are_accepted():
    checkpoint = {"version": 3, "checkpoint": {"latest": _export()["deployment"]}}
    assert len(parse_export(checkpoint).resources) == 5
    empty = parse_export({"version": 3, "deployment": {"manifest": {}}})
    assert empty.resources == [] and empty.project == "unknown"


@pytest.mark.parametrize(("data", "needle"), [
    ([], "expected a JSON object"),
    ({"deployment": {}}, "no deployment `version`"),
    ({"version": 2, "deployment": {}}, "unsupported deployment version 2"),
    ({"version": 4, "deployment": {}}, "unsupported deployment version 4"),
    ({"version": 3}, "no `deployment` object"),
    ({"version": 3, "deployment": {"resources": {}}}, "must be a list"),
    ({"version": 3, "deployment": {"resources": ["x"]}}, "resources[0] is not an object"),
    ({"version": 3, "deployment": {"resources": [{"urn": "u"}]}}, "no `urn` and `type`"),
    ({"version": 3, "deployment": {"resources": [{"urn": "not-a-urn", "type": "t"}]}}, "malformed urn"),
    ({"version": 3, "deployment": {"resources": [{"urn": STACK, "type": "t", "inputs": []}]}}, "`inputs` must be"),
    ({"version": 3, "deployment": {"resources": [{"urn": STACK, "type": "t", "dependencies": "x"}]}},
     "`dependencies` must be a list"),
])
def test_malformed_exports(data, needle):
    with pytest.raises(ExportError) as info:
        parse_export(data, where="state.json")
    assert needle in str(info.value)


def test_load_export_file_errors(tmp_path):
    with pytest.raises(ExportError, match="cannot read state file"):
        load_export(str(tmp_path / "missing.json"))
    garbled = tmp_path / "garbled.json"
    garbled.write_text('{"version": 3, "deploy')
    with pytest.raises(ExportError, match="not valid JSON"):
        load_export(str(garbled))
    binary = tmp_path / "state.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ExportError):
        load_export(str(binary))
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_export()))
    assert len(load_export(str(good)).resources) == 5


def test_audit_verdicts_match_the_in_process_servicer():
    """The same export resources through `mlgov.testing.evaluate` (in-process) and the gate's conversion."""
    from mlgov.diagnostics import to_violations
    from mlgov.testing import default_analyzer, evaluate

    domain_urn = "urn:pulumi:prod::proj::aws:sagemaker/domain:Domain::studio"
    data = _export()
    data["deployment"]["resources"].append(
        {"urn": domain_urn, "custom": True, "type": "aws:sagemaker/domain:Domain", "id": "d-1",
         "inputs": {"authMode": "SSO", "domainName": "s"}, "outputs": {"authMode": "SSO", "domainName": "s"}})
    state = parse_export(data)
    result = evaluate(state.resources)
    violations = to_violations(result.diagnostics, mode="audit", info=default_analyzer().info(),
                               stack_urn=STACK, secrets=state.secret_values)
    flagged = {(v.policy, v.name) for v in violations if v.blocking()}
    assert ("sagemaker-domain-vpc-only", "studio") in flagged
    assert ("sagemaker-domain-iam-auth", "studio") in flagged
    # the ciphertext bucket policy cannot be verified; it is said, never decided
    assert any(v.unverifiable and v.name == "team-data::policy" for v in violations)
    assert not any("s3cr3t-value" in v.message or "inner-secret" in v.message for v in violations)
