"""mlgov.policy_config: reconciled as the engine does, validated once against the pack's own schemas."""

from __future__ import annotations

import json

import pytest

from mlgov.analyzer import AnalyzerInfo, PolicyInfo
from mlgov.policy_config import PolicyConfigError, load_policy_config, reconcile

EXEMPTIONS = {"type": "array", "items": {"type": "object", "properties": {
    "resource": {"type": "string"}, "reason": {"type": "string"},
    "expires": {"type": "string", "format": "date"}}, "required": ["resource", "reason"]}}


def info(**initial) -> AnalyzerInfo:
    return AnalyzerInfo(name="pack", version="1", initial_config=initial, policies=[
        PolicyInfo("bucket-encrypted", "d", "mandatory", "high", {"properties": {
            "allowedAlgorithms": {"type": "array", "items": {"type": "string"}, "default": ["aws:kms"]},
            "exemptions": EXEMPTIONS}}),
        PolicyInfo("key-rotated", "d", "advisory", "medium", {"properties": {
            "maxDays": {"type": "integer", "default": 365}}, "required": ["maxDays"]}),
    ])


def test_defaults_then_initial_config_then_the_user_file_all_first():
    pack = info(**{"key-rotated": {"enforcementLevel": "mandatory", "maxDays": 90}})
    result = reconcile(pack, {"all": "advisory", "bucket-encrypted": "disabled", "key-rotated": {"maxDays": 30.0}})
    assert result == {"bucket-encrypted": {"enforcementLevel": "disabled", "allowedAlgorithms": ["aws:kms"]},
                      "key-rotated": {"enforcementLevel": "advisory", "maxDays": 30.0}}


@pytest.mark.parametrize(("config", "needle"), [
    ({"bucket-encryptd": "mandatory"},
     "no policy named 'bucket-encryptd' in the pack; did you mean 'bucket-encrypted'?"),
    ({"key-rotated": {"maxDay": 3}}, "key-rotated has no parameter 'maxDay'; did you mean 'maxDays'?"),
    ({"key-rotated": {"maxDays": 2.5}}, "key-rotated.maxDays: 2.5 is not of type 'integer'"),
    ({"key-rotated": "sometimes"}, "key-rotated.enforcementLevel: 'sometimes' is not one of"),
    ({"all": "loud"}, "'all' must be one of"),
    ({"key-rotated": 3}, "must be an enforcement level or an object"),
    ({"bucket-encrypted": {"exemptions": [{"resource": "b", "reason": "r", "expires": "2027-13-45"}]}},
     "bucket-encrypted.exemptions.0.expires: '2027-13-45' is not a 'date'"),
    ({"bucket-encrypted": {"exemptions": [{"resource": "b"}]}}, "'reason' is a required property"),
])
def test_invalid_configs_are_rejected_with_where_and_why(config, needle):
    with pytest.raises(PolicyConfigError) as err:
        reconcile(info(), config)
    assert needle in str(err.value)


def test_an_invalid_initial_config_is_the_pack_s_error():
    with pytest.raises(PolicyConfigError, match="pack initialConfig: key-rotated has no parameter 'days'"):
        reconcile(info(**{"key-rotated": {"days": 1}}))


def test_load_policy_config_errors(tmp_path):
    (tmp_path / "list.json").write_text(json.dumps([1]))
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(PolicyConfigError, match="JSON object keyed by policy name"):
        load_policy_config(tmp_path / "list.json")
    with pytest.raises(PolicyConfigError, match="not valid JSON"):
        load_policy_config(tmp_path / "bad.json")
    with pytest.raises(PolicyConfigError, match="cannot read"):
        load_policy_config(tmp_path / "missing.json")
