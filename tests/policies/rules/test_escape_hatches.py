"""Escape hatches through the engine path: inline CloudFormation templates (JSON and YAML with intrinsic
functions), stack sets, Cloud Control desired state and aws-native resources are judged by the pack's own
rules; opaque templates are reported; real programs in both modes."""

from __future__ import annotations

import json

import pytest
from ml_dataset_governance.policies import templates
from ml_dataset_governance.policies.rules import escape_hatches as hatches

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

RULE = hatches.RULE_ID
ISOLATED_MODEL = {"Type": "AWS::SageMaker::Model", "Properties": {
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r", "EnableNetworkIsolation": True,
    "PrimaryContainer": {"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"}}}
OPEN_MODEL = {"Type": "AWS::SageMaker::Model", "Properties": {
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r",
    "PrimaryContainer": {"Image": "docker.io/library/python:3.12"}}}
QUEUE = {"Type": "AWS::SQS::Queue", "Properties": {}}


def _stack(resources: dict, type_token=hatches.CFN_STACK, **extra):
    return resource(type_token, "cfn", {"name": "cfn", "templateBody": json.dumps({"Resources": resources}),
                                        **extra})


def test_compliant_template_passes():
    result = evaluate([_stack({"Model": ISOLATED_MODEL, "Queue": QUEUE})])
    assert result.flagged(RULE) == set() and result.unverifiable(RULE) == set()


def test_template_resources_are_judged_by_the_packs_own_rules():
    result = evaluate([_stack({"Model": OPEN_MODEL})])
    assert result.flagged(RULE) == {"cfn"}
    text = " ".join(result.messages(RULE))
    assert "AWS::SageMaker::Model 'Model' breaks sagemaker-model-network-isolated" in text
    assert "breaks sagemaker-container-image-private-registry" in text
    assert {d.enforcement for d in result.for_policy(RULE)} == {"mandatory"}


def test_stack_sets_are_judged_alike():
    assert evaluate([_stack({"Model": OPEN_MODEL}, hatches.CFN_STACK_SET)]).flagged(RULE) == {"cfn"}


