"""Rule configuration: validated once, with jsonschema, against exactly the schemas the pack declares."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from ml_dataset_governance.policies.catalog import all_rules, rule_by_id
from ml_dataset_governance.policies.config import InvalidConfig, config_properties, resolve, validation_schema

from mlgov.analyzer import InProcessAnalyzer

KMS_ROTATION = rule_by_id("kms-key-rotation-enabled")
AUTH = rule_by_id("sagemaker-domain-iam-auth")
REASON = "legacy domain, migration ticket GOV-12"


def test_defaults_are_filled_and_configured_values_win():
    params, exemptions = resolve(KMS_ROTATION, {"maximumRotationPeriodDays": 180.0})  # the engine sends floats
    assert params == {"maximumRotationPeriodDays": 180.0} and exemptions == ()
    assert resolve(KMS_ROTATION, None)[0] == {"maximumRotationPeriodDays": 365}


@pytest.mark.parametrize(("rule", "config", "says"), [
    (KMS_ROTATION, {"maximumRotationPeriodDays": 180.5}, "is not of type 'integer'"),  # the old check accepted it
    (KMS_ROTATION, {"maximumRotationPeriodDays": 30}, "less than the minimum"),
    (KMS_ROTATION, {"maximumRotationPeriodDays": True}, "is not of type 'integer'"),
    (AUTH, {"allowedAuthModes": ["PASSWORD"]}, "is not one of"),
    (AUTH, {"allowedAuthModes": "IAM"}, "is not of type 'array'"),
    (AUTH, {"allowedAuthmodes": ["IAM"]}, "Additional properties are not allowed"),  # a misspelt parameter
    (AUTH, {"exemptions": [{"resource": "studio"}]}, "'reason' is a required property"),
    (AUTH, {"exemptions": [{"resource": "studio", "reason": "   too short  "}]}, "does not match"),
    (AUTH, {"exemptions": [{"resource": "studio", "reason": REASON, "expires": "2027-13-01"}]}, "does not match"),
    (AUTH, {"exemptions": [{"resource": "studio", "reason": REASON, "owner": "me"}]}, "Additional properties"),
    (AUTH, {"exemptions": [{"resource": "", "reason": REASON}]}, "should be non-empty"),
])
def test_invalid_configuration_is_rejected_naming_the_problem(rule, config, says):
    with pytest.raises(InvalidConfig, match=says):
        resolve(rule, config)


def test_a_date_that_matches_the_pattern_but_does_not_exist_is_rejected_by_the_conversion():
    with pytest.raises(InvalidConfig, match="2027-02-30"):
        resolve(AUTH, {"exemptions": [{"resource": "studio", "reason": REASON, "expires": "2027-02-30"}]})


def test_exemptions_are_converted():
    _, [exemption] = resolve(AUTH, {"exemptions": [{"resource": "stud*", "reason": f"  {REASON} ",
                                                    "expires": "2027-06-30", "approvedBy": "ciso"}]})
    assert (exemption.resource, exemption.reason, exemption.expires.isoformat()) == ("stud*", REASON, "2027-06-30")


def _object_schemas(schema):
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            yield schema
        for value in schema.values():
            yield from _object_schemas(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _object_schemas(value)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_declared_schema_is_valid_and_closed(rule):
    Draft202012Validator.check_schema(validation_schema(rule))
    # The engine can carry additionalProperties only inside properties: every nested object closes itself.
    assert all(s.get("additionalProperties") is False for s in _object_schemas(config_properties(rule)))
    for name, schema in rule.params.items():
        if name.endswith("Days"):
            assert schema["type"] == "integer", name


def test_the_pack_declares_to_the_engine_exactly_the_schema_it_validates_against():
    from ml_dataset_governance.policies.pack import pack_servicer

    info = InProcessAnalyzer(servicer=pack_servicer()).info()
    declared = {p.name: p.config_schema.get("properties") for p in info.policies}
    for rule in all_rules():
        assert declared[rule.id] == config_properties(rule), rule.id
