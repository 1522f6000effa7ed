"""SageMaker job, feature-store, data-capture, image and workforce rules through the engine path:
golden resources, one-mutation failures, compliant twins, preview unknowns, real programs in both modes."""

from __future__ import annotations

import copy

import pytest
from ml_dataset_governance.policies.sagemaker_shapes import (
    DATA_QUALITY_JOB,
    ENDPOINT_CONFIG,
    FEATURE_GROUP,
    FLOW_DEFINITION,
    LABELING_JOB,
    MODEL,
    MONITORING_SCHEDULE,
    TRAINING_JOB,
    TUNING_JOB,
)

from mlgov.testing import UNKNOWN, evaluate, evaluate_program, resource

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


def _set(inputs: dict, path: str, value) -> dict:
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


def _flags(type_token: str, inputs: dict, rule: str, **kw) -> tuple[set, set]:
    result = evaluate([resource(type_token, "r", inputs)], **kw)
    return result.flagged(rule), result.unverifiable(rule)


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
    inputs = _set(GOLDEN[type_token], PREFIX[type_token] + path, value)
    result = evaluate([resource(type_token, "r", inputs)])
    assert result.flagged(rule) == {"r"}
    assert {d.enforcement for d in result.for_policy(rule)} == {"mandatory"}
    assert not any(result.flagged(o) for o in set(JOB_RULES) - {rule}), "one mutation, one finding"
    assert all(m.rstrip().endswith(".") for m in result.messages(rule))


def test_tuning_job_checks_every_definition_in_the_list():
    second = _set(TRAINING, "enableNetworkIsolation", False)
    inputs = {"trainingJobDefinitions": [copy.deepcopy(TRAINING), second]}
    result = evaluate([resource(TUNING_JOB, "r", inputs)])
    assert result.flagged("sagemaker-job-network-isolated") == {"r"}
    assert any("trainingJobDefinitions[1].enableNetworkIsolation" in m
               for m in result.messages("sagemaker-job-network-isolated"))


@pytest.mark.parametrize("instance_type", ["ml.g5.2xlarge", "ml.p4d.24xlarge", "ml.m5d.xlarge", "ml.g4dn.xlarge"])
def test_local_nvme_instances_need_no_volume_key(instance_type):
    inputs = _set(_set(TRAINING, "resourceConfig.volumeKmsKeyId", None), "resourceConfig.instanceType", instance_type)
    assert _flags(TRAINING_JOB, inputs, "sagemaker-job-volume-kms-encrypted") == (set(), set())


@pytest.mark.parametrize("instance_type", ["ml.m5.xlarge", "ml.p3.2xlarge", "ml.inf2.xlarge"])
def test_ebs_instances_still_need_a_volume_key(instance_type):
    inputs = _set(_set(TRAINING, "resourceConfig.volumeKmsKeyId", None), "resourceConfig.instanceType", instance_type)
    assert _flags(TRAINING_JOB, inputs, "sagemaker-job-volume-kms-encrypted") == ({"r"}, set())


def test_labeling_without_automation_runs_no_compute_of_ours():
    inputs = _set(_set(LABELING, "labelingJobAlgorithmsConfig", None), "outputConfig.kmsKeyId", KEY)
    result = evaluate([resource(LABELING_JOB, "r", inputs)])
    assert result.diagnostics == []


def test_schedule_referencing_a_named_definition_is_judged_by_that_definition():
    inputs = {"monitoringScheduleConfig": {"monitoringType": "DataQuality", "monitoringJobDefinitionName": "dq"}}
    assert evaluate([resource(MONITORING_SCHEDULE, "r", inputs)]).diagnostics == []


def test_preview_references_count_as_set_and_unknown_flags_are_noted():
    inputs = _set(_set(TRAINING, "resourceConfig.volumeKmsKeyId", UNKNOWN), "vpcConfig.subnets", [UNKNOWN])
    inputs = _set(inputs, "enableNetworkIsolation", UNKNOWN)
    result = evaluate([resource(TRAINING_JOB, "r", inputs)])
    assert result.flagged("sagemaker-job-volume-kms-encrypted") == set()
    assert result.flagged("sagemaker-job-in-vpc") == set()
    assert result.unverifiable("sagemaker-job-network-isolated") == {"r"}
    assert result.flagged("sagemaker-job-network-isolated") == set()


# --- images ----------------------------------------------------------------------------------------

MODEL_INPUTS = {"executionRoleArn": ROLE, "enableNetworkIsolation": True, "primaryContainer": {"image": IMAGE}}


