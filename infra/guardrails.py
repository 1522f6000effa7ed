"""Preventive guardrails for SageMaker execution roles: deny creating compute that is outside the VPC, unencrypted
or not isolated, whatever else the role is granted.

Every execution role of the stack (each team's, and the domain's default) carries these as a second inline policy,
`<name>-guardrails`. Data-perimeter pattern of aws-samples/data-perimeter-policy-examples, with the SageMaker
condition keys `sagemaker:VpcSubnets`, `VolumeKmsKey`, `OutputKmsKey`, `NetworkIsolation` and
`InterContainerTrafficEncryption`, on create and on update actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

# Preventive guardrails: condition key -> the actions whose request carries it (Service Authorization Reference,
# "Actions, resources, and condition keys for Amazon SageMaker AI"; tests/infra check every pair against
# policyuniverse's copy of it). A Deny whose key is absent from an action's request would deny every call, so each
# key lists only the actions that support it. Update actions: only UpdateMonitoringSchedule can change these
# settings (UpdateTrainingJob, UpdateNotebookInstance, UpdateEndpoint carry none of these keys). Instance types with
# local NVMe storage take no volume key (SageMaker rejects KmsKeyId for them): this stack does not allow them for
# the guarded actions; a team that needs one asks for an exception in the stack, visibly.
_TRAINING_LIKE = ("sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob",
                  "sagemaker:CreateHyperParameterTuningJob")
_MONITORING = ("sagemaker:CreateDataQualityJobDefinition", "sagemaker:CreateModelBiasJobDefinition",
               "sagemaker:CreateModelExplainabilityJobDefinition", "sagemaker:CreateModelQualityJobDefinition",
               "sagemaker:CreateMonitoringSchedule", "sagemaker:UpdateMonitoringSchedule")
GUARDRAIL_ACTIONS: dict[str, tuple[str, ...]] = {
    "sagemaker:VpcSubnets": (*_TRAINING_LIKE, "sagemaker:CreateModel", "sagemaker:CreateNotebookInstance",
                             *_MONITORING),
    "sagemaker:VolumeKmsKey": (*_TRAINING_LIKE, "sagemaker:CreateEndpointConfig", "sagemaker:CreateNotebookInstance",
                               "sagemaker:CreateTransformJob", *_MONITORING),
    "sagemaker:OutputKmsKey": (*_TRAINING_LIKE, "sagemaker:CreateTransformJob", *_MONITORING),
    "sagemaker:NetworkIsolation": (*_TRAINING_LIKE, "sagemaker:CreateModel", *_MONITORING),
    "sagemaker:InterContainerTrafficEncryption": (*_TRAINING_LIKE, *_MONITORING),
}
BOOLEAN_GUARDRAIL_KEYS: tuple[str, ...] = ("sagemaker:NetworkIsolation", "sagemaker:InterContainerTrafficEncryption")


def guardrail_statements(subnet_ids: Sequence[pulumi.Input[str]],
                         security_group_ids: Sequence[pulumi.Input[str]]) -> list[dict[str, Any]]:
    """Deny creating SageMaker compute that is outside the VPC, unencrypted or not isolated.

    Null "true" matches when the key is absent (the setting was not given); Bool "false" when it was given off
    (IAM User Guide, "Condition operator to check existence of condition keys" / "Boolean condition operators").
    Absent OR off needs two statements. VPC settings must also name only the stack's subnets and the team's group.
    """
    statements: list[dict[str, Any]] = []
    for key, actions in GUARDRAIL_ACTIONS.items():
        name = key.split(":", 1)[1]
        statements.append({
            "Sid": f"DenyWithout{name}",
            "Effect": "Deny",
            "Action": list(actions),
            "Resource": "*",
            "Condition": {"Null": {key: "true"}},
        })
        if key in BOOLEAN_GUARDRAIL_KEYS:
            statements.append({
                "Sid": f"DenyWith{name}Off",
                "Effect": "Deny",
                "Action": list(actions),
                "Resource": "*",
                "Condition": {"Bool": {key: "false"}},
            })
    vpc_actions = list(GUARDRAIL_ACTIONS["sagemaker:VpcSubnets"])
    statements += [
        {
            "Sid": "DenyOtherSubnets",
            "Effect": "Deny",
            "Action": vpc_actions,
            "Resource": "*",
            "Condition": {"ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": list(subnet_ids)}},
        },
        {
            "Sid": "DenyOtherSecurityGroups",
            "Effect": "Deny",
            "Action": vpc_actions,
            "Resource": "*",
            "Condition": {"ForAnyValue:StringNotEquals": {"sagemaker:VpcSecurityGroupIds": list(security_group_ids)}},
        },
    ]
    return statements
