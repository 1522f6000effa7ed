"""Reading CloudFormation: JSON and YAML (intrinsic tags), lowerCamel inputs, policy documents kept intact."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies import templates
from ml_dataset_governance.policies.values import UNKNOWN


def test_yaml_intrinsics_become_unknown_values():
    parsed = templates.parse("Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n"
                             "      EnableKeyRotation: !Ref Rotate\n")
    assert parsed["Resources"]["K"]["Properties"]["EnableKeyRotation"] == UNKNOWN


@pytest.mark.parametrize("body", ["[1, 2]", "a: [unclosed", 42])
def test_unreadable_templates_raise_template_error(body):
    with pytest.raises(templates.TemplateError):
        templates.parse(body)


def test_translation_renames_and_keeps_documents():
    token, props = templates.translate("AWS::KMS::Key", {
        "EnableKeyRotation": True, "PendingWindowInDays": 7,
        "KeyPolicy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "x"}}}]}})
    assert token == "aws:kms/key:Key"
    assert props["enableKeyRotation"] is True and props["deletionWindowInDays"] == 7.0
    assert props["policy"] == {"Statement": [{"Effect": "Allow", "Principal": {"AWS": UNKNOWN}}]}


def test_security_group_ingress_is_reshaped_and_tags_keep_their_keys():
    _, props = templates.translate("AWS::EC2::SecurityGroup", {
        "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}],
        "Tags": [{"Key": "aws:cloudformation:stack-name", "Value": "s"}]})
    assert props["ingress"] == [{"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["0.0.0.0/0"],
                                 "ipv6CidrBlocks": []}]


def test_native_tokens_map_back_to_cloudformation_types():
    assert templates.native_to_cfn("aws-native:sagemaker:Model") == "AWS::SageMaker::Model"
    assert templates.native_to_cfn("aws-native:sqs:Queue") is None
    assert templates.governed("AWS::S3::Bucket") and not templates.governed("AWS::SQS::Queue")