@pytest.mark.parametrize(("inputs", "config", "flagged"), [
    (MODEL_INPUTS, None, set()),
    (_set(MODEL_INPUTS, "primaryContainer.image", "nginx:latest"), None, {"r"}),
    (_set(MODEL_INPUTS, "primaryContainer", {"modelPackageName": "arn:aws:sagemaker:::model-package/x"}), None,
     set()),
    (MODEL_INPUTS, {"allowedImageAccounts": ["210987654321"]}, {"r"}),
    (MODEL_INPUTS, {"allowedImageAccounts": ["123456789012"]}, set()),
    (_set(MODEL_INPUTS, "primaryContainer.image", "registry.corp.internal/m:1"), {"allowedRegistries":
                                                                                 ["registry.corp.internal"]}, set()),
    ({**MODEL_INPUTS, "containers": [{"image": IMAGE}, {"image": "ghcr.io/x/y:1"}]}, None, {"r"}),
])
def test_model_images(inputs, config, flagged):
    cfg = {"sagemaker-container-image-private-registry": config} if config else None
    assert _flags(MODEL, inputs, "sagemaker-container-image-private-registry", config=cfg)[0] == flagged


def test_unknown_image_is_noted_not_passed():
    inputs = _set(MODEL_INPUTS, "primaryContainer.image", UNKNOWN)
    assert _flags(MODEL, inputs, "sagemaker-container-image-private-registry") == (set(), {"r"})


# --- workforces and human review -------------------------------------------------------------------

FLOW = {"roleArn": ROLE, "flowDefinitionName": "review",
        "humanLoopConfig": {"workteamArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team",
                            "humanTaskUiArn": "arn:ui", "taskCount": 1.0, "taskDescription": "d", "taskTitle": "t"},
        "outputConfig": {"s3OutputPath": "s3://datasets/reviews/", "kmsKeyId": KEY}}


@pytest.mark.parametrize("arn", ["arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default",
                                 "arn:aws:sagemaker:us-east-1:aws-marketplace:workteam/vendor/abc"])
def test_public_and_vendor_workforces_are_blocked(arn):
    assert _flags(LABELING_JOB, _set(LABELING, "humanTaskConfig.workteamArn", arn),
                  "sagemaker-workforce-private")[0] == {"r"}
    assert _flags(FLOW_DEFINITION, _set(FLOW, "humanLoopConfig.workteamArn", arn),
                  "sagemaker-workforce-private")[0] == {"r"}


def test_flow_definition_golden_and_missing_key():
    assert evaluate([resource(FLOW_DEFINITION, "r", FLOW)]).diagnostics == []
    assert _flags(FLOW_DEFINITION, _set(FLOW, "outputConfig.kmsKeyId", None),
                  "sagemaker-flow-definition-output-kms-encrypted") == ({"r"}, set())


# --- feature groups, endpoint capture and governed destinations ------------------------------------

DATASET_BUCKET = {"bucket": "datasets", "tags": {"dataset": "clicks"}}
SCRATCH_BUCKET = {"bucket": "scratch"}
FEATURES = {"featureGroupName": "f", "recordIdentifierFeatureName": "id", "eventTimeFeatureName": "t",
            "roleArn": ROLE,
            "offlineStoreConfig": {"s3StorageConfig": {"s3Uri": "s3://datasets/features/", "kmsKeyId": KEY}},
            "onlineStoreConfig": {"enableOnlineStore": True, "securityConfig": {"kmsKeyId": KEY}}}
CAPTURE = {"kmsKeyArn": KEY,
           "productionVariants": [{"modelName": "m", "instanceType": "ml.m5.large", "initialInstanceCount": 2.0}],
           "dataCaptureConfig": {"enableCapture": True, "initialSamplingPercentage": 100.0, "kmsKeyId": KEY,
                                 "destinationS3Uri": "s3://datasets/capture/",
                                 "captureOptions": [{"captureMode": "Input"}]}}


def _stack(*extra):
    return [resource("aws:s3/bucket:Bucket", "datasets", DATASET_BUCKET),
            resource("aws:s3/bucket:Bucket", "scratch", SCRATCH_BUCKET), *extra]


def test_golden_feature_group_and_capture_pass():
    result = evaluate(_stack(resource(FEATURE_GROUP, "fg", FEATURES), resource(ENDPOINT_CONFIG, "ec", CAPTURE)))
    for rule in ("sagemaker-feature-group-kms-encrypted", "sagemaker-endpoint-config-capture-kms-encrypted",
                 "sagemaker-data-stores-governed-buckets", "sagemaker-endpoint-config-kms-encrypted"):
        assert result.flagged(rule) == set() and result.unverifiable(rule) == set(), rule


