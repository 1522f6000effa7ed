"""sagemaker_jobs.jobs through the engine path: golden jobs of every type, one mutation one finding,
local-NVMe instances, preview unknowns."""

from __future__ import annotations

import copy

import pytest
from ml_dataset_governance.policies.sagemaker_shapes import (
    DATA_QUALITY_JOB,
    LABELING_JOB,
    MONITORING_SCHEDULE,
    TRAINING_JOB,
    TUNING_JOB,
)

from mlgov.testing import UNKNOWN, evaluate, resource
from tests.policies.rules.sagemaker_jobs.sagemaker_jobs_helpers import (
    GOLDEN,
    JOB_RULES,
    KEY,
    LABELING,
    PREFIX,
    TRAINING,
    edit,
    flags,
)


@pytest.mark.parametrize("type_token", list(GOLDEN))
def test_golden_job_passes_every_rule(type_token):
    result = evaluate([resource(type_token, "r", GOLDEN[type_token])])
    assert result.diagnostics == []


# (rule, path relative to the job definition, mutated value) per job shape
TRAINING_MUTATIONS = [
    ("sagemaker-job-in-vpc", "vpcConfig", None),
    ("sagemaker-job-in-vpc", "vpcConfig.securityGroupIds", []),
    ("sagemaker-job-network-isolated", "enableNetworkIsolation", None),
    ("sagemaker-job-network-isolated", "enableNetworkIsolation", False),
    ("sagemaker-job-inter-container-encrypted", "enableInterContainerTrafficEncryption", None),
    ("sagemaker-job-volume-kms-encrypted", "resourceConfig.volumeKmsKeyId", None),
    ("sagemaker-job-output-kms-encrypted", "outputDataConfig.kmsKeyId", None),
    ("sagemaker-container-image-private-registry", "algorithmSpecification.trainingImage", "pytorch/pytorch:2.3"),
    ("sagemaker-container-image-private-registry", "algorithmSpecification.trainingImage",
     "public.ecr.aws/lambda/python:3.12"),
]
MONITORING_MUTATIONS = [
    ("sagemaker-job-in-vpc", "networkConfig.vpcConfig", None),
    ("sagemaker-job-network-isolated", "networkConfig.enableNetworkIsolation", False),
    ("sagemaker-job-inter-container-encrypted", "networkConfig.enableInterContainerTrafficEncryption", None),
]


@pytest.mark.parametrize(("type_token", "rule", "path", "value"),
                         [(t, *m) for t in (TRAINING_JOB, TUNING_JOB) for m in TRAINING_MUTATIONS]
                         + [(t, *m) for t in (DATA_QUALITY_JOB, MONITORING_SCHEDULE) for m in MONITORING_MUTATIONS]
                         + [(DATA_QUALITY_JOB, "sagemaker-job-volume-kms-encrypted",
                             "jobResources.clusterConfig.volumeKmsKeyId", None),
                            (DATA_QUALITY_JOB, "sagemaker-job-output-kms-encrypted",
                             "dataQualityJobOutputConfig.kmsKeyId", None),
                            (MONITORING_SCHEDULE, "sagemaker-job-output-kms-encrypted",
                             "monitoringOutputConfig.kmsKeyId", None),
                            (LABELING_JOB, "sagemaker-job-in-vpc",
                             "labelingJobAlgorithmsConfig.labelingJobResourceConfig.vpcConfig", None),
                            (LABELING_JOB, "sagemaker-job-output-kms-encrypted", "outputConfig.kmsKeyId", None)])
def test_one_mutation_one_finding(type_token, rule, path, value):
    inputs = edit(GOLDEN[type_token], PREFIX[type_token] + path, value)
    result = evaluate([resource(type_token, "r", inputs)])
    assert result.flagged(rule) == {"r"}
    assert {d.enforcement for d in result.for_policy(rule)} == {"mandatory"}
    assert not any(result.flagged(o) for o in set(JOB_RULES) - {rule}), "one mutation, one finding"
    assert all(m.rstrip().endswith(".") for m in result.messages(rule))


def test_tuning_job_checks_every_definition_in_the_list():
    second = edit(TRAINING, "enableNetworkIsolation", False)
    inputs = {"trainingJobDefinitions": [copy.deepcopy(TRAINING), second]}
    result = evaluate([resource(TUNING_JOB, "r", inputs)])
    assert result.flagged("sagemaker-job-network-isolated") == {"r"}
    assert any("trainingJobDefinitions[1].enableNetworkIsolation" in m
               for m in result.messages("sagemaker-job-network-isolated"))


@pytest.mark.parametrize("instance_type", ["ml.g5.2xlarge", "ml.p4d.24xlarge", "ml.m5d.xlarge", "ml.g4dn.xlarge"])
def test_local_nvme_instances_need_no_volume_key(instance_type):
    inputs = edit(edit(TRAINING, "resourceConfig.volumeKmsKeyId", None), "resourceConfig.instanceType", instance_type)
    assert flags(TRAINING_JOB, inputs, "sagemaker-job-volume-kms-encrypted") == (set(), set())


@pytest.mark.parametrize("instance_type", ["ml.m5.xlarge", "ml.p3.2xlarge", "ml.inf2.xlarge"])
def test_ebs_instances_still_need_a_volume_key(instance_type):
    inputs = edit(edit(TRAINING, "resourceConfig.volumeKmsKeyId", None), "resourceConfig.instanceType", instance_type)
    assert flags(TRAINING_JOB, inputs, "sagemaker-job-volume-kms-encrypted") == ({"r"}, set())


def test_labeling_without_automation_runs_no_compute_of_ours():
    inputs = edit(edit(LABELING, "labelingJobAlgorithmsConfig", None), "outputConfig.kmsKeyId", KEY)
    result = evaluate([resource(LABELING_JOB, "r", inputs)])
    assert result.diagnostics == []


def test_schedule_referencing_a_named_definition_is_judged_by_that_definition():
    inputs = {"monitoringScheduleConfig": {"monitoringType": "DataQuality", "monitoringJobDefinitionName": "dq"}}
    assert evaluate([resource(MONITORING_SCHEDULE, "r", inputs)]).diagnostics == []


def test_preview_references_count_as_set_and_unknown_flags_are_noted():
    inputs = edit(edit(TRAINING, "resourceConfig.volumeKmsKeyId", UNKNOWN), "vpcConfig.subnets", [UNKNOWN])
    inputs = edit(inputs, "enableNetworkIsolation", UNKNOWN)
    result = evaluate([resource(TRAINING_JOB, "r", inputs)])
    assert result.flagged("sagemaker-job-volume-kms-encrypted") == set()
    assert result.flagged("sagemaker-job-in-vpc") == set()
    assert result.unverifiable("sagemaker-job-network-isolated") == {"r"}
    assert result.flagged("sagemaker-job-network-isolated") == set()