YAML_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Isolate: {Type: String}
Resources:
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Data
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: "arn:aws:s3:::datasets-clicks/*"
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: false
"""


def test_yaml_template_with_intrinsics():
    result = evaluate([resource(hatches.CFN_STACK, "cfn", {"name": "cfn", "templateBody": YAML_TEMPLATE})])
    text = " ".join(result.messages(RULE))
    assert "AWS::S3::BucketPolicy 'Policy' breaks s3-bucket-policy-not-public" in text
    assert "AWS::KMS::Key 'Key' breaks kms-key-rotation-enabled" in text


def test_intrinsic_flag_is_unverifiable_not_passed():
    model = {"Type": "AWS::SageMaker::Model", "Properties": {**ISOLATED_MODEL["Properties"],
                                                             "EnableNetworkIsolation": {"Ref": "Isolate"}}}
    result = evaluate([_stack({"Model": model})])
    assert result.flagged(RULE) == set()
    assert result.unverifiable(RULE) == {"cfn"}


@pytest.mark.parametrize(("props", "why"), [
    ({"name": "cfn", "templateUrl": "https://s3.amazonaws.com/bucket/template.yaml"}, "only by templateUrl"),
    ({"name": "cfn", "templateBody": "{not: [valid"}, "cannot be read"),
    ({"name": "cfn", "templateBody": json.dumps({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}})},
     "AWS::S3::Bucket 'Bucket' is not judged"),
    ({"name": "cfn", "templateBody": json.dumps({"Resources": {"Nested": {
        "Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://x"}}}})}, "not judged"),
])
def test_opaque_templates_are_reported(props, why):
    result = evaluate([resource(hatches.CFN_STACK, "cfn", props)])
    assert result.flagged(RULE) == {"cfn"}
    assert why in " ".join(result.messages(RULE))


def test_opaque_template_can_be_exempted_with_a_reason():
    config = {RULE: {"exemptions": [{"resource": "cfn", "reason": "vendor template reviewed by security, SEC-123"}]}}
    result = evaluate([resource(hatches.CFN_STACK, "cfn", {"name": "cfn", "templateUrl": "https://x"})],
                      config=config)
    assert not [d for d in result.for_policy(RULE) if d.enforcement == "mandatory"]


def test_preview_body_is_noted():
    result = evaluate([resource(hatches.CFN_STACK, "cfn", {"name": "cfn", "templateBody": UNKNOWN})])
    assert result.flagged(RULE) == set() and result.unverifiable(RULE) == {"cfn"}


# --- Cloud Control and aws-native ------------------------------------------------------------------

def test_cloud_control_desired_state_is_judged():
    bad = resource(hatches.CLOUD_CONTROL, "cc", {"typeName": "AWS::SageMaker::Model",
                                                 "desiredState": json.dumps(OPEN_MODEL["Properties"])})
    good = resource(hatches.CLOUD_CONTROL, "cc2", {"typeName": "AWS::SageMaker::Model",
                                                   "desiredState": json.dumps(ISOLATED_MODEL["Properties"])})
    assert evaluate([bad, good]).flagged(RULE) == {"cc"}


def test_aws_native_resources_are_judged_by_the_equivalent_rules():
    token = "aws-native:sagemaker:NotebookInstance"
    assert token in templates.NATIVE_TYPES
    props = {"instanceType": "ml.t3.medium", "roleArn": "arn:aws:iam::123456789012:role/r",
             "directInternetAccess": "Enabled", "rootAccess": "Disabled", "subnetId": "subnet-1",
             "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k",
             "instanceMetadataServiceConfiguration": {"minimumInstanceMetadataServiceVersion": "2"}}
    result = evaluate([resource(token, "nb", props)])
    assert result.flagged(RULE) == {"nb"}
    assert "sagemaker-notebook-no-direct-internet" in " ".join(result.messages(RULE))
    fixed = evaluate([resource(token, "nb", {**props, "directInternetAccess": "Disabled"})])
    assert fixed.flagged(RULE) == set()


def test_monitoring_definitions_missing_from_pulumi_aws_are_judged_through_templates():
    bias = {"Type": "AWS::SageMaker::ModelBiasJobDefinition", "Properties": {
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "ModelBiasAppSpecification": {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/b:1"},
        "JobResources": {"ClusterConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 2,
                                           "VolumeKmsKeyId": "k"}},
        "ModelBiasJobOutputConfig": {"KmsKeyId": "k"},
        "NetworkConfig": {"EnableNetworkIsolation": False, "EnableInterContainerTrafficEncryption": True,
                          "VpcConfig": {"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}}}}
    result = evaluate([_stack({"Bias": bias})])
    messages = " ".join(result.messages(RULE))
    assert "breaks sagemaker-job-network-isolated" in messages
    assert "breaks sagemaker-job-output-kms-encrypted" not in messages  # the renamed output config is read


# --- real program ---------------------------------------------------------------------------------

def _program(weak: bool):
    def program() -> None:
        import pulumi_aws as aws

        body = {"Resources": {"Model": OPEN_MODEL if weak else ISOLATED_MODEL}}
        aws.cloudformation.Stack("cfn", name="cfn", template_body=json.dumps(body))

    return program


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_in_both_modes(preview):
    good = evaluate_program(_program(False), preview=preview)
    assert good.flagged(RULE) == set() and good.unverifiable(RULE) == set()
    assert evaluate_program(_program(True), preview=preview).flagged(RULE) == {"cfn"}


def test_template_role_with_admin_inline_policy_is_judged_with_its_document_intact():
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    role = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "sagemaker.amazonaws.com"}}]},
        "Policies": [{"PolicyName": "admin", "PolicyDocument": admin}]}}
    result = evaluate([_stack({"Role": role})])
    assert "AWS::IAM::Role 'Role' breaks iam-no-admin-access" in " ".join(result.messages(RULE))
    least = {**role, "Properties": {**role["Properties"], "Policies": [{"PolicyName": "read", "PolicyDocument": {
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::datasets-clicks/*"}]}}]}}
    assert evaluate([_stack({"Role": least})]).flagged(RULE) == set()