@pytest.mark.parametrize(("path", "value"), [
    ("offlineStoreConfig.s3StorageConfig.kmsKeyId", None),
    ("onlineStoreConfig.securityConfig", None),
])
def test_feature_group_key_mutations(path, value):
    assert _flags(FEATURE_GROUP, _set(FEATURES, path, value), "sagemaker-feature-group-kms-encrypted")[0] == {"r"}


def test_in_memory_online_store_and_disabled_online_store_need_no_key():
    for online in ({"enableOnlineStore": True, "storageType": "InMemory"}, {"enableOnlineStore": False}):
        inputs = _set(FEATURES, "onlineStoreConfig", online)
        assert _flags(FEATURE_GROUP, inputs, "sagemaker-feature-group-kms-encrypted") == (set(), set())


def test_capture_without_key_is_blocked_and_disabled_capture_is_not():
    assert _flags(ENDPOINT_CONFIG, _set(CAPTURE, "dataCaptureConfig.kmsKeyId", None),
                  "sagemaker-endpoint-config-capture-kms-encrypted")[0] == {"r"}
    disabled = _set(_set(CAPTURE, "dataCaptureConfig.kmsKeyId", None), "dataCaptureConfig.enableCapture", False)
    assert _flags(ENDPOINT_CONFIG, disabled, "sagemaker-endpoint-config-capture-kms-encrypted") == (set(), set())


def test_nvme_endpoint_needs_no_volume_key_but_ebs_endpoint_does():
    nvme = _set(CAPTURE, "kmsKeyArn", None)
    nvme["productionVariants"][0]["instanceType"] = "ml.g5.xlarge"
    assert _flags(ENDPOINT_CONFIG, nvme, "sagemaker-endpoint-config-kms-encrypted") == (set(), set())
    assert _flags(ENDPOINT_CONFIG, _set(CAPTURE, "kmsKeyArn", None),
                  "sagemaker-endpoint-config-kms-encrypted")[0] == {"r"}


@pytest.mark.parametrize(("uri", "flagged"), [
    ("s3://datasets/features/", set()),
    ("s3://scratch/features/", {"fg"}),
    ("s3://somewhere-else/features/", {"fg"}),
])
def test_offline_store_must_be_a_governed_bucket(uri, flagged):
    inputs = _set(FEATURES, "offlineStoreConfig.s3StorageConfig.s3Uri", uri)
    result = evaluate(_stack(resource(FEATURE_GROUP, "fg", inputs)))
    assert result.flagged("sagemaker-data-stores-governed-buckets") == flagged


def test_external_governed_bucket_can_be_allowed():
    inputs = _set(FEATURES, "offlineStoreConfig.s3StorageConfig.s3Uri", "s3://lake-governed/x/")
    config = {"sagemaker-data-stores-governed-buckets": {"allowedExternalBuckets": ["lake-governed"]}}
    result = evaluate(_stack(resource(FEATURE_GROUP, "fg", inputs)), config=config)
    assert result.flagged("sagemaker-data-stores-governed-buckets") == set()


def test_first_preview_destination_is_decided_by_property_dependency():
    buckets = _stack()
    scratch_urn = buckets[1].urn
    dataset_urn = buckets[0].urn
    for urn, flagged in ((dataset_urn, set()), (scratch_urn, {"ec"})):
        inputs = _set(CAPTURE, "dataCaptureConfig.destinationS3Uri", UNKNOWN)
        result = evaluate([*buckets, resource(ENDPOINT_CONFIG, "ec", inputs,
                                              property_dependencies={"dataCaptureConfig": [urn]})])
        assert result.flagged("sagemaker-data-stores-governed-buckets") == flagged
        assert result.unverifiable("sagemaker-data-stores-governed-buckets") == set()


# --- real programs ---------------------------------------------------------------------------------

