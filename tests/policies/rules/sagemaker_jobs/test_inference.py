"""sagemaker_jobs.inference through the engine path: feature groups, endpoint capture and variants,
governed destinations, inference experiments."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.sagemaker_shapes import (
    ENDPOINT_CONFIG,
    FEATURE_GROUP,
)

from mlgov.testing import UNKNOWN, evaluate, resource
from tests.policies.rules.sagemaker_jobs.sagemaker_jobs_helpers import (
    KEY,
    ROLE,
    edit,
    flags,
)

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
    assert flags(FEATURE_GROUP, edit(FEATURES, path, value), "sagemaker-feature-group-kms-encrypted")[0] == {"r"}


def test_in_memory_online_store_and_disabled_online_store_need_no_key():
    for online in ({"enableOnlineStore": True, "storageType": "InMemory"}, {"enableOnlineStore": False}):
        inputs = edit(FEATURES, "onlineStoreConfig", online)
        assert flags(FEATURE_GROUP, inputs, "sagemaker-feature-group-kms-encrypted") == (set(), set())


def test_capture_without_key_is_blocked_and_disabled_capture_is_not():
    assert flags(ENDPOINT_CONFIG, edit(CAPTURE, "dataCaptureConfig.kmsKeyId", None),
                  "sagemaker-endpoint-config-capture-kms-encrypted")[0] == {"r"}
    disabled = edit(edit(CAPTURE, "dataCaptureConfig.kmsKeyId", None), "dataCaptureConfig.enableCapture", False)
    assert flags(ENDPOINT_CONFIG, disabled, "sagemaker-endpoint-config-capture-kms-encrypted") == (set(), set())


def test_nvme_endpoint_needs_no_volume_key_but_ebs_endpoint_does():
    nvme = edit(CAPTURE, "kmsKeyArn", None)
    nvme["productionVariants"][0]["instanceType"] = "ml.g5.xlarge"
    assert flags(ENDPOINT_CONFIG, nvme, "sagemaker-endpoint-config-kms-encrypted") == (set(), set())
    assert flags(ENDPOINT_CONFIG, edit(CAPTURE, "kmsKeyArn", None),
                  "sagemaker-endpoint-config-kms-encrypted")[0] == {"r"}


@pytest.mark.parametrize(("uri", "flagged"), [
    ("s3://datasets/features/", set()),
    ("s3://scratch/features/", {"fg"}),
    ("s3://somewhere-else/features/", {"fg"}),
])
def test_offline_store_must_be_a_governed_bucket(uri, flagged):
    inputs = edit(FEATURES, "offlineStoreConfig.s3StorageConfig.s3Uri", uri)
    result = evaluate(_stack(resource(FEATURE_GROUP, "fg", inputs)))
    assert result.flagged("sagemaker-data-stores-governed-buckets") == flagged


def test_external_governed_bucket_can_be_allowed():
    inputs = edit(FEATURES, "offlineStoreConfig.s3StorageConfig.s3Uri", "s3://lake-governed/x/")
    config = {"sagemaker-data-stores-governed-buckets": {"allowedExternalBuckets": ["lake-governed"]}}
    result = evaluate(_stack(resource(FEATURE_GROUP, "fg", inputs)), config=config)
    assert result.flagged("sagemaker-data-stores-governed-buckets") == set()


def test_first_preview_destination_is_decided_by_property_dependency():
    buckets = _stack()
    scratch_urn = buckets[1].urn
    dataset_urn = buckets[0].urn
    for urn, flagged in ((dataset_urn, set()), (scratch_urn, {"ec"})):
        inputs = edit(CAPTURE, "dataCaptureConfig.destinationS3Uri", UNKNOWN)
        result = evaluate([*buckets, resource(ENDPOINT_CONFIG, "ec", inputs,
                                              property_dependencies={"dataCaptureConfig": [urn]})])
        assert result.flagged("sagemaker-data-stores-governed-buckets") == flagged
        assert result.unverifiable("sagemaker-data-stores-governed-buckets") == set()


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
