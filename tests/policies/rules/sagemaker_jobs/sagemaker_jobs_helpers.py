"""Shared fixtures of the SageMaker job and inference rule tests: golden jobs as the engine sends them,
a one-mutation helper and a rule's outcome on one resource."""

from __future__ import annotations

import copy

from ml_dataset_governance.policies.sagemaker_shapes import (
    DATA_QUALITY_JOB,
    LABELING_JOB,
    MONITORING_SCHEDULE,
    TRAINING_JOB,
    TUNING_JOB,
)

from mlgov.testing import evaluate, resource

ROLE = "arn:aws:iam::123456789012:role/team"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0b1c"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1.0"
VPC = {"subnets": ["subnet-1"], "securityGroupIds": ["sg-1"]}
JOB_RULES = ("sagemaker-job-in-vpc", "sagemaker-job-network-isolated", "sagemaker-job-inter-container-encrypted",
             "sagemaker-job-volume-kms-encrypted", "sagemaker-job-output-kms-encrypted",
             "sagemaker-container-image-private-registry")

TRAINING = {
    "roleArn": ROLE, "vpcConfig": VPC, "enableNetworkIsolation": True, "enableInterContainerTrafficEncryption": True,
    "algorithmSpecification": {"trainingImage": IMAGE, "trainingInputMode": "File"},
    "resourceConfig": {"instanceType": "ml.m5.xlarge", "instanceCount": 2.0, "volumeSizeInGb": 50.0,
                       "volumeKmsKeyId": KEY},
    "outputDataConfig": {"s3OutputPath": "s3://datasets/models/", "kmsKeyId": KEY},
}
TUNING = {"hyperParameterTuningJobConfig": {"strategy": "Bayesian"},
          "trainingJobDefinition": copy.deepcopy(TRAINING)}
DATA_QUALITY = {
    "roleArn": ROLE,
    "dataQualityAppSpecification": {"imageUri": IMAGE},
    "networkConfig": {"vpcConfig": VPC, "enableNetworkIsolation": True, "enableInterContainerTrafficEncryption": True},
    "jobResources": {"clusterConfig": {"instanceType": "ml.m5.large", "instanceCount": 1.0, "volumeSizeInGb": 20.0,
                                       "volumeKmsKeyId": KEY}},
    "dataQualityJobOutputConfig": {"kmsKeyId": KEY, "monitoringOutputs": {"s3Output": {"s3Uri": "s3://datasets/q"}}},
}
SCHEDULE = {"monitoringScheduleConfig": {"monitoringType": "DataQuality", "monitoringJobDefinition": {
    "roleArn": ROLE, "monitoringAppSpecification": {"imageUri": IMAGE},
    "networkConfig": DATA_QUALITY["networkConfig"],
    "monitoringResources": {"clusterConfig": DATA_QUALITY["jobResources"]["clusterConfig"]},
    "monitoringOutputConfig": {"kmsKeyId": KEY}}}}
LABELING = {
    "roleArn": ROLE,
    "humanTaskConfig": {"workteamArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team"},
    "outputConfig": {"s3OutputPath": "s3://datasets/labels/", "kmsKeyId": KEY},
    "labelingJobAlgorithmsConfig": {"labelingJobAlgorithmSpecificationArn": "arn:aws:sagemaker:::algo",
                                    "labelingJobResourceConfig": {"volumeKmsKeyId": KEY, "vpcConfig": VPC}},
}
GOLDEN = {TRAINING_JOB: TRAINING, TUNING_JOB: TUNING, DATA_QUALITY_JOB: DATA_QUALITY,
          MONITORING_SCHEDULE: SCHEDULE, LABELING_JOB: LABELING}
PREFIX = {TRAINING_JOB: "", TUNING_JOB: "trainingJobDefinition.", DATA_QUALITY_JOB: "",
          MONITORING_SCHEDULE: "monitoringScheduleConfig.monitoringJobDefinition.", LABELING_JOB: ""}


def edit(inputs: dict, path: str, value) -> dict:
    """A deep copy with dotted `path` set to `value` (None deletes it)."""
    out = copy.deepcopy(inputs)
    *parents, leaf = path.split(".")
    node = out
    for p in parents:
        node = node.setdefault(p, {})
    if value is None:
        node.pop(leaf, None)
    else:
        node[leaf] = value
    return out


def flags(type_token: str, inputs: dict, rule: str, **kw) -> tuple[set, set]:
    result = evaluate([resource(type_token, "r", inputs)], **kw)
    return result.flagged(rule), result.unverifiable(rule)