def _ml_program(isolated: bool, capture_bucket: str):
    def program() -> None:
        import pulumi
        import pulumi_aws as aws

        key = aws.kms.Key("ml-key", enable_key_rotation=True)
        datasets = aws.s3.Bucket("datasets", tags={"dataset": "clicks"})
        scratch = aws.s3.Bucket("scratch")
        target = datasets if capture_bucket == "datasets" else scratch
        aws.sagemaker.TrainingJob(
            "train", training_job_name="train", role_arn=ROLE, enable_network_isolation=isolated,
            enable_inter_container_traffic_encryption=True,
            vpc_config=aws.sagemaker.TrainingJobVpcConfigArgs(subnets=["subnet-1"], security_group_ids=["sg-1"]),
            algorithm_specification=aws.sagemaker.TrainingJobAlgorithmSpecificationArgs(training_image=IMAGE,
                                                                                          training_input_mode="File"),
            resource_config=aws.sagemaker.TrainingJobResourceConfigArgs(
                instance_type="ml.m5.xlarge", instance_count=1, volume_size_in_gb=30, volume_kms_key_id=key.arn),
            output_data_config=aws.sagemaker.TrainingJobOutputDataConfigArgs(
                s3_output_path=pulumi.Output.concat("s3://", datasets.bucket, "/models/"), kms_key_id=key.arn),
            stopping_condition=aws.sagemaker.TrainingJobStoppingConditionArgs(max_runtime_in_seconds=3600))
        aws.sagemaker.EndpointConfiguration(
            "serve", kms_key_arn=key.arn,
            production_variants=[aws.sagemaker.EndpointConfigurationProductionVariantArgs(
                model_name="m", instance_type="ml.m5.large", initial_instance_count=2)],
            data_capture_config=aws.sagemaker.EndpointConfigurationDataCaptureConfigArgs(
                initial_sampling_percentage=100, kms_key_id=key.arn, enable_capture=True,
                destination_s3_uri=pulumi.Output.concat("s3://", target.bucket, "/capture/"),
                capture_options=[aws.sagemaker.EndpointConfigurationDataCaptureConfigCaptureOptionArgs(
                    capture_mode="Input")]))

    return program


FAMILY = ("sagemaker-job-in-vpc", "sagemaker-job-network-isolated", "sagemaker-job-inter-container-encrypted",
          "sagemaker-job-volume-kms-encrypted", "sagemaker-job-output-kms-encrypted",
          "sagemaker-container-image-private-registry", "sagemaker-endpoint-config-capture-kms-encrypted",
          "sagemaker-data-stores-governed-buckets")


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_compliant_ml_workload_passes_in_both_modes(preview):
    result = evaluate_program(_ml_program(True, "datasets"), preview=preview)
    for rule in FAMILY:
        assert result.flagged(rule) == set(), rule
        assert result.unverifiable(rule) == set(), rule


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_weakened_ml_workload_is_blocked_in_both_modes(preview):
    result = evaluate_program(_ml_program(False, "scratch"), preview=preview)
    assert result.flagged("sagemaker-job-network-isolated") == {"train"}
    assert result.flagged("sagemaker-data-stores-governed-buckets") == {"serve"}


EXPERIMENT = {"name": "shadow", "type": "ShadowMode", "roleArn": ROLE, "endpointName": "e", "kmsKey": KEY,
              "dataStorageConfig": {"destination": "s3://datasets/shadow/", "kmsKey": KEY},
              "modelVariants": [{"modelName": "m", "variantName": "v"}]}
EXPERIMENT_RULE = "sagemaker-inference-experiment-kms-encrypted"


@pytest.mark.parametrize(("inputs", "flagged"), [
    (EXPERIMENT, set()),
    ({k: v for k, v in EXPERIMENT.items() if k != "kmsKey"}, {"r"}),
    ({**EXPERIMENT, "dataStorageConfig": {"destination": "s3://datasets/shadow/"}}, {"r"}),
    ({k: v for k, v in EXPERIMENT.items() if k != "dataStorageConfig"}, set()),
])
def test_inference_experiments(inputs, flagged):
    from ml_dataset_governance.policies.rules.sagemaker_jobs import INFERENCE_EXPERIMENT

    assert evaluate([resource(INFERENCE_EXPERIMENT, "r", inputs)]).flagged(EXPERIMENT_RULE) == flagged


def test_inference_experiment_in_a_template_is_judged_once_through_the_template_rule():
    import json

    body = {"Resources": {"Shadow": {"Type": "AWS::SageMaker::InferenceExperiment", "Properties": {
        "Name": "shadow", "Type": "ShadowMode", "RoleArn": ROLE, "EndpointName": "e"}}}}
    result = evaluate([resource("aws:cloudformation/stack:Stack", "cfn", {"name": "cfn",
                                                                        "templateBody": json.dumps(body)})])
    assert "breaks sagemaker-inference-experiment-kms-encrypted" in " ".join(
        result.messages("cloudformation-template-governed"))
